"""Reading document records (JSONL or Parquet rows) that already carry text, by row range.

Row ranges let a large file be split over several shard tasks; a record that cannot be parsed becomes a
rejected document with its line number, never an exception that stops the build.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from geocorpus.document import KINDS, Document, stable_id

RECORD_SUFFIXES = (".jsonl", ".parquet")
_KNOWN = {"id", "text", "kind", "source", "url", "title", "license", "retrieved_at", "lang", "meta", "scores"}


def count_records(path: Path) -> int:
    """Rows in a JSONL (non-empty lines) or Parquet (footer metadata, no data read) file."""
    if path.suffix == ".parquet":
        return pq.ParquetFile(path).metadata.num_rows
    with path.open("rb") as handle:
        return sum(1 for line in handle if line.strip())


def iter_records(path: Path, start: int, stop: int) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """(row number, record) for rows start..stop-1; an unparsable JSONL line comes as its error text."""
    if path.suffix == ".parquet":
        yield from _parquet_rows(path, start, stop)
        return
    row = 0
    with path.open("rb") as handle:
        for line in handle:
            if not line.strip():
                continue
            if row >= stop:
                return
            if row >= start:
                try:
                    record = json.loads(line)
                    yield row, record if isinstance(record, dict) else "a JSON object per line expected"
                except (json.JSONDecodeError, UnicodeDecodeError) as error:
                    yield row, f"bad JSON: {error}"
            row += 1


def _parquet_rows(path: Path, start: int, stop: int) -> Iterator[tuple[int, dict[str, Any]]]:
    """Only the row groups covering the range are read."""
    parquet = pq.ParquetFile(path)
    first = 0
    for group in range(parquet.num_row_groups):
        size = parquet.metadata.row_group(group).num_rows
        if first + size > start and first < stop:
            for offset, record in enumerate(parquet.read_row_group(group).to_pylist()):
                row = first + offset
                if start <= row < stop:
                    yield row, record
        first += size


def record_to_document(
    record: dict[str, Any] | str, *, source: str, locator: str, row: int, default_kind: str,
    default_license: str, text_field: str = "text",
) -> Document:
    """A Document from a record: our own schema round-trips; other columns are kept in `meta`."""
    if isinstance(record, str):
        return _broken(source, locator, row, default_kind, default_license).reject("bad_record", record)
    text = record.get(text_field)
    if not isinstance(text, str):
        problem = f"no string field {text_field!r} (fields: {', '.join(sorted(record)) or 'none'})"
        return _broken(source, locator, row, default_kind, default_license).reject("bad_record", problem)
    meta = _as_dict(record.get("meta"))
    meta.update({k: v for k, v in record.items() if k != text_field and (k not in _KNOWN or k == "text")})
    kind = record.get("kind") if record.get("kind") in KINDS else default_kind
    return Document(
        id=str(record.get("id") or stable_id(source, locator, str(row), text)),
        text=text,
        kind=kind,
        source=str(record.get("source") or source),
        url=record.get("url") or f"{locator}#{row}",
        title=record.get("title"),
        license=str(record.get("license") or default_license),
        retrieved_at=_timestamp(record.get("retrieved_at")),
        lang=record.get("lang"),
        meta=meta,
        scores={k: float(v) for k, v in _as_dict(record.get("scores")).items()},
    )


def _broken(source: str, locator: str, row: int, kind: str, license: str) -> Document:
    return Document(id=stable_id(source, locator, str(row)), text="", kind=kind, source=source,
                    url=f"{locator}#{row}", license=license)


def _as_dict(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return {"meta": value}
    return dict(value) if isinstance(value, dict) else {}


def _timestamp(value: Any) -> datetime | None:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return None
