"""The one interface every generation backend speaks: frozen requests in, completions out, in order.

Requests and completions are plain frozen dataclasses (hashable, JSON-able) so the cache can key them and the
runner can keep them in sets; a backend never raises for one bad request — it returns a failed `Completion`
with a machine-readable reason, because a crash on request 9,000 of 10,000 must not lose the other 8,999.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

ROLES = ("system", "user", "assistant")


@dataclass(frozen=True)
class Request:
    """One chat request; only the sampling parameters every OpenAI-compatible server understands."""

    messages: tuple[tuple[str, str], ...]  # ((role, content), ...), role in system/user/assistant
    temperature: float = 0.7
    top_p: float = 1.0
    max_tokens: int = 512
    seed: int | None = None
    stop: tuple[str, ...] = ()
    json_mode: bool = False  # ask for a JSON object when the backend offers it

    def __post_init__(self) -> None:
        # Callers often build messages from lists; normalise so the request stays hashable and its key stable.
        object.__setattr__(self, "messages", tuple((str(r), str(c)) for r, c in self.messages))
        object.__setattr__(self, "stop", tuple(self.stop))
        # 1 and 1.0 must give the same cache key.
        object.__setattr__(self, "temperature", float(self.temperature))
        object.__setattr__(self, "top_p", float(self.top_p))
        object.__setattr__(self, "max_tokens", int(self.max_tokens))
        for role, _ in self.messages:
            if role not in ROLES:
                raise ValueError(f"message role {role!r} is not one of {', '.join(ROLES)}")

    def chat(self) -> list[dict[str, str]]:
        """The messages in the `[{"role", "content"}]` form chat APIs and chat templates take."""
        return [{"role": role, "content": content} for role, content in self.messages]

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["messages"] = [list(m) for m in self.messages]
        data["stop"] = list(self.stop)
        return data


@dataclass(frozen=True)
class Completion:
    """The answer to one request; `text is None` exactly when it failed, and then `error` says why."""

    text: str | None
    error: str | None  # e.g. "http_429_exhausted", "timeout", "context_length", "malformed_response"
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str | None
    cached: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None and self.text is not None

    @property
    def truncated(self) -> bool:
        """The reply stopped because it reached `max_tokens`, so its end is missing (whatever it looks like).

        Every backend reports that as finish_reason "length" (OpenAI's name, which vLLM and the transformers
        backend use too); a missing finish_reason — an old cache row, a server that does not say — is unknown,
        which is not taken as truncated.
        """
        return self.finish_reason == "length"

    @classmethod
    def failure(cls, reason: str) -> Completion:
        return cls(text=None, error=reason, prompt_tokens=0, completion_tokens=0, finish_reason=None)


OnDone = Callable[[int, Completion], None]


class Backend(ABC):
    """Sends requests to a model. `identity` is everything the answers depend on besides the request itself."""

    identity: str

    @abstractmethod
    def complete(self, requests: Sequence[Request], on_done: OnDone | None = None) -> list[Completion]:
        """Answer all requests, in order; `on_done(index, completion)` fires as each finishes (for caching)."""

    def close(self) -> None:  # noqa: B027 - optional hook; most backends hold nothing to release
        """Release the model or connections; the backend is unusable afterwards."""
