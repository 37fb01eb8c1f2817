"""Dedup by clusters: documents sharing a key are linked, linked documents form a cluster, one is kept.

The shape every clustering dedup shares (MinHash bands, DOIs, titles …), in four phases an executor can spread:

1. keys (per shard): the subclass turns each document into 64-bit keys; they are written partitioned by
   hash bucket (one Arrow IPC record batch per bucket), together with the keep-policy numbers per document.
2. pairs (per bucket): every shard's batch of this bucket is read (memory-mapped), sorted by key, and each
   run of equal keys becomes edges from its first document to the others; the subclass may veto edges.
3. cluster (single): union-find over all buckets' edges with one int64 per document (`components`), then the
   keep policy picks one document per cluster; per-shard assignment files are written.
4. filter (per shard): every document gets its cluster id and size as scores; all but the kept one are
   rejected, naming the kept document.

Documents are numbered globally as (shard offset + row), so edges are two integers and output never depends
on how many workers ran the phases. Every file is written under a temporary name and renamed, so a task
killed at any point is simply run again.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import Field

from geocorpus.dedup.components import components
from geocorpus.dedup.keep_policy import KeepPolicyParams, keepers, priorities
from geocorpus.io.atomic import atomic_path, write_json
from geocorpus.io.shards import read_shard, shard_name
from geocorpus.pipeline.stage import GlobalStep, ShardOutputs, StageContext
from geocorpus.pipeline.stats import StepCounter

KEYS = pa.schema([("key", pa.uint64()), ("row", pa.int32())])
ASSIGNMENT = pa.schema([("row", pa.int32()), ("cluster", pa.int64()), ("size", pa.int64()), ("kept_id", pa.string())])
_UNION_CHUNK_EDGES = 4_000_000  # edges gathered from several buckets before one union round


class ClusterDedupParams(KeepPolicyParams):
    buckets: int = Field(default=16, ge=1, le=4096,
                         description="key partitions: tasks of the pairs phase (memory per task ∝ 1/buckets)")


class ClusterDedup(GlobalStep):
    """Subclasses name the key phase, the rejection reason and score, and implement `shard_keys`."""

    key_phase: ClassVar[str]
    reason: ClassVar[str]  # rejection reason after "<step>:", e.g. "near_duplicate"
    score: ClassVar[str]  # score name for the cluster id; "<score>_size" holds the cluster's size
    params: ClusterDedupParams
    #: runs of equal keys up to this size give all their pairs to `keep_edges` (see `candidate_edges`)
    all_pairs_up_to: ClassVar[int] = 0

    def shard_keys(self, index: int, ctx: StageContext) -> tuple[np.ndarray, np.ndarray]:
        """(keys uint64, rows int) of input shard `index`: documents sharing a key are duplicates."""
        raise NotImplementedError

    def keep_edges(self, left: np.ndarray, right: np.ndarray, offsets: np.ndarray, ctx: StageContext) -> np.ndarray:
        """Boolean mask over candidate edges (global document numbers); all kept unless a subclass checks."""
        return np.ones(len(left), dtype=bool)

    def run_phase(self, phase: str, index: int, ctx: StageContext, counter: StepCounter) -> None:
        if phase == self.key_phase:
            self._write_keys(index, ctx)
        elif phase == "pairs":
            self._pairs(index, ctx)
        elif phase == "cluster":
            self._cluster(ctx)
        else:
            self._filter(index, ctx, counter)

    # -- paths -------------------------------------------------------------------------------------------
    def _keys_path(self, ctx: StageContext, shard: int) -> Path:
        return ctx.scratch(self.key_phase) / "keys" / shard_name(shard).replace(".parquet", ".arrow")

    def _priority_path(self, ctx: StageContext, shard: int) -> Path:
        return ctx.scratch(self.key_phase) / "priority" / shard_name(shard)

    @staticmethod
    def _edges_path(ctx: StageContext, bucket: int) -> Path:
        return ctx.scratch("pairs") / f"bucket-{bucket:05d}.npy"

    @staticmethod
    def _assignment_path(ctx: StageContext, shard: int) -> Path:
        return ctx.scratch("cluster") / "assignment" / shard_name(shard)

    # -- phase 1 -----------------------------------------------------------------------------------------
    def _write_keys(self, index: int, ctx: StageContext) -> None:
        keys, rows = self.shard_keys(index, ctx)
        table = priorities(Path(ctx.inputs[index]), self.params.quality_score)
        with atomic_path(self._priority_path(ctx, index)) as tmp:
            pq.write_table(table, tmp)
        buckets = (keys % np.uint64(ctx.buckets)).astype(np.int64)
        order = np.argsort(buckets, kind="stable")
        bounds = np.searchsorted(buckets[order], np.arange(ctx.buckets + 1))
        schema = KEYS.with_metadata({"rows": str(table.num_rows)})
        with atomic_path(self._keys_path(ctx, index)) as tmp, pa.ipc.new_file(tmp, schema) as writer:
            for bucket in range(ctx.buckets):
                part = order[bounds[bucket]: bounds[bucket + 1]]
                writer.write_batch(pa.record_batch([pa.array(keys[part], pa.uint64()),
                                                    pa.array(rows[part], pa.int32())], schema=schema))

    def _offsets(self, ctx: StageContext) -> np.ndarray:
        """Global number of each shard's first document (and the total at the end), from the key files."""
        counts = []
        for shard in range(len(ctx.inputs)):
            with pa.memory_map(str(self._keys_path(ctx, shard))) as source:
                counts.append(int(pa.ipc.open_file(source).schema.metadata[b"rows"]))
        return np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)

    # -- phase 2 -----------------------------------------------------------------------------------------
    def _pairs(self, bucket: int, ctx: StageContext) -> None:
        offsets = self._offsets(ctx)
        keys, docs = [np.zeros(0, np.uint64)], [np.zeros(0, np.int64)]
        for shard in range(len(ctx.inputs)):
            with pa.memory_map(str(self._keys_path(ctx, shard))) as source:
                batch = pa.ipc.open_file(source).get_batch(bucket)
                keys.append(batch["key"].to_numpy().copy())
                docs.append(batch["row"].to_numpy().astype(np.int64) + offsets[shard])
        left, right = candidate_edges(np.concatenate(keys), np.concatenate(docs), self.all_pairs_up_to)
        keep = self.keep_edges(left, right, offsets, ctx)
        with atomic_path(self._edges_path(ctx, bucket)) as tmp, tmp.open("wb") as handle:
            np.save(handle, np.stack([left[keep], right[keep]]))

    # -- phase 3 -----------------------------------------------------------------------------------------
    def _cluster(self, ctx: StageContext) -> None:
        offsets = self._offsets(ctx)
        labels = components(int(offsets[-1]), self._edge_chunks(ctx))
        sizes = np.bincount(labels, minlength=len(labels))
        members = []
        for shard in range(len(ctx.inputs)):
            table = pq.read_table(self._priority_path(ctx, shard))
            cluster = labels[offsets[shard]: offsets[shard + 1]]
            linked = sizes[cluster] > 1
            if linked.any():
                table = table.filter(pa.array(linked)).append_column("cluster", pa.array(cluster[linked]))
                members.append(table.append_column("shard", pa.array(np.full(table.num_rows, shard, np.int32))))
        everyone = pa.concat_tables(members) if members else None
        for shard, assignment in self._assignments(everyone, sizes, len(ctx.inputs)):
            with atomic_path(self._assignment_path(ctx, shard)) as tmp:
                pq.write_table(assignment, tmp)
        write_json(ctx.scratch("cluster") / "offsets.json", offsets.tolist())

    def _edge_chunks(self, ctx: StageContext) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Edges of all buckets, a few million at a time (fewer union rounds than one per bucket)."""
        gathered, size = [], 0
        for bucket in range(ctx.buckets):
            edges = np.load(self._edges_path(ctx, bucket))
            gathered.append(edges)
            size += edges.shape[1]
            if size >= _UNION_CHUNK_EDGES or bucket == ctx.buckets - 1:
                joined = np.concatenate(gathered, axis=1)
                gathered, size = [], 0
                yield joined[0], joined[1]

    def _assignments(self, members: pa.Table | None, sizes: np.ndarray, shards: int) -> Iterator[tuple[int, pa.Table]]:
        """Per shard: (row, cluster, size, kept id) of its documents that have duplicates."""
        if members is None:
            for shard in range(shards):
                yield shard, ASSIGNMENT.empty_table()
            return
        kept = keepers(members, self.params.keep)
        members = members.sort_by([("shard", "ascending"), ("row", "ascending")])
        cluster = members["cluster"].to_numpy()
        kept_cluster = kept["cluster"].to_numpy()
        kept_id = kept["kept_id"].take(pa.array(np.searchsorted(kept_cluster, cluster)))
        bounds = np.searchsorted(members["shard"].to_numpy(), np.arange(shards + 1))
        for shard in range(shards):
            start, stop = int(bounds[shard]), int(bounds[shard + 1])
            yield shard, pa.table([members["row"].slice(start, stop - start),
                                   pa.array(cluster[start:stop], pa.int64()),
                                   pa.array(sizes[cluster[start:stop]], pa.int64()),
                                   kept_id.slice(start, stop - start)], schema=ASSIGNMENT)

    # -- phase 4 -----------------------------------------------------------------------------------------
    def _filter(self, index: int, ctx: StageContext, counter: StepCounter) -> None:
        offset = json.loads((ctx.scratch("cluster") / "offsets.json").read_text())[index]
        assignment = pq.read_table(self._assignment_path(ctx, index)).to_pydict()
        linked = {row: (cluster, size, kept) for row, cluster, size, kept in
                  zip(assignment["row"], assignment["cluster"], assignment["size"], assignment["kept_id"], strict=True)}
        reason = f"{self.name}:{self.reason}"
        with ShardOutputs(ctx, index) as outputs:
            for row, doc in enumerate(read_shard(Path(ctx.inputs[index]))):
                counter.docs_in += 1
                cluster, size, kept = linked.get(row, (offset + row, 1, doc.id))
                doc.scores[self.score] = float(cluster)
                doc.scores[f"{self.score}_size"] = float(size)
                if kept == doc.id:
                    counter.docs_out += 1
                    outputs.keep(doc)
                else:
                    counter.dropped[reason] += 1
                    outputs.reject(doc.reject(reason, f"{self.reason.replace('_', ' ')} of {kept}"), counter.label)


def candidate_edges(keys: np.ndarray, docs: np.ndarray, all_pairs_up_to: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Distinct edges (smaller, larger document) between documents with an equal key.

    Each run of equal keys becomes a star from its first document (k-1 edges for k documents: enough for
    connectivity). Runs of at most `all_pairs_up_to` documents give all their pairs instead, for steps that
    check edges afterwards: a star's centre may fail the check with a member that passes it with another.
    """
    order = np.lexsort((docs, keys))
    keys, docs = keys[order], docs[order]
    first = np.ones(len(keys), dtype=bool)
    first[1:] = keys[1:] != keys[:-1]
    starts = np.flatnonzero(first)
    run = np.cumsum(first) - 1
    length = np.diff(np.append(starts, len(keys)))[run]
    left, right = [docs[starts[run]][~first]], [docs[~first]]
    for gap in range(1, all_pairs_up_to):
        # element i with element i+gap of the same small run; gap 1.. covers every pair of a run
        same = (run[:-gap] == run[gap:]) & (length[:-gap] <= all_pairs_up_to) if gap < len(keys) else None
        if same is None or not same.any():
            break
        left.append(docs[:-gap][same])
        right.append(docs[gap:][same])
    left_all, right_all = np.concatenate(left), np.concatenate(right)
    low, high = np.minimum(left_all, right_all), np.maximum(left_all, right_all)
    distinct = low != high
    packed = np.unique((low[distinct].astype(np.uint64) << np.uint64(32)) | high[distinct].astype(np.uint64))
    return (packed >> np.uint64(32)).astype(np.int64), (packed & np.uint64(0xFFFFFFFF)).astype(np.int64)
