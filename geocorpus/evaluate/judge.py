"""An LLM judge for code summaries, through the generation backends (any OpenAI-compatible server, or a local
model), with the generation request cache so a rerun does not pay for the same verdicts twice.

The judge sees the code, the reference and the candidate and answers a JSON object `{"score": 1-5, "reason"}`;
an answer without a readable score counts as failed (reported, not guessed).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from geocorpus.evaluate.code_items import SummaryItem

SYSTEM = ("You grade summaries of source code. Compare the candidate summary with the code and the reference "
          "summary. Score 1 (wrong or unrelated) to 5 (accurate, complete and concise; paraphrase is fine). "
          'Reply with a JSON object only: {"score": <1-5>, "reason": "<one sentence>"}.')
_SCORE = re.compile(r"score\W{0,4}([1-5])(?![\d.])", re.I)


def judge_request_text(item: SummaryItem, candidate: str) -> str:
    return f"{item.prompt}\n\nReference summary:\n{item.reference}\n\nCandidate summary:\n{candidate}"


def parse_score(text: str | None) -> int | None:
    """The 1-5 score of a verdict: the JSON object's `score`, else a "score: N" in prose, else None."""
    if not text:
        return None
    match = re.search(r"\{.*\}", text, re.S)
    if match:
        try:
            value = json.loads(match.group(0)).get("score")
        except (json.JSONDecodeError, AttributeError):
            value = None
        if isinstance(value, int | float) and 1 <= value <= 5:
            return round(value)
    found = _SCORE.search(text)
    return int(found.group(1)) if found else None


class SummaryJudge:
    """Callable as `judge(items, candidates) -> {"mean", "failed", "scores", "usage"}` (see summary.Judge)."""

    def __init__(self, backend_spec: Any, cache_dir: Path) -> None:
        from geocorpus.generate.backends import make_backend

        self.spec = backend_spec
        self.backend = make_backend(backend_spec)
        self.cache_dir = cache_dir

    def __call__(self, items: Sequence[SummaryItem], candidates: Sequence[str]) -> dict[str, Any]:
        from geocorpus.generate.backends import Request
        from geocorpus.generate.client import complete_all

        json_mode = bool(getattr(self.spec, "json_mode", False))
        requests = [Request(messages=(("system", SYSTEM), ("user", judge_request_text(i, c))), temperature=0.0,
                            max_tokens=200, seed=0, json_mode=json_mode)
                    for i, c in zip(items, candidates, strict=True)]
        completions, usage = complete_all(self.backend, requests, self.cache_dir)
        scores = [parse_score(c.text) if c.ok else None for c in completions]
        valid = [s for s in scores if s is not None]
        return {"mean": sum(valid) / len(valid) if valid else None, "failed": len(scores) - len(valid),
                "scores": scores, "model": self.backend.identity,
                "usage": {"sent": usage.requests_sent, "cached": usage.cached, "failed": dict(usage.failed)}}
