"""Exports of a generate output to the layouts other projects read.

- `alpaca`: `instruction, input, output` (Stanford Alpaca, and K2's GeoSignal) — every task.
- `geocode`: `Instruction, Input, Output` (GeoCode-SFT's capitalised columns) — every task.
- `geobench-csv`: `question, A, B, C, D[, E], answer` rows, as JiuZhou ships GeoBench — `mcq` items.
- `geobench-json`: K2's GeoBench NPEE layout, `{"choice": {"question": [...], "answer": [...]}, "tf": {...}}`,
  with options written into the question text — `mcq` items (and `geosignal_truefalse` as `tf`).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from geocorpus.generate.tasks.eval_sets import LETTERS, question_text
from geocorpus.io.atomic import atomic_path


class ExportError(Exception):
    """Nothing to export, or the directory is not a generate output (a usage error: exit 2)."""


def load_pairs(directory: Path, task_names: list[str]) -> list[dict[str, Any]]:
    """Accepted rows of the chosen tasks (all when none are named), task by task in name order."""
    folders = sorted(p for p in (directory / "data").glob("*") if p.is_dir())
    if not folders:
        raise ExportError(f"{directory} has no data/<task>/ folders; is it a `geocorpus generate` output?")
    known = [p.name for p in folders]
    missing = [name for name in task_names if name not in known]
    if missing:
        raise ExportError(f"no task {', '.join(missing)} in {directory} (it has: {', '.join(known)})")
    rows: list[dict[str, Any]] = []
    for folder in folders:
        if not task_names or folder.name in task_names:
            for file in sorted(folder.glob("*.parquet")):
                rows += pq.read_table(file).to_pylist()
    for row in rows:
        row["meta"] = json.loads(row["meta"])
    return rows


def export_pairs(directory: Path, fmt: str, output: Path, task_names: list[str]) -> int:
    """Write `output` in format `fmt`; returns the number of records written."""
    rows = load_pairs(directory, task_names)
    if fmt in ("alpaca", "geocode"):
        keys = ("instruction", "input", "output")
        names = keys if fmt == "alpaca" else tuple(k.capitalize() for k in keys)
        records: list[Any] = [dict(zip(names, (row[k] for k in keys), strict=True)) for row in rows]
        _write_json(output, records, lines=output.suffix == ".jsonl")
        return len(records)
    choices = [row for row in rows if row["task"] == "mcq"]
    if fmt == "geobench-csv":
        if not choices:
            raise ExportError(f"no mcq items in {directory} to export as GeoBench")
        width = max(len(row["meta"]["options"]) for row in choices)
        with atomic_path(output) as tmp, tmp.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["question", *LETTERS[:width], "answer"])
            for row in choices:
                options = row["meta"]["options"]
                writer.writerow([row["meta"]["question"], *options, *[""] * (width - len(options)),
                                 row["meta"]["answer"]])
        return len(choices)
    statements = [row for row in rows if row["task"] == "geosignal_truefalse"]
    if not choices and not statements:
        raise ExportError(f"no mcq or geosignal_truefalse items in {directory} to export as GeoBench")
    layout: dict[str, dict[str, list[str]]] = {}
    if choices:
        layout["choice"] = {"question": [question_text(row["meta"]["question"], row["meta"]["options"])
                                         for row in choices],
                            "answer": [row["meta"]["answer"] for row in choices]}
    if statements:
        layout["tf"] = {"question": [row["input"] for row in statements],
                        "answer": ["True" if row["meta"].get("label") else "False" for row in statements]}
    _write_json(output, layout, lines=False)
    return len(choices) + len(statements)


def _write_json(path: Path, value: Any, *, lines: bool) -> None:
    with atomic_path(path) as tmp:
        if lines:
            tmp.write_text("".join(json.dumps(v, ensure_ascii=False) + "\n" for v in value), encoding="utf-8")
        else:
            tmp.write_text(json.dumps(value, ensure_ascii=False, indent=1), encoding="utf-8")
