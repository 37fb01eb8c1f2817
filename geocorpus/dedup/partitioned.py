"""Files cut into partitions: the shuffle between the phases of a clustering dedup.

A task writes one Arrow IPC file holding one record batch per partition of the next phase (empty ones too,
so batch `p` is always partition `p`); task `p` of the next phase reads batch `p` of every such file. Only
that batch is read from each file, so a task's memory follows its partition, not the whole data. Files are
renamed into place whole, like every other output.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from geocorpus.io.atomic import atomic_write
from geocorpus.io.storage import arrow_file

if TYPE_CHECKING:
    from geocorpus.io.storage import StoragePath


def write_partitions(path: StoragePath, batch: pa.RecordBatch, part: np.ndarray, parts: int,
                     metadata: dict[str, str] | None = None) -> None:
    """Write the rows of `batch` to `path`, row i into partition `part[i]` (0 ≤ part < parts), order kept."""
    order = np.argsort(part, kind="stable")
    bounds = np.searchsorted(part[order], np.arange(parts + 1))
    schema = batch.schema.with_metadata(metadata or {})
    with atomic_write(path) as handle, pa.ipc.new_file(handle, schema) as writer:
        for number in range(parts):
            chosen = batch.take(pa.array(order[bounds[number]: bounds[number + 1]], pa.int64()))
            writer.write_batch(chosen.replace_schema_metadata(schema.metadata))


def read_partition(paths: Iterable[StoragePath], part: int, schema: pa.Schema) -> pa.Table:
    """Partition `part` of every file, concatenated in the order of `paths`."""
    batches = []
    for path in paths:
        with arrow_file(path) as reader:  # read, not memory-mapped: the batch outlives the file handle
            batches.append(reader.get_batch(part).replace_schema_metadata(None))
    return pa.Table.from_batches(batches, schema=schema.remove_metadata())


def file_metadata(path: StoragePath) -> dict[str, str]:
    """The metadata a writer gave the file (read from its footer only)."""
    with arrow_file(path) as reader:
        metadata = reader.schema.metadata or {}
    return {key.decode(): value.decode() for key, value in metadata.items()}
