"""Scoring multiple-choice items: log-likelihood (acc, acc_norm) and generate-then-extract-the-letter.

Log-likelihood prompts follow lm-evaluation-harness's two classic shapes:
- `cloze` (ARC/SciQ style): "Question: <stem>\\nAnswer:" continued by " <option text>"; acc picks the option
  with the highest summed log-probability, acc_norm divides it by the option's length in characters first
  (lm-eval's acc_norm), which removes the bias towards short options;
- `letters` (MMLU style): the options are listed as "A. ..." and the continuations are " A", " B", ...; every
  continuation has one character, so acc_norm equals acc there.
Generation asks a chat model for the letter (through its chat template) and reads it with `extract_letter`;
replies naming no single letter count as wrong and are reported as `unparsed`.
Every figure is given over all items and over the first occurrence of each duplicate group (`*_dedup`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from geocorpus.evaluate.duplicates import first_occurrences
from geocorpus.evaluate.letters import extract_letter
from geocorpus.evaluate.lm import Advance, LocalLM
from geocorpus.evaluate.mcq_items import LETTERS, MCQItem

Style = Literal["cloze", "letters"]
Mode = Literal["loglik", "generate", "both"]


@dataclass(frozen=True)
class MCQOptions:
    style: Style = "cloze"
    mode: Mode = "loglik"
    max_new_tokens: int = 32


def _listed(item: MCQItem) -> str:
    return "\n".join(f"{LETTERS[i]}. {o}" for i, o in enumerate(item.options))


def loglik_requests(item: MCQItem, style: Style) -> list[tuple[str, str]]:
    """(context, continuation) per option; the context is shared by all options of the item."""
    zh = item.lang == "zh"
    if style == "letters":
        context = f"{item.stem}\n{_listed(item)}\n" + ("答案：" if zh else "Answer:")
        return [(context, (LETTERS[i] if zh else f" {LETTERS[i]}")) for i in range(len(item.options))]
    context = f"问题：{item.stem}\n答案：" if zh else f"Question: {item.stem}\nAnswer:"
    return [(context, option if zh else f" {option}") for option in item.options]


def generation_prompt(item: MCQItem) -> str:
    """The user turn for generate-then-extract: stem, lettered options, and a request for the letter only."""
    ask = "请只回答正确选项的字母。" if item.lang == "zh" else "Answer with the letter of the correct option only."
    return f"{item.stem}\n\n{_listed(item)}\n\n{ask}"


def score_loglik(items: Sequence[MCQItem], logliks: Sequence[float], style: Style) -> list[dict[str, Any]]:
    """Per item: the option log-likelihoods and the acc / acc_norm predictions (indices)."""
    out, at = [], 0
    for item in items:
        values = list(logliks[at:at + len(item.options)])
        at += len(item.options)
        lengths = [1 if style == "letters" else len(o) for o in item.options]
        normed = [v / length for v, length in zip(values, lengths, strict=True)]
        out.append({"loglik": [round(v, 4) for v in values], "pred": _argmax(values), "pred_norm": _argmax(normed)})
    return out


def evaluate_mcq(lm: LocalLM, items: Sequence[MCQItem], options: MCQOptions,
                 progress: Callable[[str, int], Advance] | None = None) -> dict[str, Any]:
    """Metrics, counts, timings and per-item predictions of one model on one benchmark."""
    started = time.perf_counter()
    per_item: list[dict[str, Any]] = [{"id": it.item_id, "answer": it.answer_letter} for it in items]
    metrics: dict[str, float | None] = {}
    keep = first_occurrences(items)
    if options.mode in ("loglik", "both"):
        requests = [r for item in items for r in loglik_requests(item, options.style)]
        advance = progress("log-likelihood", len(requests)) if progress else None
        scored = score_loglik(items, lm.loglikelihood(requests, advance), options.style)
        for row, result in zip(per_item, scored, strict=True):
            row.update(loglik=result["loglik"], pred=LETTERS[result["pred"]], pred_norm=LETTERS[result["pred_norm"]])
        metrics |= _accuracy("acc", [r["pred"] == r["answer"] for r in per_item], keep)
        metrics |= _accuracy("acc_norm", [r["pred_norm"] == r["answer"] for r in per_item], keep)
    if options.mode in ("generate", "both"):
        advance = progress("generate", len(items)) if progress else None
        prompts = [lm.chat_prompt(generation_prompt(item)) for item in items]
        replies = lm.generate(prompts, max_new_tokens=options.max_new_tokens, advance=advance)
        for row, item, reply in zip(per_item, items, replies, strict=True):
            row.update(reply=reply[0], pred_gen=extract_letter(reply[0], len(item.options), item.options))
        metrics |= _accuracy("acc_gen", [r["pred_gen"] == r["answer"] for r in per_item], keep)
        metrics["unparsed_gen"] = sum(r["pred_gen"] is None for r in per_item)
    return {"metrics": metrics, "counts": {"items": len(items), "unique": sum(keep)},
            "seconds": round(time.perf_counter() - started, 3), "per_item": per_item}


def chance_level(items: Sequence[MCQItem]) -> float | None:
    """Expected accuracy of uniform guessing (items may have 2 to 8 options)."""
    return sum(1 / len(i.options) for i in items) / len(items) if items else None


def _accuracy(name: str, correct: list[bool], keep: list[bool]) -> dict[str, float | None]:
    unique = [c for c, k in zip(correct, keep, strict=True) if k]
    return {name: _mean(correct), f"{name}_dedup": _mean(unique)}


def _mean(values: list[bool]) -> float | None:
    return sum(values) / len(values) if values else None


def _argmax(values: list[float]) -> int:
    return max(range(len(values)), key=values.__getitem__)
