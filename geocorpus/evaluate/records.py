"""Rows of an evaluation file in any of the formats people ship eval sets in.

JSON (one document: an object or an array), JSON lines, CSV and Parquet files, or a directory of them
(our generated eval sets are `OUT/data/<task>/part-*.parquet`). `meta` may be a JSON string on disk (our
Arrow schema) or a dict; it is returned as stored and decoded by `as_dict` where a loader needs it.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

SUFFIXES = (".json", ".jsonl", ".csv", ".parquet")


class EvalFileError(ValueError):
    """An eval file that cannot be read at all (the CLI prints it as one line and exits 2)."""


def files_of(path: Path) -> list[Path]:
    """The data files behind `path`: itself, or every known file under a directory, in sorted order."""
    if not path.exists():
        raise EvalFileError(f"{path}: no such file or directory")
    if path.is_dir():
        found = sorted(p for p in path.rglob("*") if p.suffix.lower() in SUFFIXES and not p.name.startswith("."))
        if not found:
            raise EvalFileError(f"{path}: no {', '.join(SUFFIXES)} files in this directory")
        return found
    if path.suffix.lower() not in SUFFIXES:
        raise EvalFileError(f"{path}: unknown file type (expected one of {', '.join(SUFFIXES)})")
    return [path]


def read_document(path: Path) -> Any:
    """The whole content of one file: a dict or list for JSON, a list of row dicts otherwise."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            return pq.read_table(path).to_pylist()
        if suffix == ".csv":
            with path.open(encoding="utf-8-sig", newline="") as handle:
                return list(csv.DictReader(handle))
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise EvalFileError(f"{path}: cannot read ({error})") from error
    except Exception as error:  # pyarrow raises its own types for broken Parquet files
        raise EvalFileError(f"{path}: not a readable {suffix[1:]} file ({error})") from error
    if suffix == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            pass  # JSON lines saved as .json happen often enough to accept them
    rows = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as error:
                raise EvalFileError(f"{path}:{number}: not valid JSON ({error.msg})") from error
    return rows


def as_dict(value: Any) -> dict[str, Any]:
    """`meta` as a dict whether it was stored as a JSON string (our Parquet schema) or an object."""
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and value.strip().startswith("{"):
        try:
            decoded = json.loads(value)
        except json.JSONDecodeError:
            return {}
        return decoded if isinstance(decoded, dict) else {}
    return {}


def text_of(value: Any) -> str:
    """A cell as stripped text (CSV cells and JSON numbers alike); missing → ''."""
    return "" if value is None else str(value).strip()
