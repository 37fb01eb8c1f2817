"""Code generation: n sampled solutions per task, each run with the task's tests in the sandbox, then pass@k.

Sampling is a function passed in (`Sampler`), so the scoring path can be exercised with known solutions
and the model path separately; the CLI passes the model's sampler. Every sample's sandbox status is counted
(passed / failed / timeout / memory / error) so a low pass@k can be told apart from broken extraction.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from geocorpus.evaluate.code_items import CodegenItem
from geocorpus.evaluate.lm import Advance
from geocorpus.evaluate.passk import mean_pass_at_k, pass_at_k

# (user prompts, n, advance) -> n completions per prompt
Sampler = Callable[[Sequence[str], int, Advance | None], list[list[str]]]
_FENCE = re.compile(r"```[ \t]*(?:python|py|python3)?[ \t]*\n(.*?)(?:```|\Z)", re.S | re.I)


def codegen_prompt(item: CodegenItem) -> str:
    return f"{item.prompt}\n\nWrite the complete solution in Python, in a single ```python code block."


def extract_code(reply: str) -> str:
    """The first fenced code block of a reply (an unclosed fence runs to the end), else the whole reply."""
    match = _FENCE.search(reply)
    return (match.group(1) if match else reply).strip("\n")


def evaluate_codegen(items: Sequence[CodegenItem], sampler: Sampler, *, n: int, ks: Sequence[int],
                     limits: Any = None, workers: int = 2,
                     progress: Callable[[str, int], Advance] | None = None) -> dict[str, Any]:
    """pass@k per task and on average, with sandbox status counts and timings."""
    from geocorpus.sandbox import run_many

    started = time.perf_counter()
    replies = sampler([codegen_prompt(i) for i in items], n, progress("sample", len(items)) if progress else None)
    sampled = time.perf_counter()
    jobs = [(extract_code(reply), item.tests) for item, group in zip(items, replies, strict=True) for reply in group]
    advance = progress("execute", len(jobs)) if progress else None
    results = []
    for start in range(0, len(jobs), 16):  # chunks, so the progress bar moves during long runs
        results += run_many(jobs[start:start + 16], limits=limits, workers=workers)
        if advance:
            advance(len(jobs[start:start + 16]))
    per_item, statuses, at = [], Counter(), 0
    for item, group in zip(items, replies, strict=True):
        outcome = results[at:at + len(group)]
        at += len(group)
        correct = sum(r.passed for r in outcome)
        statuses.update(r.status for r in outcome)
        per_item.append({"id": item.item_id, "n": len(group), "correct": correct,
                         "statuses": dict(Counter(r.status for r in outcome)),
                         **{f"pass@{k}": round(pass_at_k(len(group), correct, k), 6) for k in ks if k <= len(group)}})
    counts = [(row["n"], row["correct"]) for row in per_item]
    metrics = {f"pass@{k}": mean_pass_at_k(counts, k) for k in ks}
    return {"metrics": metrics, "counts": {"items": len(items), "samples": len(jobs), **dict(statuses)},
            "seconds": round(time.perf_counter() - started, 3),
            "timings": {"sample_s": round(sampled - started, 3), "execute_s": round(time.perf_counter() - sampled, 3)},
            "per_item": per_item}
