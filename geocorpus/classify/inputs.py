"""Texts for classifier training, from whatever people have: files, globs, JSONL/Parquet with a text
field, or directories saved by `datasets` (`save_to_disk`).

A directory that is not a saved dataset is read file by file, recursively. Plain text files are one
document each; JSONL and Parquet give one document per record.
"""

from __future__ import annotations

import glob
from collections.abc import Iterator
from pathlib import Path

from geocorpus.io.records import count_records, iter_records

_DATASET_MARKERS = ("dataset_info.json", "state.json", "dataset_dict.json")
_SKIP_SUFFIXES = {".gz", ".zip", ".bin", ".arrow", ".ftz", ".pdf", ".png", ".jpg"}


class InputError(ValueError):
    """A training input that cannot be read: the message names it."""


def read_texts(spec: str, text_field: str = "text") -> Iterator[str]:
    """Every text of one input (a path, a directory, a glob, or a saved dataset)."""
    path = Path(spec)
    if path.is_dir() and any((path / marker).is_file() for marker in _DATASET_MARKERS):
        yield from _saved_dataset(path, text_field)
        return
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() not in _SKIP_SUFFIXES)
    elif path.is_file():
        files = [path]
    else:
        files = sorted(Path(p) for p in glob.glob(spec, recursive=True) if Path(p).is_file())
        if not files:
            raise InputError(f"{spec}: no such file, directory or matching glob")
    for file in files:
        yield from _file_texts(file, text_field)


def _file_texts(path: Path, text_field: str) -> Iterator[str]:
    if path.suffix.lower() in (".jsonl", ".parquet"):
        for row, record in iter_records(path, 0, count_records(path)):
            if not isinstance(record, dict) or not isinstance(record.get(text_field), str):
                raise InputError(f"{path}: record {row} has no string field {text_field!r}")
            yield record[text_field]
    else:
        yield path.read_text(encoding="utf-8", errors="replace")


def _saved_dataset(path: Path, text_field: str) -> Iterator[str]:
    import datasets

    loaded = datasets.load_from_disk(str(path))
    parts = loaded.values() if isinstance(loaded, datasets.DatasetDict) else [loaded]
    for part in parts:
        if text_field not in part.column_names:
            raise InputError(f"{path}: no column {text_field!r} (columns: {', '.join(part.column_names)})")
        yield from part[text_field]
