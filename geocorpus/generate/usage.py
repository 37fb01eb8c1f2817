"""What a generation run cost: requests sent, answered from cache, failed by reason, tokens, money, time.

Kept apart from the client so the runner can merge several runs' stats (one per task) into `stats.json`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Price(BaseModel):
    """Money per million tokens, as hosted APIs quote it; the currency is whatever the user writes down."""

    model_config = ConfigDict(extra="forbid")
    prompt_per_million: float = Field(ge=0)
    completion_per_million: float = Field(ge=0)

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        return (prompt_tokens * self.prompt_per_million + completion_tokens * self.completion_per_million) / 1e6


@dataclass
class UsageStats:
    """Counters of one `complete_all` call. Tokens count only requests sent in this run (cached ones cost nothing)."""

    requests: int = 0  # all requests asked for, cached or not
    requests_sent: int = 0  # sent to the backend in this run
    cached: int = 0  # answered from the cache without sending
    succeeded: int = 0  # sent in this run and answered
    failed: Counter[str] = field(default_factory=Counter)  # reason -> count, over requests sent in this run
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float | None = None  # only when a price is configured
    seconds: float = 0.0

    def merge(self, other: UsageStats) -> UsageStats:
        """The sum of two runs' stats (e.g. two tasks of one generation run)."""
        cost = None if self.cost is None and other.cost is None else (self.cost or 0.0) + (other.cost or 0.0)
        return UsageStats(
            requests=self.requests + other.requests,
            requests_sent=self.requests_sent + other.requests_sent,
            cached=self.cached + other.cached,
            succeeded=self.succeeded + other.succeeded,
            failed=self.failed + other.failed,
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            cost=cost,
            seconds=self.seconds + other.seconds,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "requests_sent": self.requests_sent,
            "cached": self.cached,
            "succeeded": self.succeeded,
            "failed": dict(sorted(self.failed.items())),
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "cost": self.cost,
            "seconds": round(self.seconds, 3),
        }
