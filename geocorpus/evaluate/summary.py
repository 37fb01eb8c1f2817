"""Code summarisation: the model summarises each snippet; BLEU and ROUGE-L against the reference, and an
optional LLM judge (see judge.py) for what n-gram overlap misses (a correct paraphrase scores low on BLEU)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from geocorpus.evaluate.code_items import SummaryItem
from geocorpus.evaluate.lm import Advance
from geocorpus.evaluate.text_metrics import bleu, rouge_l, sentence_bleu

# (user prompts, advance) -> one reply per prompt
Summariser = Callable[[Sequence[str], Advance | None], list[str]]
Judge = Callable[[Sequence[SummaryItem], Sequence[str]], dict[str, Any]]


def evaluate_summaries(items: Sequence[SummaryItem], summarise: Summariser, *, judge: Judge | None = None,
                       progress: Callable[[str, int], Advance] | None = None) -> dict[str, Any]:
    started = time.perf_counter()
    hypotheses = [h.strip() for h in summarise([i.prompt for i in items], progress("generate", len(items))
                                               if progress else None)]
    references = [i.reference for i in items]
    rouge = rouge_l(references, hypotheses)
    per_item = [{"id": i.item_id, "bleu": round(sentence_bleu(i.reference, h), 4), "rouge_l": round(r, 4),
                 "summary": h} for i, h, r in zip(items, hypotheses, rouge, strict=True)]
    metrics: dict[str, Any] = {"bleu": bleu(references, hypotheses),
                               "rouge_l": sum(rouge) / len(rouge) if rouge else None}
    counts: dict[str, Any] = {"items": len(items), "empty_summaries": sum(not h for h in hypotheses)}
    if judge is not None:
        verdict = judge(items, hypotheses)
        metrics["judge"] = verdict["mean"]
        counts["judge_failed"] = verdict["failed"]
        for row, score in zip(per_item, verdict["scores"], strict=True):
            row["judge"] = score
    result = {"metrics": metrics, "counts": counts, "seconds": round(time.perf_counter() - started, 3),
              "per_item": per_item}
    if judge is not None:
        result["judge"] = {k: verdict[k] for k in ("model", "usage") if k in verdict}
    return result
