"""Run untrusted Python (generated code and its tests) in a fresh, isolated, limited process.

One run = one temp directory (the child's cwd, HOME and TMPDIR, deleted afterwards), one interpreter
started with `-I` (no PYTHON* variables, no user site, script folder not on sys.path) but *with*
site-packages, because generated GIS code legitimately imports numpy, shapely, pyproj; `-S` would make
every such test fail for the wrong reason. The environment is rebuilt from nothing, so no token or key
of ours reaches the child. Limits are set and the audit hook installed by `_child.py` before the code
runs; the wall clock is enforced here by killing the whole process group (and PID namespace).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO

from geocorpus.sandbox import isolation
from geocorpus.sandbox.types import Limits, SandboxResult, Status

_CHILD = str(Path(__file__).with_name("_child.py"))
_SYNTAX_ERROR, _OUT_OF_MEMORY = 97, 98


def run_python(code: str, *, tests: str = "", limits: Limits | None = None) -> SandboxResult:
    """Run `code` followed by `tests` (e.g. asserts) as one module in a fresh, isolated Python process; passed = exit 0.

    `code` runs with `__name__ == "solution"`, so an `if __name__ == "__main__":` block (which may read
    stdin or call sys.exit) stays off; `tests` run in the same namespace right after it."""
    limits = limits or Limits()
    prefix, level = isolation.launcher()
    private, allowed = isolation.private_folders()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="geocorpus-sandbox-", ignore_cleanup_errors=True) as folder:
        Path(folder, "solution.py").write_text(code, encoding="utf-8")
        Path(folder, "tests.py").write_text(tests, encoding="utf-8")
        report_read, report_write = os.pipe()
        config = {"cpu_s": limits.cpu_s, "memory_mb": limits.memory_mb, "file_mb": limits.file_mb,
                  "nproc": isolation.process_limit(limits.processes), "report_fd": report_write,
                  "private": private, "allowed": allowed}
        try:
            child = subprocess.Popen(
                [*prefix, sys.executable, "-I", "-B", _CHILD, json.dumps(config)], cwd=folder, env=_environment(folder),
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, pass_fds=(report_write,),
                start_new_session=True)
        except OSError as error:
            os.close(report_read)
            return SandboxResult("error", None, "", f"sandbox could not start: {error}", 0.0, level)
        finally:
            os.close(report_write)
        readers = [_Drain(child.stdout, limits.max_output_bytes), _Drain(child.stderr, limits.max_output_bytes),
                   _Drain(os.fdopen(report_read, "rb"), 4096)]
        timed_out = False
        try:
            child.wait(timeout=limits.timeout_s)
        except subprocess.TimeoutExpired:
            timed_out = True
        _kill_group(child.pid)  # on time-out the code; otherwise anything it left behind in its group
        child.wait()
        stdout, stderr, report = (reader.result() for reader in readers)
    seconds = round(time.monotonic() - started, 3)
    if timed_out:
        stderr += f"\nsandbox: killed after {limits.timeout_s:g} s wall clock"
        return SandboxResult("timeout", None, stdout, stderr, seconds, level)
    try:
        fate = json.loads(report)
    except ValueError:
        return SandboxResult("error", child.returncode, stdout, stderr + "\nsandbox: the supervisor gave no report",
                             seconds, level)
    status = _status(fate["returncode"], fate["done"], fate["cpu_s"] >= limits.cpu_s)
    if status == "failed" and fate["returncode"] == 0:
        stderr += "\nsandbox: the process ended with status 0 before its tests finished"
    return SandboxResult(status, fate["returncode"], stdout, stderr, seconds, level)


def run_many(jobs: Sequence[tuple[str, str]], *, limits: Limits | None = None, workers: int = 2) -> list[SandboxResult]:
    """Run (code, tests) jobs `workers` at a time; results come back in input order.

    Threads suffice: each one only waits on its own child process."""
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sandbox") as pool:
        return list(pool.map(lambda job: run_python(job[0], tests=job[1], limits=limits), jobs))


def _status(returncode: int, done: bool, used_all_cpu: bool) -> Status:
    if returncode == -signal.SIGXCPU or (returncode == -signal.SIGKILL and used_all_cpu):  # soft, then hard limit
        return "timeout"
    if returncode == _SYNTAX_ERROR:
        return "error"
    if returncode == _OUT_OF_MEMORY or returncode == -signal.SIGKILL:  # a SIGKILL not for CPU: the OOM killer
        return "memory"
    return "passed" if returncode == 0 and done else "failed"


def _environment(folder: str) -> dict[str, str]:
    """A minimal environment: nothing inherited, so no API key, token or proxy setting leaks in."""
    threads = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
    return {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": folder, "TMPDIR": folder, "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8", "MPLBACKEND": "Agg", "MPLCONFIGDIR": folder, **threads}


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


class _Drain:
    """Read a pipe to its end on a thread, keeping the first `cap` bytes, so the child never blocks on a full pipe."""

    def __init__(self, stream: IO[bytes], cap: int) -> None:
        self.stream, self.cap = stream, cap
        self.kept, self.dropped = bytearray(), 0
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        with self.stream:
            while chunk := self.stream.read1(65536) if hasattr(self.stream, "read1") else self.stream.read(65536):
                room = max(self.cap - len(self.kept), 0)
                self.kept += chunk[:room]
                self.dropped += len(chunk) - min(room, len(chunk))

    def result(self) -> str:
        self.thread.join(timeout=5)  # a descendant that escaped the kill could hold the pipe open: stop waiting
        text = bytes(self.kept).decode("utf-8", errors="replace")
        return text + f"\n[sandbox: {self.dropped} more bytes not kept]" if self.dropped else text
