"""Parquet shards (zstd) of Documents: streamed in, streamed out, never half-written."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack
from types import TracebackType
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.parquet as pq

from geocorpus.document import REJECTED_SCHEMA, SCHEMA, Document
from geocorpus.io.atomic import atomic_write
from geocorpus.io.storage import parquet_file

if TYPE_CHECKING:
    from geocorpus.io.storage import StoragePath

BATCH_ROWS = 1024


class ShardWriter:
    """Append documents; on a clean exit the shard appears under its name, on an error nothing does.

    Rows are flushed in batches so a shard task's memory does not grow with its shard.
    """

    def __init__(self, path: StoragePath, rejected: bool = False) -> None:
        self.path = path
        self.schema = REJECTED_SCHEMA if rejected else SCHEMA
        self.rows: list[dict] = []
        self.count = 0
        self._file = ExitStack()
        self._writer: pq.ParquetWriter | None = None

    def __enter__(self) -> ShardWriter:
        # Written under a unique temporary name (or an uncommitted upload): a task of a crashed driver may
        # still be writing on a cluster while its rerun starts.
        handle = self._file.enter_context(atomic_write(self.path))
        self._writer = pq.ParquetWriter(handle, self.schema, compression="zstd")
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
        except BaseException as failure:
            self._file.__exit__(type(failure), failure, failure.__traceback__)  # discarded, never renamed
            raise
        self._file.__exit__(kind, error, tb)  # renamed into place (committed) only when nothing failed


def _with_detail(meta_json: str, detail: str) -> str:
    meta = json.loads(meta_json)
    meta["rejection_detail"] = detail
    return json.dumps(meta, ensure_ascii=False, sort_keys=True, default=str)


def read_shard(path: StoragePath) -> Iterator[Document]:
    """Documents of one shard in their stored order, a row batch at a time."""
    parquet = parquet_file(path)
    for batch in parquet.iter_batches(batch_size=BATCH_ROWS):
        for row in batch.to_pylist():
            yield Document.from_row(row)


def shard_name(index: int) -> str:
    return f"part-{index:05d}.parquet"
