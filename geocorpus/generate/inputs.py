"""The documents a generation run reads: a built dataset (its data/*.parquet) or Parquet/JSONL files, filtered.

Records are read with the build's own record reader, so our Document schema round-trips and foreign JSONL
(any `text` field) works too; a record that cannot be read is counted, never fatal.
"""

from __future__ import annotations

import glob
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from geocorpus.document import Document
from geocorpus.generate.config import InputSpec
from geocorpus.generate.tasks.passages import detect_lang
from geocorpus.io.records import RECORD_SUFFIXES, count_records, iter_records, record_to_document


class InputError(Exception):
    """The recipe's input names nothing readable (a usage error: exit 2)."""


def input_files(spec: InputSpec) -> list[Path]:
    """Every record file the input names, in a stable order; raises InputError for a path that matches nothing."""
    files: list[Path] = []
    for entry in spec.path:
        path = Path(entry).expanduser()
        if path.is_dir():
            folder = path / "data" if (path / "data").is_dir() else path
            found = sorted(p for p in folder.iterdir() if p.suffix in RECORD_SUFFIXES and not p.name.startswith("."))
        elif path.is_file():
            found = [path]
        else:
            found = sorted(Path(p) for p in glob.glob(entry, recursive=True) if p.endswith(RECORD_SUFFIXES))
        if not found:
            raise InputError(f"input {entry!r} holds no .parquet or .jsonl files (a built dataset directory, "
                             "files or a glob); build the corpus first or fix `generate.input.path`")
        files += [p for p in found if p.suffix in RECORD_SUFFIXES]
    return files


def read_documents(spec: InputSpec, limit: int | None, counts: Counter[str]) -> Iterator[Document]:
    """Documents passing the input filters, at most `limit`; `counts` gets read/kept/skipped-by-reason figures."""
    kept = 0
    for path in input_files(spec):
        for row, record in iter_records(path, 0, count_records(path)):
            doc = record_to_document(record, source=path.stem, locator=str(path), row=row, default_kind="text",
                                     default_license="unknown")
            counts["read"] += 1
            reason = _skip_reason(doc, spec)
            if reason:
                counts[f"skipped:{reason}"] += 1
                continue
            counts["kept"] += 1
            yield doc
            kept += 1
            if limit is not None and kept >= limit:
                return


def _skip_reason(doc: Document, spec: InputSpec) -> str | None:
    if doc.rejection:
        return "bad_record"
    if spec.kinds is not None and doc.kind not in spec.kinds:
        return "kind"
    if spec.langs is not None and (doc.lang or detect_lang(doc.text, None)) not in spec.langs:
        return "lang"
    if spec.min_geo_score is not None and float(doc.scores.get("geo_score", float("-inf"))) < spec.min_geo_score:
        return "geo_score"
    return None
