"""Which member of a duplicate cluster to keep: a recipe-ordered list of preferences, then the smallest id.

Each document is reduced to a row of numbers (written once, in the first phase of a dedup step), so that
choosing the keeper of every cluster is one multi-key sort of a small table — no documents re-read, and the
same choice whatever the shard order or worker count.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Literal

import pyarrow as pa
import pyarrow.compute as pc
from pydantic import Field

from geocorpus.dedup import identifiers
from geocorpus.io.storage import parquet_file
from geocorpus.pipeline.step import Params

if TYPE_CHECKING:
    from geocorpus.io.storage import StoragePath

Preference = Literal["published", "open_license", "quality", "longer"]
#: Higher is better for each; `version` breaks ties between two preprints (the later one is kept).
PRIORITY_SCHEMA = pa.schema([("row", pa.int32()), ("published", pa.int8()), ("version", pa.int32()),
                             ("open_license", pa.int8()), ("quality", pa.float64()), ("longer", pa.int64()),
                             ("id", pa.string())])
_SORT_COLUMNS = {"published": ["published", "version"], "open_license": ["open_license"], "quality": ["quality"],
                 "longer": ["longer"]}


class KeepPolicyParams(Params):
    """Recipe parameters shared by every clustering dedup step."""

    keep: list[Preference] = Field(
        default=["published", "open_license", "quality", "longer"],
        description="preferences for the kept document of a cluster, most important first; the smallest id "
                    "decides last",
    )
    quality_score: str | None = Field(
        default=None, description="`scores` key whose higher value is preferred by `quality` (none: skipped)"
    )


def priorities(shard: StoragePath, quality_score: str | None) -> pa.Table:
    """The numbers the keep policy compares, one row per document of the shard (text is only measured)."""
    rows: dict[str, list] = {name: [] for name in PRIORITY_SCHEMA.names}
    parquet = parquet_file(shard)
    for batch in parquet.iter_batches(columns=["id", "license", "meta", "scores", "text"]):
        lengths = pc.utf8_length(batch["text"]).to_pylist()
        for doc_id, license, meta, scores, length in zip(
                *(batch[c].to_pylist() for c in ("id", "license", "meta", "scores")), lengths, strict=True):
            meta = json.loads(meta or "{}")
            quality = json.loads(scores or "{}").get(quality_score) if quality_score else None
            rows["row"].append(len(rows["row"]))
            rows["published"].append(int(identifiers.is_published(meta)))
            rows["version"].append(identifiers.version(meta))
            rows["open_license"].append(int(license not in ("unknown", "", None)))
            rows["quality"].append(float(quality) if isinstance(quality, int | float) else float("-inf"))
            rows["longer"].append(length)
            rows["id"].append(doc_id)
    return pa.table(rows, schema=PRIORITY_SCHEMA)


def keepers(members: pa.Table, keep: list[Preference]) -> pa.Table:
    """(cluster, id) of the kept document per cluster; `members` has `cluster` and the priority columns."""
    keys = [("cluster", "ascending")]
    keys += [(column, "descending") for preference in keep for column in _SORT_COLUMNS[preference]]
    keys += [("id", "ascending")]
    ordered = members.sort_by(keys)
    cluster = ordered["cluster"]
    if len(cluster) == 0:
        return pa.table({"cluster": cluster, "kept_id": ordered["id"]})
    first = pc.not_equal(cluster.slice(1), cluster.slice(0, len(cluster) - 1))
    mask = pa.concat_arrays([pa.array([True]), first.combine_chunks()])
    return pa.table({"cluster": cluster.filter(mask), "kept_id": ordered["id"].filter(mask)})
