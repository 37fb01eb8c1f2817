"""A killable worker process: run extractors with a per-document time limit and a memory cap.

A hostile PDF can make pypdf loop forever or allocate without bound, and a build must survive it. Each
`extract` step instance owns one long-lived child process (started on first use, so a document costs one
pipe round trip, not a process start). The child caps its own address space with RLIMIT_AS, so a runaway
allocation ends in a MemoryError there; a call that outlives its deadline gets the child killed and the
next call starts a fresh one. The protocol is length-prefixed pickles over the child's stdin/stdout.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import time
import weakref
from typing import Any

from geocorpus.extract.errors import ExtractionError

_HEADER = struct.Struct("<Q")
#: How long a fresh child may take to import the extractors before it counts as broken.
STARTUP_TIMEOUT_S = 120.0


def send(stream: Any, message: Any) -> None:
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(payload)) + payload)
    stream.flush()


def receive(fd: int, deadline: float | None) -> Any:
    """One message from a raw file descriptor; TimeoutError past `deadline`, EOFError when the peer is gone."""
    header = _read_exactly(fd, _HEADER.size, deadline)
    return pickle.loads(_read_exactly(fd, _HEADER.unpack(header)[0], deadline))


def _read_exactly(fd: int, size: int, deadline: float | None) -> bytes:
    chunks, missing = [], size
    while missing:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise TimeoutError
        chunk = os.read(fd, min(missing, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        missing -= len(chunk)
    return b"".join(chunks)


class IsolatedWorker:
    """Calls `module:function` targets in a child process with a time limit per call and a memory cap."""

    def __init__(self, timeout_s: float, max_memory_mb: int) -> None:
        self.timeout_s = timeout_s
        self.max_memory_mb = max_memory_mb
        self._process: subprocess.Popen[bytes] | None = None
        self._finalizer: weakref.finalize | None = None

    def call(self, target: str, *args: Any) -> Any:
        """The target's return value; its ExtractionError re-raised; `timeout`/`memory`/`crashed` otherwise."""
        process = self._ensure_started()
        try:
            send(process.stdin, (target, args))
            status, *value = receive(process.stdout.fileno(), time.monotonic() + self.timeout_s)
        except TimeoutError:
            self.close()
            raise ExtractionError("timeout", f"extraction took longer than timeout_s={self.timeout_s:g}") from None
        except (EOFError, BrokenPipeError, pickle.UnpicklingError):
            code = self._reap()
            raise ExtractionError("crashed", f"the extraction worker died ({_describe_exit(code)})") from None
        if status == "ok":
            return value[0]
        reason, message = value
        if reason == "memory":
            # the child's heap may be fragmented at the cap; start clean for the next document
            self.close()
        raise ExtractionError(reason, message)

    def _ensure_started(self) -> subprocess.Popen[bytes]:
        if self._process is not None and self._process.poll() is None:
            return self._process
        command = [sys.executable, "-m", "geocorpus.extract.worker", str(self.max_memory_mb)]
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, close_fds=True)
        self._process = process
        self._finalizer = weakref.finalize(self, _kill, process)
        try:
            ready = receive(process.stdout.fileno(), time.monotonic() + STARTUP_TIMEOUT_S)
        except (TimeoutError, EOFError) as error:
            code = self._reap()
            raise RuntimeError(f"the extraction worker did not start ({_describe_exit(code)})") from error
        if ready != "ready":
            raise RuntimeError(f"the extraction worker sent {ready!r} instead of 'ready'")
        return process

    def _reap(self) -> int | None:
        process, self._process = self._process, None
        if process is None:
            return None
        _kill(process)
        return process.returncode

    def close(self) -> None:
        """Kill the child now (it is restarted on the next call)."""
        self._reap()
        if self._finalizer is not None:
            self._finalizer.detach()
            self._finalizer = None


def _kill(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.kill()
    process.wait()
    for stream in (process.stdin, process.stdout):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "no exit status"
    if code < 0:
        return f"killed by {signal.Signals(-code).name}"
    return f"exit status {code}"
