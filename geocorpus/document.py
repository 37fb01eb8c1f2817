"""The Document: the one record every stage reads and writes.

Every arrow of the pipeline passes a Document, and every shard on disk has the same Arrow schema, so a
stage never needs to know which stage came before it. `meta` and `scores` are JSON-encoded in Arrow:
their keys differ by source and by recipe, and a fixed schema is what lets `datasets`, pandas and DuckDB
read any shard of any stage (Arrow map columns are not supported by `datasets`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

KINDS = ("paper", "web", "code", "qa", "book", "text")

SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("text", pa.string(), nullable=False),
        pa.field("kind", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("url", pa.string()),
        pa.field("title", pa.string()),
        pa.field("license", pa.string(), nullable=False),
        pa.field("retrieved_at", pa.timestamp("us", tz="UTC")),
        pa.field("lang", pa.string()),
        pa.field("meta", pa.string(), nullable=False),
        pa.field("scores", pa.string(), nullable=False),
    ]
)

# Rejected shards carry the document plus who dropped it and why.
REJECTED_SCHEMA = SCHEMA.append(pa.field("rejected_by", pa.string(), nullable=False)).append(
    pa.field("reason", pa.string(), nullable=False)
)


def stable_id(*parts: str | bytes) -> str:
    """A 128-bit hex id derived only from the given parts, so the same input always gets the same id."""
    digest = hashlib.blake2b(digest_size=16)
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.hexdigest()


@dataclass
class Document:
    """One text (or, before extraction, one raw file) with its provenance.

    `raw` holds undecoded bytes between a source and the `extract` step; it never reaches disk, and the
    recipe check makes sure `extract` runs before any stage boundary. `rejection` is set by a step that
    drops the document; the runner routes it to `rejected/` instead of the next step.
    """

    id: str
    text: str
    kind: str
    source: str
    url: str | None = None
    title: str | None = None
    license: str = "unknown"
    retrieved_at: datetime | None = None
    lang: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    scores: dict[str, float] = field(default_factory=dict)
    raw: bytes | None = field(default=None, repr=False)
    rejection: tuple[str, str] | None = field(default=None, repr=False)

    def reject(self, reason: str, detail: str = "") -> Document:
        """Mark this document as dropped; `reason` is the short category counted in stats."""
        self.rejection = (reason, detail)
        return self

    def to_row(self) -> dict[str, Any]:
        """The Arrow row (JSON-encodes meta and scores)."""
        return {
            "id": self.id,
            "text": self.text,
            "kind": self.kind,
            "source": self.source,
            "url": self.url,
            "title": self.title,
            "license": self.license,
            "retrieved_at": self.retrieved_at,
            "lang": self.lang,
            "meta": json.dumps(self.meta, ensure_ascii=False, sort_keys=True, default=str),
            "scores": json.dumps(self.scores, sort_keys=True),
        }

    def to_json(self) -> str:
        """One JSON line, as `geocorpus extract` prints it."""
        row = self.to_row()
        row["meta"], row["scores"] = self.meta, self.scores
        row["retrieved_at"] = self.retrieved_at.isoformat() if self.retrieved_at else None
        return json.dumps(row, ensure_ascii=False, default=str)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Document:
        """Rebuild a Document from an Arrow row as written by `to_row`."""
        retrieved = row.get("retrieved_at")
        if retrieved is not None and retrieved.tzinfo is None:
            retrieved = retrieved.replace(tzinfo=UTC)
        return cls(
            id=row["id"],
            text=row["text"],
            kind=row["kind"],
            source=row["source"],
            url=row.get("url"),
            title=row.get("title"),
            license=row.get("license") or "unknown",
            retrieved_at=retrieved,
            lang=row.get("lang"),
            meta=json.loads(row.get("meta") or "{}"),
            scores=json.loads(row.get("scores") or "{}"),
        )


def now_utc() -> datetime:
    """Timestamps in documents are UTC, truncated to microseconds as Arrow stores them."""
    return datetime.now(UTC).replace(microsecond=0)
