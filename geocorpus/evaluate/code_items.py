"""Code-summarisation and code-generation items from our generated eval sets and the common public layouts.

Summaries: rows with an instruction and the code (`instruction`+`input`, GeoCode-Eval's `Instruction`+`Input`,
or `code`) and a reference (`output`/`Output`/`summary`/`reference`).
Code generation: our `codegen` pairs (`instruction` (+`input`), `meta.tests` Python asserts, `meta.language`),
plain `{prompt, tests}` rows, or HumanEval-style `{prompt, test, entry_point}` (its `check(candidate)` is
called on the entry point). Only Python can run in the sandbox: other languages are rejected with a reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geocorpus.evaluate.records import EvalFileError, as_dict, files_of, read_document, text_of

_CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class SummaryItem:
    item_id: str
    prompt: str  # instruction and code, as the model sees them
    reference: str
    lang: str


@dataclass(frozen=True)
class CodegenItem:
    item_id: str
    prompt: str
    tests: str  # Python run after the solution; passing = exit status 0


@dataclass
class ItemSet:
    path: str
    items: list[Any] = field(default_factory=list)
    rejected: list[dict[str, str]] = field(default_factory=list)


def _rows(path: Path) -> list[tuple[str, dict[str, Any]]]:
    rows = []
    for file in files_of(path):
        data = read_document(file)
        records = data if isinstance(data, list) else [data]
        prefix = f"{file.stem}:" if file != path else ""
        rows += [(f"{prefix}{r.get('id', i) if isinstance(r, dict) else i}", r) for i, r in enumerate(records)]
    return rows


def _field(row: dict[str, Any], *names: str) -> str:
    folded = {str(k).casefold(): v for k, v in row.items()}
    return next((text_of(folded[n]) for n in names if text_of(folded.get(n))), "")


def load_summaries(path: Path) -> ItemSet:
    result = ItemSet(str(path))
    for item_id, row in _rows(path):
        if not isinstance(row, dict):
            result.rejected.append({"id": item_id, "reason": "not_an_object"})
            continue
        instruction = _field(row, "instruction", "prompt", "question") or "Summarise what this code does."
        code = _field(row, "input", "code", "context")
        reference = _field(row, "output", "summary", "reference", "answer")
        if not code or not reference:
            result.rejected.append({"id": item_id, "reason": "no_code" if not code else "no_reference"})
            continue
        lang = "zh" if _CJK.search(instruction + reference) else "en"
        result.items.append(SummaryItem(item_id, f"{instruction}\n\n{code}", reference, lang))
    _require(result, path, "code-summarisation rows (instruction, input = code, output = reference summary)")
    return result


def load_codegen(path: Path) -> ItemSet:
    result = ItemSet(str(path))
    for item_id, row in _rows(path):
        if not isinstance(row, dict):
            result.rejected.append({"id": item_id, "reason": "not_an_object"})
            continue
        meta = as_dict(row.get("meta"))
        language = text_of(meta.get("language") or row.get("language") or "python").casefold()
        prompt = "\n\n".join(p for p in (_field(row, "instruction", "prompt", "question"), _field(row, "input")) if p)
        tests = text_of(meta.get("tests")) or _field(row, "tests")
        if not tests and _field(row, "test") and _field(row, "entry_point"):  # HumanEval layout
            tests = f"{_field(row, 'test')}\n\ncheck({_field(row, 'entry_point')})\n"
        if language not in ("python", "py", "python3"):
            result.rejected.append({"id": item_id, "reason": f"language_not_python:{language}"})
        elif not prompt or not tests:
            result.rejected.append({"id": item_id, "reason": "no_prompt" if not prompt else "no_tests"})
        else:
            result.items.append(CodegenItem(item_id, prompt, tests))
    _require(result, path, "code-generation rows (instruction or prompt, and meta.tests / tests asserts)")
    return result


def _require(result: ItemSet, path: Path, what: str) -> None:
    if not result.items and not result.rejected:
        raise EvalFileError(f"{path}: no records found; expected {what}")
