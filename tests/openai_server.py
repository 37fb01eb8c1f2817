"""A loopback OpenAI-compatible Chat Completions server with scripted faults, for tests and benchmarks.

It speaks the real protocol over real HTTP/1.1 (keep-alive, Content-Length, JSON bodies) so the official
`openai` SDK talks to it unchanged — retries, Retry-After and timeouts included:

- `POST /v1/chat/completions` → `{"id", "object": "chat.completion", "created", "model", "choices": [{"index": 0,
  "message": {"role": "assistant", "content"}, "finish_reason"}], "usage": {"prompt_tokens", "completion_tokens",
  "total_tokens"}}`; a bad body is a 400 with the standard error body `{"error": {"message", "type", "param",
  "code"}}`; `GET /v1/models` lists the model; other paths are 404 with an error body.
- **Answers are deterministic**: `echo: <last user message>` by default; `max_tokens` truncates it word by word
  (finish_reason "length"); `stop` cuts it; with `response_format={"type": "json_object"}` the echo is a JSON
  object `{"echo": ...}`. Tokens are whitespace words.
- **Canned answers** (for task tests): `server.answers.append((substring, text))` — the first entry whose
  substring occurs in any message of a request answers it; `text` may also be a callable `(prompt) -> str`,
  where prompt is all message contents joined by newlines.
- **Faults**, scripted per prompt substring and used up in order: `server.script("q7", Fault.rate_limit(1.0),
  Fault.server_error(503))` makes the first request containing "q7" get a 429 with `Retry-After: 1`, the second
  a 503, and every later one a normal answer. Kinds: `rate_limit` (429 + Retry-After or retry-after-ms),
  `server_error` (500/503), `slow` (answer after a delay, beyond the client's timeout), `malformed` (200 with a
  body that is not JSON), `truncated` (200 whose body is shorter than its Content-Length, then the connection
  closes), `context_length` (400 `context_length_exceeded`, as vLLM and OpenAI send it), `cut_at_length` (the
  normal answer, whole, but with finish_reason "length" — what a server sends when max_tokens cut a reply that
  happens to look complete, e.g. JSON closing before the last field was finished).
  `server.fault_all = Fault...` applies a fault to every request (e.g. always 503).
- **Accounting**: `server.log` holds one `Hit(prompt, status, started, finished)` per request;
  `server.count(substring)` / `server.answered(substring)` count requests / successful answers whose prompt
  contains substring; `server.max_in_flight` is the most requests it was serving at once; `server.bodies`
  holds the JSON bodies received (to check what a client sent); `server.auth_headers` the Authorization headers.
- `latency` (seconds) delays every answer, for concurrency tests and the benchmark; `api_key` makes it
  answer 401 without `Authorization: Bearer <api_key>`, like a hosted API.

Use it as a context manager (`with OpenAIServer() as server: ... server.base_url`), or run it as a process for
benchmarks: `python tests/openai_server.py --latency 0.05` prints its base URL on the first line of stdout.
"""

from __future__ import annotations

import argparse
import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Answer = str | Callable[[str], str]


@dataclass(frozen=True)
class Fault:
    """One scripted misbehaviour; build them with the class methods."""

    kind: str
    status: int = 200
    retry_after: float | None = None
    retry_after_ms: bool = False  # send `retry-after-ms` (OpenAI's own header) instead of `Retry-After`
    delay: float = 0.0

    @classmethod
    def rate_limit(cls, retry_after: float | None = 1.0, *, in_ms: bool = False) -> Fault:
        return cls("rate_limit", 429, retry_after=retry_after, retry_after_ms=in_ms)

    @classmethod
    def server_error(cls, status: int = 500) -> Fault:
        return cls("server_error", status)

    @classmethod
    def slow(cls, delay: float) -> Fault:
        return cls("slow", 200, delay=delay)

    @classmethod
    def malformed(cls) -> Fault:
        return cls("malformed", 200)

    @classmethod
    def truncated(cls) -> Fault:
        return cls("truncated", 200)

    @classmethod
    def context_length(cls) -> Fault:
        return cls("context_length", 400)

    @classmethod
    def cut_at_length(cls) -> Fault:
        return cls("cut_at_length", 200)


@dataclass(frozen=True)
class Hit:
    prompt: str
    status: int  # 200 also for malformed/truncated bodies; `ok` says whether a valid answer went out
    ok: bool
    started: float
    finished: float


def _error(message: str, type_: str, code: str | None = None, param: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # listen backlog: a burst of 64+ concurrent connects must not wait or be refused


class OpenAIServer:
    """See the module docstring. Thread-safe; every list/counter is guarded by one lock."""

    def __init__(self, *, model: str = "test-model", latency: float = 0.0, api_key: str | None = None,
                 port: int = 0) -> None:
        self.model = model
        self.latency = latency
        self.api_key = api_key
        self.answers: list[tuple[str, Answer]] = []
        self.faults: list[tuple[str, list[Fault]]] = []
        self.fault_all: Fault | None = None
        self.log: list[Hit] = []
        self.bodies: list[dict[str, Any]] = []
        self.auth_headers: list[str | None] = []
        self.max_in_flight = 0
        self._in_flight = 0
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", port), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    # ---- lifecycle -------------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def start(self) -> OpenAIServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> OpenAIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- scripting and accounting ----------------------------------------------------------------------
    def script(self, substring: str, *faults: Fault) -> None:
        """The next requests whose prompt contains `substring` get these faults, one each, in order."""
        with self._lock:
            self.faults.append((substring, list(faults)))

    def count(self, substring: str = "") -> int:
        with self._lock:
            return sum(substring in hit.prompt for hit in self.log)

    def answered(self, substring: str = "") -> int:
        with self._lock:
            return sum(hit.ok and substring in hit.prompt for hit in self.log)

    def _next_fault(self, prompt: str) -> Fault | None:
        with self._lock:
            for substring, queue in self.faults:
                if substring in prompt and queue:
                    return queue.pop(0)
            return self.fault_all

    def _answer_for(self, prompt: str, last_user: str) -> str:
        for substring, answer in list(self.answers):
            if substring in prompt:
                return answer(prompt) if callable(answer) else answer
        return f"echo: {last_user}"

    # ---- protocol --------------------------------------------------------------------------------------
    def _completion(self, body: dict[str, Any], finish: str = "stop") -> dict[str, Any]:
        messages = body["messages"]
        prompt = "\n".join(str(m.get("content", "")) for m in messages)
        last_user = next((str(m.get("content", "")) for m in reversed(messages) if m.get("role") == "user"), "")
        text = self._answer_for(prompt, last_user)
        if (body.get("response_format") or {}).get("type") == "json_object" and not any(
                s in prompt for s, _ in self.answers):
            text = json.dumps({"echo": last_user})
        for stop in ([body["stop"]] if isinstance(body.get("stop"), str) else body.get("stop") or []):
            if stop and stop in text:
                text = text[: text.index(stop)]
        words = text.split(" ")
        limit = body.get("max_tokens") or body.get("max_completion_tokens")
        if limit is not None and len(words) > int(limit):
            text, finish = " ".join(words[: int(limit)]), "length"
        prompt_tokens = len(prompt.split())
        completion_tokens = len(text.split())
        return {
            "id": f"chatcmpl-{len(self.log)}", "object": "chat.completion", "created": int(time.time()),
            "model": body["model"], "system_fingerprint": "fp_loopback",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "logprobs": None,
                         "finish_reason": finish}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens},
        }

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real servers: the SDK pools connections

            def setup(self) -> None:
                super().setup()
                # Headers and body go out in separate writes; without NODELAY, Nagle + delayed ACK add ~40 ms.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # quiet: tests read `server.log` instead

            def _send(self, status: int, payload: bytes, headers: dict[str, str] | None = None,
                      declared_length: int | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(declared_length or len(payload)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)
                self.wfile.flush()

            def _json(self, status: int, data: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                self._send(status, json.dumps(data).encode(), headers)

            def do_GET(self) -> None:
                if self.path.rstrip("/") == "/v1/models":
                    self._json(200, {"object": "list", "data": [
                        {"id": server.model, "object": "model", "created": 0, "owned_by": "geocorpus-tests"}]})
                else:
                    self._json(404, _error(f"Unknown path {self.path}", "invalid_request_error", "not_found"))

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path.rstrip("/") != "/v1/chat/completions":
                    self._json(404, _error(f"Unknown path {self.path}", "invalid_request_error", "not_found"))
                    return
                try:
                    body = json.loads(raw)
                    if not isinstance(body.get("model"), str) or not isinstance(body.get("messages"), list):
                        raise ValueError("'model' and 'messages' are required")
                except ValueError as err:
                    self._json(400, _error(f"Invalid request body: {err}", "invalid_request_error"))
                    return
                prompt = "\n".join(str(m.get("content", "")) for m in body["messages"])
                started = time.monotonic()
                with server._lock:
                    server.bodies.append(body)
                    server.auth_headers.append(self.headers.get("Authorization"))
                    server._in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server._in_flight)
                status, ok = 200, False
                try:
                    if server.api_key is not None and self.headers.get("Authorization") != f"Bearer {server.api_key}":
                        status = 401
                        self._json(401, _error("Incorrect API key provided.", "invalid_request_error",
                                               "invalid_api_key"))
                    else:
                        status, ok = self._serve(body, prompt)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (its timeout): a real server sees the same
                finally:
                    with server._lock:
                        server._in_flight -= 1
                        server.log.append(Hit(prompt, status, ok, started, time.monotonic()))

            def _serve(self, body: dict[str, Any], prompt: str) -> tuple[int, bool]:
                fault = server._next_fault(prompt)
                time.sleep(server.latency + (fault.delay if fault else 0.0))
                if fault is None or fault.kind == "slow":
                    self._json(200, server._completion(body))
                    return 200, True
                if fault.kind == "cut_at_length":
                    self._json(200, server._completion(body, finish="length"))
                    return 200, True
                if fault.kind == "rate_limit":
                    headers = {}
                    if fault.retry_after is not None:
                        name = "retry-after-ms" if fault.retry_after_ms else "Retry-After"
                        value = fault.retry_after * 1000 if fault.retry_after_ms else fault.retry_after
                        headers[name] = f"{value:g}"
                    self._json(429, _error("Rate limit reached for requests", "requests", "rate_limit_exceeded"),
                               headers)
                elif fault.kind == "server_error":
                    self._json(fault.status, _error("The server had an error while processing your request.",
                                                    "server_error"))
                elif fault.kind == "context_length":
                    self._json(400, _error("This model's maximum context length is 2048 tokens. However, you "
                                           "requested 4096 tokens. Please reduce the length of the messages.",
                                           "invalid_request_error", "context_length_exceeded", "messages"))
                elif fault.kind == "malformed":
                    self._send(200, b'{"id": "chatcmpl-x", "object": "chat.completion", "choices": [{"ind')
                elif fault.kind == "truncated":
                    payload = json.dumps(server._completion(body)).encode()
                    self._send(200, payload[: len(payload) // 2], declared_length=len(payload))
                    self.close_connection = True
                return fault.status, False

        return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    with OpenAIServer(latency=args.latency, port=args.port) as server:
        print(server.base_url, flush=True)
        threading.Event().wait()


if __name__ == "__main__":
    main()
