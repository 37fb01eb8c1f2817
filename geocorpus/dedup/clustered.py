"""Dedup by clusters: documents sharing a key are linked, linked documents form a cluster, one is kept.

The shape every clustering dedup shares (MinHash bands, DOIs, titles …), in phases an executor can spread;
no task holds the whole graph or an array over every document, and between phases data moves as files
partitioned for the next phase's tasks (`partitioned.py`):

1. keys (per shard): the subclass turns each document into 64-bit keys; they are written partitioned by
   hash bucket, together with the keep-policy numbers per document.
2. pairs (per bucket): every shard's batch of this bucket is read, sorted by key, and each run of equal keys
   becomes edges from its first document to the others; the subclass may veto edges. Edges are written in
   both directions, partitioned by node.
3. components (per node partition, in rounds): large-star / small-star rounds (`components.py`) until every
   cluster is a star around its smallest document.
4. labels (per node partition): each linked document's cluster id (its cluster's smallest document), sent
   to the document's shard.
5. members (per shard): the keep-policy numbers of the shard's linked documents, sent to their cluster's
   partition.
6. select (per cluster partition): cluster sizes and the kept document of each cluster by the keep policy,
   sent back to the members' shards.
7. filter (per shard): every document gets its cluster id and size as scores; all but the kept one are
   rejected, naming the kept document.

Documents are numbered globally as (shard offset + row), so edges are two integers and output never depends
on how many workers ran the phases. Every file is written under a temporary name and renamed, so a task
killed at any point is simply run again.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import Field

from geocorpus.dedup.components import labels, star_round, unstable
from geocorpus.dedup.keep_policy import PRIORITY_SCHEMA, KeepPolicyParams, keepers, priorities
from geocorpus.dedup.partitioned import file_metadata, read_partition, write_partitions
from geocorpus.io.atomic import atomic_write, write_json
from geocorpus.io.shards import read_shard, shard_name
from geocorpus.io.storage import read_parquet
from geocorpus.pipeline.stage import GlobalStep, Phase, ShardOutputs, StageContext
from geocorpus.pipeline.stats import StepCounter

if TYPE_CHECKING:
    from geocorpus.io.storage import StoragePath

KEYS = pa.schema([("key", pa.uint64()), ("row", pa.int32())])
EDGES = pa.schema([("node", pa.int64()), ("other", pa.int64())])
LABELS = pa.schema([("row", pa.int32()), ("cluster", pa.int64())])
MEMBERS = PRIORITY_SCHEMA.append(pa.field("cluster", pa.int64())).append(pa.field("shard", pa.int32()))
ASSIGNMENT = pa.schema([("row", pa.int32()), ("cluster", pa.int64()), ("size", pa.int64()), ("kept_id", pa.string())])
#: the phases after the key phase, the same for every clustering dedup (see `__init_subclass__`)
CLUSTER_PHASES = (Phase("pairs", "bucket"), Phase("components", "bucket", rounds=True), Phase("labels", "bucket"),
                  Phase("members", "shard"), Phase("select", "bucket"), Phase("filter", "shard"))


class ClusterDedupParams(KeepPolicyParams):
    buckets: int = Field(default=16, ge=1, le=4096,
                         description="key, node and cluster partitions: tasks of the pairs, components, labels "
                                     "and select phases (memory per task ∝ 1/buckets)")


class ClusterDedup(GlobalStep):
    """Subclasses name the key phase, the rejection reason and score, and implement `shard_keys`."""

    key_phase: ClassVar[str]
    reason: ClassVar[str]  # rejection reason after "<step>:", e.g. "near_duplicate"
    score: ClassVar[str]  # score name for the cluster id; "<score>_size" holds the cluster's size
    params: ClusterDedupParams
    #: runs of equal keys up to this size give all their pairs to `keep_edges` (see `candidate_edges`)
    all_pairs_up_to: ClassVar[int] = 0

    def __init_subclass__(cls, **kwargs: object) -> None:
        """The phases follow from `key_phase`: every clustering dedup shares all the phases after it."""
        super().__init_subclass__(**kwargs)
        cls.phases = (Phase(cls.key_phase, "shard"), *CLUSTER_PHASES)

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
        elif phase.startswith("components-r"):
            self._star_round(int(phase.removeprefix("components-r")), index, ctx)
        elif phase == "labels":
            self._labels(index, ctx)
        elif phase == "members":
            self._members(index, ctx)
        elif phase == "select":
            self._select(index, ctx)
        else:
            self._filter(index, ctx, counter)

    def converged(self, phase: str, number: int, ctx: StageContext) -> bool:
        """The round's input was all stars (no unstable node in any partition): its output is the same graph."""
        paths = [self._round_path(ctx, number, part) for part in range(ctx.buckets)]
        if any(int(file_metadata(path)["unstable"]) for path in paths):
            return False
        write_json(ctx.scratch("components") / "rounds.json", {"rounds": number + 1})
        return True

    # -- paths -------------------------------------------------------------------------------------------
    def _keys_path(self, ctx: StageContext, shard: int) -> StoragePath:
        return ctx.scratch(self.key_phase) / "keys" / shard_name(shard).replace(".parquet", ".arrow")

    def _priority_path(self, ctx: StageContext, shard: int) -> StoragePath:
        return ctx.scratch(self.key_phase) / "priority" / shard_name(shard)

    @staticmethod
    def _partitioned_path(ctx: StageContext, phase: str, task: int) -> StoragePath:
        return ctx.scratch(phase) / f"part-{task:05d}.arrow"

    def _round_path(self, ctx: StageContext, number: int, part: int) -> StoragePath:
        """Edges written by task `part` of round `number` (round -1: the pairs phase)."""
        phase = "pairs" if number < 0 else Phase("components", "bucket").round(number).name
        return self._partitioned_path(ctx, phase, part)

    @staticmethod
    def _offsets_path(ctx: StageContext) -> StoragePath:
        return ctx.scratch("pairs") / "offsets.json"

    # -- phase 1 -----------------------------------------------------------------------------------------
    def _write_keys(self, index: int, ctx: StageContext) -> None:
        keys, rows = self.shard_keys(index, ctx)
        table = priorities(ctx.input(index), self.params.quality_score)
        with atomic_write(self._priority_path(ctx, index)) as handle:
            pq.write_table(table, handle)
        batch = pa.record_batch([pa.array(keys, pa.uint64()), pa.array(rows, pa.int32())], schema=KEYS)
        buckets = (keys % np.uint64(ctx.buckets)).astype(np.int64)
        write_partitions(self._keys_path(ctx, index), batch, buckets, ctx.buckets, {"rows": str(table.num_rows)})

    def _offsets(self, ctx: StageContext) -> np.ndarray:
        """Global number of each shard's first document (and the total at the end), from the key files."""
        counts = [int(file_metadata(self._keys_path(ctx, shard))["rows"]) for shard in range(len(ctx.inputs))]
        return np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)

    # -- phase 2 -----------------------------------------------------------------------------------------
    def _pairs(self, bucket: int, ctx: StageContext) -> None:
        offsets = self._offsets(ctx)
        keys, docs = [np.zeros(0, np.uint64)], [np.zeros(0, np.int64)]
        for shard in range(len(ctx.inputs)):
            part = read_partition([self._keys_path(ctx, shard)], bucket, KEYS)
            keys.append(part["key"].to_numpy())
            docs.append(part["row"].to_numpy().astype(np.int64) + offsets[shard])
        left, right = candidate_edges(np.concatenate(keys), np.concatenate(docs), self.all_pairs_up_to)
        keep = self.keep_edges(left, right, offsets, ctx)
        self._write_edges(self._round_path(ctx, -1, bucket), left[keep], right[keep], ctx, {})
        write_json(self._offsets_path(ctx), offsets.tolist())  # every task writes the same list

    @staticmethod
    def _write_edges(path: StoragePath, low: np.ndarray, high: np.ndarray, ctx: StageContext,
                     metadata: dict[str, str]) -> None:
        """Undirected edges in both directions, each under its node's partition."""
        node, other = np.concatenate([low, high]), np.concatenate([high, low])
        batch = pa.record_batch([pa.array(node, pa.int64()), pa.array(other, pa.int64())], schema=EDGES)
        write_partitions(path, batch, node % ctx.buckets, ctx.buckets, metadata)

    def _edges(self, ctx: StageContext, number: int, part: int) -> tuple[np.ndarray, np.ndarray]:
        """Every edge of the nodes of partition `part` written by round `number`."""
        paths = [self._round_path(ctx, number, task) for task in range(ctx.buckets)]
        table = read_partition(paths, part, EDGES)
        return table["node"].to_numpy(), table["other"].to_numpy()

    # -- phase 3 -----------------------------------------------------------------------------------------
    def _star_round(self, number: int, part: int, ctx: StageContext) -> None:
        """Even rounds large-star, odd small-star; the count of unstable input nodes goes in the metadata."""
        node, other = self._edges(ctx, number - 1, part)
        low, high = star_round(node, other, large=number % 2 == 0)
        self._write_edges(self._round_path(ctx, number, part), low, high, ctx,
                          {"unstable": str(unstable(node, other))})

    # -- phase 4 -----------------------------------------------------------------------------------------
    def _labels(self, part: int, ctx: StageContext) -> None:
        rounds = json.loads((ctx.scratch("components") / "rounds.json").read_text())["rounds"]
        node, cluster = labels(*self._edges(ctx, rounds - 1, part))
        offsets = np.array(json.loads(self._offsets_path(ctx).read_text()), dtype=np.int64)
        shard = np.searchsorted(offsets, node, side="right") - 1
        batch = pa.record_batch([pa.array(node - offsets[shard], pa.int32()), pa.array(cluster, pa.int64())],
                                schema=LABELS)
        write_partitions(self._partitioned_path(ctx, "labels", part), batch, shard, len(ctx.inputs))

    # -- phase 5 -----------------------------------------------------------------------------------------
    def _members(self, shard: int, ctx: StageContext) -> None:
        found = read_partition([self._partitioned_path(ctx, "labels", p) for p in range(ctx.buckets)], shard, LABELS)
        table = read_parquet(self._priority_path(ctx, shard)).take(found["row"])
        table = table.append_column("cluster", found["cluster"])
        table = table.append_column("shard", pa.array(np.full(table.num_rows, shard, np.int32)))
        batch = pa.RecordBatch.from_arrays([table[name].combine_chunks() for name in MEMBERS.names], schema=MEMBERS)
        cluster = found["cluster"].to_numpy()
        write_partitions(self._partitioned_path(ctx, "members", shard), batch, cluster % ctx.buckets, ctx.buckets)

    # -- phase 6 -----------------------------------------------------------------------------------------
    def _select(self, part: int, ctx: StageContext) -> None:
        """Sizes and kept document of the clusters of this partition, for each member's shard."""
        shards = len(ctx.inputs)
        members = read_partition([self._partitioned_path(ctx, "members", s) for s in range(shards)], part, MEMBERS)
        members = members.sort_by([("cluster", "ascending")])
        cluster = members["cluster"].to_numpy()
        kept = keepers(members, self.params.keep)  # sorted by cluster, like `members`
        first = np.searchsorted(kept["cluster"].to_numpy(), cluster)
        sizes = np.diff(np.append(np.searchsorted(cluster, kept["cluster"].to_numpy()), len(cluster)))
        batch = pa.record_batch([members["row"].combine_chunks(), pa.array(cluster, pa.int64()),
                                 pa.array(sizes[first], pa.int64()),
                                 kept["kept_id"].take(pa.array(first, pa.int64())).combine_chunks()],
                                schema=ASSIGNMENT)
        write_partitions(self._partitioned_path(ctx, "select", part), batch, members["shard"].to_numpy(), shards)

    # -- phase 7 -----------------------------------------------------------------------------------------
    def _filter(self, index: int, ctx: StageContext, counter: StepCounter) -> None:
        offset = json.loads(self._offsets_path(ctx).read_text())[index]
        paths = [self._partitioned_path(ctx, "select", p) for p in range(ctx.buckets)]
        assignment = read_partition(paths, index, ASSIGNMENT).to_pydict()
        linked = {row: (cluster, size, kept) for row, cluster, size, kept in
                  zip(assignment["row"], assignment["cluster"], assignment["size"], assignment["kept_id"], strict=True)}
        reason = f"{self.name}:{self.reason}"
        with ShardOutputs(ctx, index) as outputs:
            for row, doc in enumerate(read_shard(ctx.input(index))):
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
