"""Multiple-choice items from GeoBench files and our own eval sets, as (stem, options, answer index).

Formats, recognised by content (not by file name, since people rename benchmark files):
- K2 GeoBench NPEE JSON `{type: {"question": [...], "answer": [...]}}`: the `choice` block (options written
  inline in the question, "... A. x B. y", answer a letter) and the `tf` block (answer True/False, scored as
  a two-option item like K2 does); the open-ended blocks (noun, qa, discussion, ...) are counted, not scored;
- K2 GeoBench AP Study JSON `[{id, question: {stem, choices: [{text, label}]}, answerKey}]`;
- JiuZhou's CSV `question,A,B,C,D,E,answer` (any subset of option columns A..H, optional `id`);
- our generated eval sets (Parquet/JSONL rows with `instruction` = stem, `meta.options`, `meta.answer`); rows
  of other tasks in the same directory are counted under `not_multiple_choice`.

`filters/eval_sets.py` reads the same files for decontamination, but flattens each item into text segments
(what n-gram matching needs); scoring needs the structure, hence these loaders.
A malformed item is kept out with its reason (`rejected`) and never stops the evaluation.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geocorpus.evaluate.records import EvalFileError, as_dict, files_of, read_document, text_of

LETTERS = "ABCDEFGH"
_TRUE = {"true", "t", "yes", "正确", "对", "是", "√", "✓"}
_FALSE = {"false", "f", "no", "错误", "错", "否", "×", "✗"}
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True)
class MCQItem:
    item_id: str
    stem: str
    options: tuple[str, ...]
    answer: int  # index into options
    lang: str  # "zh" when the stem has CJK characters, else "en"

    @property
    def answer_letter(self) -> str:
        return LETTERS[self.answer]


@dataclass
class MCQSet:
    """One benchmark file (or directory): its items, what was kept out and why, and what is not MCQ."""

    path: str
    format: str
    items: list[MCQItem] = field(default_factory=list)
    rejected: list[dict[str, str]] = field(default_factory=list)  # {"id", "reason"}
    not_multiple_choice: Counter[str] = field(default_factory=Counter)  # block/task name → count

    def add(self, item_id: str, stem: str, options: list[str], answer: Any) -> None:
        stem = stem.strip()
        options = [o.strip() for o in options]
        if not stem:
            self.rejected.append({"id": item_id, "reason": "empty_stem"})
        elif len(options) < 2:
            self.rejected.append({"id": item_id, "reason": "fewer_than_two_options"})
        elif any(not o for o in options):
            self.rejected.append({"id": item_id, "reason": "empty_option"})
        else:
            index = answer_index(answer, options)
            if isinstance(index, str):
                self.rejected.append({"id": item_id, "reason": index})
            else:
                lang = "zh" if _CJK.search(stem) else "en"
                self.items.append(MCQItem(item_id, stem, tuple(options), index, lang))


def load_mcq(path: Path) -> MCQSet:
    """Every multiple-choice item behind `path`; EvalFileError when nothing there is multiple choice."""
    formats = []
    result = MCQSet(str(path), "")
    for file in files_of(path):
        data = read_document(file)
        formats.append(_load_into(result, data, file.stem if file != path else ""))
    result.format = "+".join(sorted(set(formats)))
    if not result.items and not result.rejected:
        found = ", ".join(f"{k}: {v}" for k, v in result.not_multiple_choice.items()) or "no records"
        raise EvalFileError(f"{path}: no multiple-choice items found ({found}); expected GeoBench NPEE/AP Study "
                            "JSON, a question,A,B,C,D,answer CSV, or rows with meta.options and meta.answer")
    return result


def _load_into(result: MCQSet, data: Any, prefix: str) -> str:
    def ident(value: Any) -> str:
        return f"{prefix}:{value}" if prefix else str(value)

    if isinstance(data, dict) and data and all(isinstance(v, dict) and isinstance(v.get("question"), list)
                                               for v in data.values()):
        for kind, block in data.items():
            questions, answers = block["question"], block.get("answer") or []
            for index, question in enumerate(questions):
                answer = answers[index] if index < len(answers) else None
                if kind == "choice":
                    stem, options = split_inline_options(text_of(question))
                    result.add(ident(f"choice:{index}"), stem, options, answer)
                elif kind == "tf":
                    truth = _true_false(answer)
                    if truth is None:
                        result.rejected.append({"id": ident(f"tf:{index}"), "reason": "answer_not_true_or_false"})
                    else:
                        result.add(ident(f"tf:{index}"), text_of(question), ["True", "False"], truth)
                else:
                    result.not_multiple_choice[kind] += 1
        return "geobench_npee"
    rows = data if isinstance(data, list) else [data]
    formats = set()
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            result.rejected.append({"id": ident(index), "reason": "not_an_object"})
            continue
        formats.add(_load_row(result, row, ident(row.get("id", index))))
    formats.discard("")
    return "+".join(sorted(formats)) or "unknown"


def _load_row(result: MCQSet, row: dict[str, Any], item_id: str) -> str:
    question = row.get("question")
    if isinstance(question, dict):  # AP Study
        choices = question.get("choices") or []
        labels = [text_of(c.get("label")) for c in choices if isinstance(c, dict)]
        options = [text_of(c.get("text")) for c in choices if isinstance(c, dict)]
        answer = text_of(row.get("answerKey"))
        if labels and answer in labels:  # labels may be 1..5 or A..E: the answer follows the label
            answer = labels.index(answer)
        result.add(item_id, text_of(question.get("stem")), options, answer)
        return "geobench_apstudy"
    columns = [c for c in LETTERS if text_of(row.get(c))]
    if question is not None and columns:  # JiuZhou CSV: question,A,B,C,D,E,answer
        if columns != list(LETTERS[: len(columns)]):
            result.rejected.append({"id": item_id, "reason": "option_columns_not_consecutive"})
            return "geobench_csv"
        result.add(item_id, text_of(question), [text_of(row[c]) for c in columns], row.get("answer"))
        return "geobench_csv"
    meta = as_dict(row.get("meta"))
    options = meta.get("options", row.get("options", row.get("choices")))
    if isinstance(options, list):  # our generated eval sets (issue 7 pairs)
        stem = text_of(row.get("instruction") or row.get("question") or row.get("stem"))
        answer = meta.get("answer", row.get("answer"))
        result.add(item_id, stem, [text_of(o.get("text") if isinstance(o, dict) else o) for o in options], answer)
        return "generated"
    result.not_multiple_choice[text_of(row.get("task")) or "unknown"] += 1
    return ""


def answer_index(answer: Any, options: list[str]) -> int | str:
    """The option index an answer names (a letter, "(B)", "B. text", an index or the option text itself), or
    a rejection reason: `no_answer`, `multiple_answers`, `answer_not_in_options`."""
    if isinstance(answer, bool) or answer is None:
        return "no_answer"
    if isinstance(answer, int):
        return answer if 0 <= answer < len(options) else "answer_not_in_options"
    text = unicodedata.normalize("NFKC", str(answer)).strip()
    text = re.sub(r"^(?:the\s+)?(?:correct\s+)?(?:answer|正确答案|答案)(?:\s+is)?\s*[:：]?\s*", "", text, flags=re.I)
    if not text:
        return "no_answer"
    letters = re.fullmatch(r"[(\[]?([A-Ha-h])[)\]]?(?:[.、:：)\s].*)?", text, flags=re.S)
    if letters:
        index = LETTERS.index(letters.group(1).upper())
        return index if index < len(options) else "answer_not_in_options"
    if re.fullmatch(r"[A-H]{2,}|[A-H](?:\s*[,，、]\s*[A-H])+", text):
        return "multiple_answers"
    folded = [o.casefold() for o in options]
    if text.casefold() in folded:
        return folded.index(text.casefold())
    return "answer_not_in_options"


def _true_false(answer: Any) -> int | None:
    text = unicodedata.normalize("NFKC", text_of(answer)).strip().rstrip(".。").casefold()
    if text in _TRUE:
        return 0
    if text in _FALSE:
        return 1
    return None


def split_inline_options(question: str) -> tuple[str, list[str]]:
    """("stem", [options]) from a question that lists its options inline: "stem A. x B. y", "stem (A) x (B) y",
    "stem\\nA、x\\nB、y". Markers must come in order A, B, C, ... so capital letters inside the text are left
    alone; with fewer than two markers the whole question is the stem and there are no options."""
    text = unicodedata.normalize("NFKC", question)
    positions: list[tuple[int, int]] = []  # (marker start, text start)
    start = 0
    for letter in LETTERS:
        pattern = rf"(?:(?<=\s)|(?<=^)|(?<=[?？:：。.;；)\]]))[(\[]?{letter}(?:[.、:：)\]]|\s*\))\s*"
        match = re.compile(pattern).search(text, start)
        if not match:
            break
        positions.append((match.start(), match.end()))
        start = match.end()
    if len(positions) < 2:
        return question.strip(), []
    stem = text[: positions[0][0]].strip()
    options = []
    for number, (_, begin) in enumerate(positions):
        end = positions[number + 1][0] if number + 1 < len(positions) else len(text)
        options.append(text[begin:end].strip().rstrip(";；,，"))
    return stem, options
