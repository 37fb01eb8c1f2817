"""Per-step counters: documents in, out, dropped by reason, and time — summed over shard tasks."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class StepCounter:
    """What one step did in one task (or, once merged, in the whole build)."""

    label: str
    docs_in: int = 0
    docs_out: int = 0
    dropped: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"in": self.docs_in, "out": self.docs_out, "dropped": dict(sorted(self.dropped.items())),
                "seconds": round(self.seconds, 4)}

    def merge(self, data: dict[str, Any]) -> None:
        self.docs_in += data["in"]
        self.docs_out += data["out"]
        self.dropped.update(data["dropped"])
        self.seconds += data["seconds"]


def step_label(position: int, name: str) -> str:
    """Steps are keyed by recipe position: a recipe may use the same step twice with other params."""
    return f"{position:02d}:{name}"


def merge_all(results: list[dict[str, dict[str, Any]]], order: list[str]) -> list[StepCounter]:
    """Sum task results (label -> counter dict) into one counter per step, in recipe order."""
    totals = {label: StepCounter(label) for label in order}
    for result in results:
        for label, data in result.items():
            totals.setdefault(label, StepCounter(label)).merge(data)
    return list(totals.values())
