"""`dedup_scholarly`: one work reached through several sources (arXiv, EarthArXiv, OpenAlex, a journal) is kept once.

Two documents are the same work when they share a DOI, an arXiv id (any version), or a normalised title with
the same first-author surname and year — all read from `meta` and the title (`identifiers.py`). Identity keys
are hashed to 64 bits and clustered like any other dedup keys; the keep policy then prefers the published
version over the preprint (and the latest preprint version over earlier ones).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal

import numpy as np
from pydantic import Field

from geocorpus.dedup import identifiers
from geocorpus.dedup.clustered import ClusterDedup, ClusterDedupParams
from geocorpus.io.storage import parquet_file
from geocorpus.pipeline.registry import register_step
from geocorpus.pipeline.stage import StageContext

Identity = Literal["doi", "arxiv", "title_author_year"]


class ScholarlyParams(ClusterDedupParams):
    match: list[Identity] = Field(default=["doi", "arxiv", "title_author_year"],
                                  description="identities that make two documents one work")
    kinds: list[str] = Field(default=["paper", "book", "web", "text", "qa"],
                             description="kinds that can be works (files of one code package share a title, "
                                         "authors and year, yet are not one work)")


def identity_keys(title: str | None, meta: dict[str, Any], match: list[Identity]) -> list[str]:
    """The identity strings of one document, each tagged with its kind so a DOI never equals a title."""
    found = []
    if "doi" in match and (doi := identifiers.doi(meta)):
        found.append(f"doi:{doi}")
    if "arxiv" in match and (arxiv := identifiers.arxiv_id(meta)):
        found.append(f"arxiv:{arxiv}")
    if "title_author_year" in match:
        parts = (identifiers.normalised_title(title or meta.get("title")), identifiers.first_author_surname(meta),
                 identifiers.year(meta))
        if all(parts):
            found.append("tay:" + "|".join(map(str, parts)))
    return found


@register_step
class DedupScholarly(ClusterDedup):
    name = "dedup_scholarly"
    Params = ScholarlyParams
    key_phase = "keys"
    reason = "same_work"
    score = "work_cluster"

    params: ScholarlyParams

    def shard_keys(self, index: int, ctx: StageContext) -> tuple[np.ndarray, np.ndarray]:
        keys: list[int] = []
        rows: list[int] = []
        kinds = set(self.params.kinds)
        offset = 0
        for batch in parquet_file(ctx.input(index)).iter_batches(columns=["kind", "title", "meta"]):
            columns = (batch[name].to_pylist() for name in ("kind", "title", "meta"))
            for row, (kind, title, meta) in enumerate(zip(*columns, strict=True), offset):
                if kind in kinds:
                    for key in identity_keys(title, json.loads(meta or "{}"), self.params.match):
                        keys.append(int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "little"))
                        rows.append(row)
            offset += batch.num_rows
        return np.array(keys, dtype=np.uint64), np.array(rows, dtype=np.int64)
