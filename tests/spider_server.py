"""A loopback HTTP server that replays scripted responses, and a helper to run crawls against it.

Tests script each URL as a sequence of replies (a 429 then a 200, a stall longer than the timeout, a body
shorter than its Content-Length) and read back the request log; crawls run in subprocesses (Scrapy's
reactor cannot restart in one process) under a guard that refuses every non-loopback connection.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

NETGUARD = Path(__file__).parent / "data" / "spiders" / "netguard"

# Test-speed politeness: no delays, short timeouts and backoff, few retries (the behaviour is the same).
FAST = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "0", "GEOCORPUS_BACKOFF_BASE": "0.05",
        "DOWNLOAD_TIMEOUT": "2", "RETRY_TIMES": "2", "CONCURRENT_REQUESTS_PER_DOMAIN": "4", "LOG_LEVEL": "INFO"}


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str | Callable[[], str]] = field(default_factory=dict)  # a callable: computed when sent
    delay: float = 0.0  # seconds before answering (longer than DOWNLOAD_TIMEOUT = a timeout)
    truncate: int | None = None  # send only this many body bytes, but the full Content-Length


def _normal(target: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    parts = urlsplit(target)
    return parts.path, tuple(sorted(parse_qsl(parts.query, keep_blank_values=True)))


class ReplayServer:
    """Routes are request targets (path?query, query order ignored) → replies, used in order; the last
    reply repeats. Unknown targets get 404, like a real server."""

    def __init__(self) -> None:
        self.routes: dict[tuple, list[Reply]] = {}
        self.log: list[tuple[float, str, dict[str, str]]] = []  # (time.monotonic(), target, request headers)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def add(self, target: str, *replies: Reply) -> None:
        self.routes[_normal(target)] = list(replies)

    def hits(self, target: str) -> list[float]:
        """When each request for `target` arrived (time.monotonic)."""
        wanted = _normal(target)
        return [at for at, seen, _ in self.log if _normal(seen) == wanted]

    def requests(self, prefix: str = "") -> list[tuple[float, str, dict[str, str]]]:
        """(time, target, headers) of each request whose target starts with `prefix`, in arrival order."""
        return [entry for entry in self.log if entry[1].startswith(prefix)]

    def _next(self, target: str, headers: dict[str, str]) -> Reply:
        with self._lock:
            self.log.append((time.monotonic(), target, headers))
            replies = self.routes.get(_normal(target))
            if not replies:
                return Reply(404, b"not found")
            return replies.pop(0) if len(replies) > 1 else replies[0]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                reply = server._next(self.path, dict(self.headers.items()))
                if reply.delay:
                    time.sleep(reply.delay)
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value() if callable(value) else value)
                    self.send_header("Content-Length", str(len(reply.body)))
                    if reply.truncate is not None:
                        self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.write(reply.body if reply.truncate is None else reply.body[: reply.truncate])
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)
                if reply.truncate is not None:
                    self.close_connection = True

            def log_message(self, *args: object) -> None:
                pass

        return Handler

    def __enter__(self) -> ReplayServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def crawl_command(spider: str, output: Path, args: dict[str, str], limit: int | None = None,
                  settings: dict[str, str] | None = None) -> list[str]:
    command = [sys.executable, "-m", "geocorpus.sources.crawl_cli", spider, "-o", str(output)]
    for key, value in args.items():
        command += ["-a", f"{key}={value}"]
    for key, value in {**FAST, **(settings or {})}.items():
        command += ["-s", f"{key}={value}"]
    return command + (["--limit", str(limit)] if limit else [])


def guarded_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(NETGUARD), env.get("PYTHONPATH")]))
    return env


def crawl(spider: str, output: Path, args: dict[str, str], limit: int | None = None,
          settings: dict[str, str] | None = None, timeout: float = 60,
          env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run a crawl to its end under the network guard; fails the test if anything tried the network.
    `env`: extra environment variables for the crawl (a token)."""
    result = subprocess.run(crawl_command(spider, output, args, limit, settings), env={**guarded_env(), **(env or {})},
                            capture_output=True, text=True, timeout=timeout)
    assert "NETWORK ACCESS BLOCKED" not in result.stderr, result.stderr[-3000:]
    return result


def kill_midway(spider: str, output: Path, args: dict[str, str], after: int = 3,
                settings: dict[str, str] | None = None) -> int:
    """Start a crawl, SIGKILL it once `after` documents are stored, and return how many were: the first half
    of every kill-and-resume test (the test then checks that a rerun ends with all items, none twice)."""
    import signal

    process = subprocess.Popen(crawl_command(spider, output, args, settings={"CONCURRENT_REQUESTS": "2",
                                                                             **(settings or {})}),
                               env=guarded_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    documents = output / "documents.jsonl"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (not documents.exists() or documents.read_bytes().count(b"\n") < after):
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    return documents.read_bytes().count(b"\n") if documents.exists() else 0


def stored_keys(output: Path) -> list[str]:
    """The keys of documents.jsonl in storage order (duplicates kept, so tests can look for them)."""
    import json

    return [json.loads(line)["key"] for line in (output / "documents.jsonl").read_text().splitlines()]


DATA = Path(__file__).parent / "data" / "spiders"


def tarball(files: dict[str, bytes], *, links: dict[str, str] | None = None, gz: bool = True) -> bytes:
    """A tar(.gz) with regular `files` and symbolic `links` (name → target), members in the given order."""
    import io
    import tarfile

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz" if gz else "w") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type, info.linkname = tarfile.SYMTYPE, target
            archive.addfile(info)
    return buffer.getvalue()


def pdf_bytes() -> bytes:
    """A real (one blank page) PDF, as pypdf writes it."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def pypi_project(base: str, name: str, version: str, sdist: bytes, **info: object) -> bytes:
    """A PyPI JSON API response (recorded format, tests/data/spiders/pypi_project.json) for one release."""
    import hashlib
    import json

    text = (DATA / "pypi_project.json").read_text(encoding="utf-8")
    text = text.replace("NAME", name).replace("VERSION", version).replace("SHA256", hashlib.sha256(sdist).hexdigest())
    data = json.loads(text.replace("SDIST_URL", f"{base}/packages/{name}-{version}.tar.gz"))
    data["info"].update(info)
    return json.dumps(data).encode()


def oai_page(name: str, base: str) -> bytes:
    return (DATA / name).read_text(encoding="utf-8").replace("BASE_URL", base).encode()
