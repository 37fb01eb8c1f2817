"""Parquet shards in the Hub's layout: `data/<config>/<split>-00000-of-00003.parquet`.

The Hub and `datasets` resolve this naming on their own, and the card's `configs:` points each config at its
folder. A shard is cut when its rows reach `shard_bytes` in memory (Arrow size, so the Parquet file, zstd-
compressed, is smaller), which bounds memory whatever the corpus size. Rows keep their build order, and the
same input always gives byte-identical files: a rerun after a failed upload sends nothing the Hub already has.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from geocorpus.io.atomic import TMP_MARK
from geocorpus.publish.source import Config

DEFAULT_SHARD_BYTES = 500 * 1024**2
_UNITS = {"": 1, "B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMG]?B?)\s*$", re.I)


@dataclass(frozen=True)
class WrittenConfig:
    name: str
    split: str
    files: tuple[Path, ...]
    rows: int

    @property
    def pattern(self) -> str:
        """The `data_files` glob of the card, relative to the repository root."""
        return f"data/{self.name}/{self.split}-*"


def parse_size(text: str) -> int:
    """'500MB' → bytes; raises ValueError with the accepted forms."""
    match = _SIZE.match(text)
    if not match or float(match.group(1)) <= 0:
        raise ValueError(f"--shard-size {text!r}: expected a positive size such as 500MB, 1GB or 200000KB")
    unit = match.group(2).upper()
    unit = unit if unit.endswith("B") or not unit else unit + "B"
    return int(float(match.group(1)) * _UNITS[unit])


def write_config(config: Config, out: Path, shard_bytes: int = DEFAULT_SHARD_BYTES) -> WrittenConfig:
    """Write one config's rows as shards under `out/data/<config>/`; names get their final count at the end."""
    folder = out / "data" / config.name
    folder.mkdir(parents=True, exist_ok=True)
    pending: list[Path] = []
    batches: list[pa.RecordBatch] = []
    size = rows = 0
    for batch in config.batches():
        rows += batch.num_rows
        per_row = max(1, batch.nbytes // max(1, batch.num_rows))
        while batch.num_rows:
            take = max(1, -(-(shard_bytes - size) // per_row))  # rows that fill the shard, at least one
            piece, batch = batch.slice(0, take), batch.slice(take)
            batches.append(piece)
            size += piece.num_rows * per_row
            if size >= shard_bytes:
                pending.append(_write(folder, len(pending), batches))
                batches, size = [], 0
    if batches or not pending:
        pending.append(_write(folder, len(pending), batches, config))
    final = []
    for index, tmp in enumerate(pending):
        path = folder / f"{config.split}-{index:05d}-of-{len(pending):05d}.parquet"
        os.replace(tmp, path)
        final.append(path)
    return WrittenConfig(config.name, config.split, tuple(final), rows)


def _write(folder: Path, index: int, batches: list[pa.RecordBatch], config: Config | None = None) -> Path:
    """One shard under a temporary name (a kill leaves no file that looks finished)."""
    if batches:
        table = pa.Table.from_batches(batches)
    else:  # an empty config still gets its schema, so the card's data_files resolve
        assert config is not None
        table = pq.read_schema(config.files[0]).empty_table()
    tmp = folder / f".shard-{index:05d}{TMP_MARK}w"
    pq.write_table(table, tmp, compression="zstd")
    return tmp
