"""`dedup_exact`: one document per normalised text (NFKC, case-folded, whitespace collapsed).

Three phases that any executor can spread: hash each shard; per hash bucket, keep the first occurrence in
dataset order; per shard, drop the others to `rejected/` naming the document they duplicate. Memory is
bounded by one bucket's hashes, not by the corpus.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import Field

from geocorpus.io.atomic import atomic_write
from geocorpus.io.shards import read_shard, shard_name
from geocorpus.io.storage import parquet_file, read_parquet
from geocorpus.pipeline.registry import register_step
from geocorpus.pipeline.stage import GlobalStep, Phase, ShardOutputs, StageContext
from geocorpus.pipeline.stats import StepCounter
from geocorpus.pipeline.step import Params

_SPACE = re.compile(r"\s+")
HASHES = pa.schema([("hash", pa.uint64()), ("bucket", pa.int32()), ("row", pa.int32()), ("id", pa.string())])
DUPLICATES = pa.schema([("shard", pa.int32()), ("row", pa.int32()), ("kept_id", pa.string())])


def normalise(text: str) -> str:
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def text_hash(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(normalise(text).encode(), digest_size=8).digest(), "little")


class ExactParams(Params):
    buckets: int = Field(default=16, ge=1, le=4096, description="hash partitions (memory per task ∝ 1/buckets)")


@register_step
class DedupExact(GlobalStep):
    name = "dedup_exact"
    Params = ExactParams
    phases = (Phase("hash", "shard"), Phase("select", "bucket"), Phase("filter", "shard"))

    params: ExactParams

    def run_phase(self, phase: str, index: int, ctx: StageContext, counter: StepCounter) -> None:
        if phase == "hash":
            self._hash(index, ctx)
        elif phase == "select":
            self._select(index, ctx)
        else:
            self._filter(index, ctx, counter)

    def _hash(self, index: int, ctx: StageContext) -> None:
        hashes, ids = [], []
        for batch in parquet_file(ctx.input(index)).iter_batches(columns=["id", "text"]):
            hashes += [text_hash(text) for text in batch["text"].to_pylist()]
            ids += batch["id"].to_pylist()
        table = pa.table({"hash": pa.array(hashes, pa.uint64()),
                          "bucket": pa.array([h % ctx.buckets for h in hashes], pa.int32()),
                          "row": pa.array(range(len(ids)), pa.int32()), "id": pa.array(ids, pa.string())},
                         schema=HASHES)
        with atomic_write(ctx.scratch("hash") / shard_name(index)) as handle:
            pq.write_table(table, handle)

    def _select(self, bucket: int, ctx: StageContext) -> None:
        """First occurrence in (shard, row) order wins: deterministic whatever ran in parallel."""
        first: dict[int, str] = {}
        dups: dict[str, list] = {"shard": [], "row": [], "kept_id": []}
        for shard in range(len(ctx.inputs)):
            table = read_parquet(ctx.scratch("hash") / shard_name(shard), filters=[("bucket", "=", bucket)])
            for value, row, doc_id in zip(*(table[c].to_pylist() for c in ("hash", "row", "id")), strict=True):
                if value not in first:
                    first[value] = doc_id
                    continue
                dups["shard"].append(shard)
                dups["row"].append(row)
                dups["kept_id"].append(first[value])
        with atomic_write(ctx.scratch("select") / f"bucket-{bucket:05d}.parquet") as handle:
            pq.write_table(pa.table(dups, schema=DUPLICATES), handle)

    def _filter(self, index: int, ctx: StageContext, counter: StepCounter) -> None:
        duplicates: dict[int, str] = {}
        for bucket in range(ctx.buckets):
            table = read_parquet(ctx.scratch("select") / f"bucket-{bucket:05d}.parquet",
                                 filters=[("shard", "=", index)])
            duplicates.update(zip(table["row"].to_pylist(), table["kept_id"].to_pylist(), strict=True))
        with ShardOutputs(ctx, index) as outputs:
            for row, doc in enumerate(read_shard(ctx.input(index))):
                counter.docs_in += 1
                if row in duplicates:
                    counter.dropped["dedup_exact:duplicate"] += 1
                    outputs.reject(doc.reject("dedup_exact:duplicate", f"same text as {duplicates[row]}"),
                                   counter.label)
                else:
                    counter.docs_out += 1
                    outputs.keep(doc)
