"""Parquet shards (zstd) of Documents: streamed in, streamed out, never half-written."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

import pyarrow as pa
import pyarrow.parquet as pq

from geocorpus.document import REJECTED_SCHEMA, SCHEMA, Document
from geocorpus.io.atomic import TMP_MARK

BATCH_ROWS = 1024


class ShardWriter:
    """Append documents; on a clean exit the shard appears under its name, on an error nothing does.

    Rows are flushed in batches so a shard task's memory does not grow with its shard.
    """

    def __init__(self, path: Path, rejected: bool = False) -> None:
        self.path = path
        self.schema = REJECTED_SCHEMA if rejected else SCHEMA
        # A unique name: a task of a crashed driver may still be writing on a cluster while its rerun starts.
        self.tmp = path.with_name(f".{path.name}{TMP_MARK}{uuid.uuid4().hex[:8]}")
        self.rows: list[dict] = []
        self.count = 0
        self._writer: pq.ParquetWriter | None = None

    def __enter__(self) -> ShardWriter:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._writer = pq.ParquetWriter(self.tmp, self.schema, compression="zstd")
        return self

    def add(self, doc: Document, rejected_by: str | None = None) -> None:
        row = doc.to_row()
        if rejected_by is not None:
            row["rejected_by"] = rejected_by
            row["reason"] = doc.rejection[0] if doc.rejection else "unknown"
            detail = doc.rejection[1] if doc.rejection else ""
            if detail:
                row["meta"] = _with_detail(row["meta"], detail)
        self.rows.append(row)
        self.count += 1
        if len(self.rows) >= BATCH_ROWS:
            self._flush()

    def _flush(self) -> None:
        if self.rows and self._writer is not None:
            self._writer.write_table(pa.Table.from_pylist(self.rows, schema=self.schema))
            self.rows = []

    def __exit__(self, kind: type | None, error: BaseException | None, tb: TracebackType | None) -> None:
        try:
            if kind is None:
                self._flush()
            if self._writer is not None:
                self._writer.close()
            if kind is None:
                self.tmp.replace(self.path)
        finally:
            self.tmp.unlink(missing_ok=True)


def _with_detail(meta_json: str, detail: str) -> str:
    meta = json.loads(meta_json)
    meta["rejection_detail"] = detail
    return json.dumps(meta, ensure_ascii=False, sort_keys=True, default=str)


def read_shard(path: Path) -> Iterator[Document]:
    """Documents of one shard in their stored order, a row batch at a time."""
    parquet = pq.ParquetFile(path)
    for batch in parquet.iter_batches(batch_size=BATCH_ROWS):
        for row in batch.to_pylist():
            yield Document.from_row(row)


def shard_name(index: int) -> str:
    return f"part-{index:05d}.parquet"
