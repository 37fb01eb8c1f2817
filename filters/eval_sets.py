"""Evaluation items read from their native files, for `decontaminate`.

Formats, recognised by content rather than by name:
- GeoBench NPEE (`.json`): `{type: {"question": [...], "answer": [...]}}`, parallel lists per question type;
- GeoBench AP Study (`.json` array or JSON lines): `{id, question: {stem, choices: [{text, label}]}, answerKey}`;
- GeoCode-Eval style JSONL: `{Instruction, Input, Output}`;
- any other JSON/JSONL record with `question`/`instruction`/`prompt`/`text` (+ `choices`/`options`/`answer`/
  `output`), which covers our own generated eval sets;
- CSV with a question column and option columns (`A`..`E`, `option_*`, `choices`, `options`) or an answer.
Each item keeps its parts (question, each choice, answer) as separate segments: a corpus page that copies a
question without its options must still match.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_QUESTION_KEYS = ("question", "stem", "instruction", "prompt", "text", "query", "problem")
_EXTRA_KEYS = ("input", "output", "answer", "solution", "explanation", "response", "context")
_OPTION_KEYS = ("choices", "options")


@dataclass(frozen=True)
class EvalItem:
    benchmark: str
    item_id: str
    segments: tuple[str, ...]


def load_eval_items(path: Path) -> list[EvalItem]:
    """Every item of one evaluation file; a file in no known format raises ValueError naming it."""
    benchmark = path.stem
    if path.suffix.lower() == ".csv":
        items = list(_from_records(benchmark, _csv_rows(path)))
    else:
        items = list(_from_json(benchmark, path.read_text(encoding="utf-8")))
    if not items:
        raise ValueError(f"{path}: no evaluation items found (expected GeoBench JSON, JSONL records or CSV)")
    return items


def _from_json(benchmark: str, text: str) -> Iterator[EvalItem]:
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError:
        data = [json.loads(line) for line in text.splitlines() if line.strip()]
    if isinstance(data, dict) and data and all(_is_npee_block(v) for v in data.values()):
        for kind, block in data.items():
            answers = block.get("answer") or []
            for index, question in enumerate(block["question"]):
                answer = answers[index] if index < len(answers) else ""
                yield EvalItem(benchmark, f"{kind}:{index}", _segments([question, answer]))
        return
    records = data if isinstance(data, list) else [data]
    yield from _from_records(benchmark, records)


def _is_npee_block(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("question"), list)


def _from_records(benchmark: str, records: list[Any] | Iterator[dict[str, Any]]) -> Iterator[EvalItem]:
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            continue
        fields = {str(k).casefold(): v for k, v in record.items()}
        parts: list[Any] = []
        question = next((fields[k] for k in _QUESTION_KEYS if k in fields), None)
        if isinstance(question, dict):  # AP Study: {"stem": ..., "choices": [{"text", "label"}]}
            parts += [question.get("stem"), *_choices(question.get("choices"))]
        else:
            parts.append(question)
        parts += [fields.get(k) for k in _EXTRA_KEYS]
        for key in _OPTION_KEYS:
            parts += _choices(fields.get(key))
        parts += [v for k, v in fields.items() if (len(k) == 1 and k in "abcdef") or k.startswith("option_")]
        segments = _segments(parts)
        if segments:
            item_id = str(fields.get("id", index))
            yield EvalItem(benchmark, item_id, segments)


def _choices(value: Any) -> list[Any]:
    if isinstance(value, list):
        return [c.get("text") if isinstance(c, dict) else c for c in value]
    if isinstance(value, dict):
        return list(value.values())
    if isinstance(value, str):
        return [value]
    return []


def _segments(parts: list[Any]) -> tuple[str, ...]:
    out = []
    for part in parts:
        if isinstance(part, list):
            out += [str(p) for p in part if p]
        elif part not in (None, ""):
            out.append(str(part))
    return tuple(s for s in out if s.strip())


def _csv_rows(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)
