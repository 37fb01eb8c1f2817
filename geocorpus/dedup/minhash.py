"""`dedup_minhash`: near-duplicate documents (word n-gram Jaccard ≥ threshold) are clustered, one is kept.

Phase `signature` (per shard) computes MinHash signatures for a batch of documents at once (`signatures.py`)
and writes one key per LSH band; two documents with an equal band become a candidate pair in phase `pairs`,
which (with `verify`) keeps only pairs whose exact Jaccard of shingle sets reaches the threshold, read from
the per-shard shingle files. Clustering, the keep policy and the final filter are `ClusterDedup`'s.
"""

from __future__ import annotations

from contextlib import ExitStack
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import Field, model_validator

from geocorpus.dedup.clustered import ClusterDedup, ClusterDedupParams
from geocorpus.dedup.shingles import shingle, unique_per_doc
from geocorpus.dedup.signatures import LshShape, band_keys, signatures
from geocorpus.io.atomic import atomic_write
from geocorpus.io.shards import shard_name
from geocorpus.io.storage import arrow_file, parquet_file
from geocorpus.pipeline.registry import register_step
from geocorpus.pipeline.stage import StageContext

if TYPE_CHECKING:
    from geocorpus.io.storage import StoragePath

_BATCH_ROWS = 1024
_ALL_PAIRS_UP_TO = 64  # larger runs of one band key (mass copies) are linked as a star
_VERIFY_CHUNK_PAIRS = 20_000  # candidate pairs verified together; their documents' shingle sets are loaded once
SETS = pa.schema([("shingles", pa.list_(pa.uint64()))])


class MinhashParams(ClusterDedupParams):
    threshold: float = Field(default=0.8, gt=0, le=1, description="Jaccard similarity that makes a near-duplicate")
    ngram: int = Field(default=5, ge=1, le=32, description="words per shingle")
    num_perm: int = Field(default=128, ge=2, le=1024, description="MinHash permutations")
    bands: int | None = Field(default=None, ge=1, description="LSH bands (with `rows`; default: datasketch's optimum)")
    rows: int | None = Field(default=None, ge=1, description="rows per band (with `bands`)")
    miss_weight: float | None = Field(
        default=None, ge=0, le=1,
        description="weight of a missed pair (vs a false candidate) in datasketch's choice of bands × rows; "
                    "default 0.95 with `verify` (it removes false candidates), else 0.5")
    seed: int = Field(default=1, description="seed of datasketch's permutations")
    verify: bool = Field(default=True, description="keep only candidate pairs whose exact Jaccard ≥ threshold")
    code_tokens: bool = Field(default=True, description="tokenise `kind: code` as identifiers and symbols, case kept")

    @model_validator(mode="after")
    def _bands_with_rows(self) -> MinhashParams:
        if (self.bands is None) != (self.rows is None):
            raise ValueError("give both `bands` and `rows`, or neither")
        if self.bands is not None and self.rows is not None and self.bands * self.rows > self.num_perm:
            raise ValueError(f"bands × rows = {self.bands * self.rows} exceeds num_perm = {self.num_perm}")
        return self


@register_step
class DedupMinhash(ClusterDedup):
    name = "dedup_minhash"
    Params = MinhashParams
    key_phase = "signature"
    reason = "near_duplicate"
    score = "dup_cluster"

    params: MinhashParams

    @cached_property
    def shape(self) -> LshShape:
        p = self.params
        miss_weight = p.miss_weight if p.miss_weight is not None else (0.95 if p.verify else 0.5)
        return LshShape.choose(p.threshold, p.num_perm, p.seed, p.bands, p.rows, miss_weight)

    @property
    def all_pairs_up_to(self) -> int:  # type: ignore[override]
        """Verified candidates need all pairs of a band bucket: a star alone loses verified pairs."""
        return _ALL_PAIRS_UP_TO if self.params.verify else 0

    def _sets_path(self, ctx: StageContext, shard: int) -> StoragePath:
        return ctx.scratch(self.key_phase) / "sets" / shard_name(shard).replace(".parquet", ".arrow")

    def shard_keys(self, index: int, ctx: StageContext) -> tuple[np.ndarray, np.ndarray]:
        keys, rows = [], []
        first = 0
        with ExitStack() as stack:
            # With `verify`, each batch's shingle sets are written as they are made (one record batch per
            # input batch): memory holds one batch of sets, not the shard's.
            writer = None
            if self.params.verify:
                handle = stack.enter_context(atomic_write(self._sets_path(ctx, index)))
                writer = stack.enter_context(pa.ipc.new_file(handle, SETS))
            for batch in parquet_file(ctx.input(index)).iter_batches(columns=["text", "kind"],
                                                                     batch_size=_BATCH_ROWS):
                texts = batch["text"]
                code = pc.equal(batch["kind"], "code").to_numpy(zero_copy_only=False) & self.params.code_tokens
                shingles = shingle(texts, code, self.params.ngram)
                # A document without tokens has no shingles and no keys: it can only be its own cluster.
                present = np.flatnonzero(np.bincount(shingles.doc, minlength=len(texts)) > 0)
                band = band_keys(signatures(shingles, self.shape)[present], self.shape)
                keys.append(band.ravel())
                rows.append(np.repeat(present + first, self.shape.bands))
                if writer is not None:
                    values, bounds = unique_per_doc(shingles)
                    column = pa.ListArray.from_arrays(pa.array(bounds, pa.int64()).cast(pa.int32()),
                                                      pa.array(values, pa.uint64()))
                    writer.write_batch(pa.record_batch([column], schema=SETS))
                first += len(texts)
        return (np.concatenate(keys) if keys else np.zeros(0, np.uint64),
                np.concatenate(rows) if rows else np.zeros(0, np.int64))

    def keep_edges(self, left: np.ndarray, right: np.ndarray, offsets: np.ndarray, ctx: StageContext) -> np.ndarray:
        """Exact Jaccard of the two documents' shingle sets ≥ threshold (with `verify`)."""
        if not self.params.verify:
            return super().keep_edges(left, right, offsets, ctx)
        keep = np.zeros(len(left), dtype=bool)
        # Candidates are checked a chunk at a time: only that chunk's documents' shingle sets are in memory.
        for start in range(0, len(left), _VERIFY_CHUNK_PAIRS):
            lefts, rights = left[start: start + _VERIFY_CHUNK_PAIRS], right[start: start + _VERIFY_CHUNK_PAIRS]
            docs = np.unique(np.concatenate([lefts, rights]))
            values, bounds = self._shingle_sets(docs, offsets, ctx)
            first, second = np.searchsorted(docs, lefts), np.searchsorted(docs, rights)
            for position, (a, b) in enumerate(zip(first.tolist(), second.tolist(), strict=True), start):
                one, other = values[bounds[a]: bounds[a + 1]], values[bounds[b]: bounds[b + 1]]
                common = len(np.intersect1d(one, other, assume_unique=True))
                keep[position] = common >= self.params.threshold * (len(one) + len(other) - common)
        return keep

    def _shingle_sets(self, docs: np.ndarray, offsets: np.ndarray, ctx: StageContext) -> tuple[np.ndarray, np.ndarray]:
        """Shingle sets of the (sorted) global documents `docs`: flat values and offsets, in `docs` order.

        Only the rows needed are copied out of each shard's memory-mapped file, which is unmapped at once:
        memory follows this bucket's candidates, not the corpus.
        """
        shard_of = np.searchsorted(offsets, docs, side="right") - 1
        parts = []
        for shard in np.unique(shard_of).tolist():
            rows = docs[shard_of == shard] - offsets[shard]
            with arrow_file(self._sets_path(ctx, shard), memory_map=True) as reader:
                column = reader.read_all().column(0)
                parts.append(column.take(pa.array(rows)).combine_chunks())
        column = pa.concat_arrays(parts) if parts else pa.array([], SETS.field(0).type)
        return column.flatten().to_numpy(), column.offsets.to_numpy()
