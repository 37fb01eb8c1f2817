"""Any OpenAI-compatible Chat Completions server (vLLM, SGLang, llama.cpp server, Ollama, hosted APIs).

The official `openai` SDK does the HTTP, and its retry loop is what we rely on (read from
`openai/_base_client.py`, v3.54): it retries connection errors, timeouts, 408, 409, 429 and every 5xx up to
`max_retries` times, sleeping what `retry-after-ms` / `Retry-After` say (seconds, float or HTTP date) when that
is between 0 and 120 s, else 0.5 s·2^n capped at 8 s with up to 25 % jitter; other 4xx are raised at once.
We only add what it lacks: a concurrency limit, mapping each final exception to a short failure reason, and
never raising for one request. Only the parameters every compatible server accepts are sent.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import logging
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from geocorpus.generate.backends.base import Backend, Completion, OnDone, Request
from geocorpus.generate.backends.spec import OpenAISpec

if TYPE_CHECKING:
    from openai import AsyncOpenAI

log = logging.getLogger(__name__)

# llama.cpp server and vLLM ignore the key, but the SDK refuses to start without one.
PLACEHOLDER_KEY = "not-needed"


def public_url(url: str) -> str:
    """The URL without user:password@, so credentials in a base_url never reach the cache key or logs."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


def failure_reason(err: BaseException) -> str:
    """A short, stable reason for an exception the SDK raised after its retries; never the server's text."""
    import openai

    if isinstance(err, openai.APITimeoutError):
        return "timeout"
    if isinstance(err, openai.APIConnectionError):
        return "connection_error"
    if isinstance(err, openai.APIStatusError):
        status = err.status_code
        code = str(getattr(err, "code", None) or "")
        message = str(getattr(err, "message", "")).lower()
        if status == 400 and ("context_length" in code or "context length" in message):
            return "context_length"
        retried = status in (408, 409, 429) or status >= 500
        return f"http_{status}_exhausted" if retried else f"http_{status}"
    if isinstance(err, (json.JSONDecodeError, openai.APIResponseValidationError, ValueError, TypeError,
                        AttributeError, KeyError, IndexError)):
        return "malformed_response"
    return f"error_{type(err).__name__}"


class OpenAIBackend(Backend):
    """Sends each request as one `chat.completions.create` call, at most `concurrency` at a time."""

    def __init__(self, spec: OpenAISpec) -> None:
        self.spec = spec
        self.identity = f"openai:{spec.model}@{public_url(spec.base_url)}" + (";json_mode" if spec.json_mode else "")

    def complete(self, requests: Sequence[Request], on_done: OnDone | None = None) -> list[Completion]:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(self._complete_all(requests, on_done))
        # Called from async code (a notebook, an async app): run our loop in a thread of its own.
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, self._complete_all(requests, on_done)).result()

    async def _complete_all(self, requests: Sequence[Request], on_done: OnDone | None) -> list[Completion]:
        from openai import AsyncOpenAI

        api_key = os.environ.get(self.spec.api_key_env) or PLACEHOLDER_KEY
        semaphore = asyncio.Semaphore(self.spec.concurrency)
        results: list[Completion | None] = [None] * len(requests)

        async with AsyncOpenAI(base_url=self.spec.base_url, api_key=api_key, max_retries=self.spec.max_retries,
                               timeout=self.spec.timeout_s) as client:

            async def one(index: int, request: Request) -> None:
                async with semaphore:
                    completion = await self._send(client, request)
                results[index] = completion
                if on_done is not None:
                    on_done(index, completion)

            await asyncio.gather(*(one(i, r) for i, r in enumerate(requests)))
        return [r if r is not None else Completion.failure("not_sent") for r in results]

    def _body(self, request: Request) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self.spec.model, "messages": request.chat(),
                                "temperature": request.temperature, "top_p": request.top_p,
                                "max_tokens": request.max_tokens}
        if request.seed is not None:
            body["seed"] = request.seed
        if request.stop:
            body["stop"] = list(request.stop)
        if request.json_mode and self.spec.json_mode:
            body["response_format"] = {"type": "json_object"}
        return body

    async def _send(self, client: AsyncOpenAI, request: Request) -> Completion:
        try:
            response = await client.chat.completions.create(**self._body(request))
            choice = response.choices[0]
            text = choice.message.content
            usage = response.usage
        except Exception as err:
            reason = failure_reason(err)
            log.warning("request to %s failed: %s", public_url(self.spec.base_url), reason)
            return Completion.failure(reason)
        if not isinstance(text, str) or not text.strip():
            return Completion.failure("empty_output")
        return Completion(text=text, error=None, prompt_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
                          completion_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
                          finish_reason=choice.finish_reason)
