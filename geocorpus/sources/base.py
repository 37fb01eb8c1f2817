"""The source contract: list deterministic partitions up front, read one partition in a worker.

Partitions are plain JSON-able dicts so that they pickle to any executor, and so that their JSON is the
fingerprint of a build's input: a changed or added file changes the fingerprint and the build redoes the
stages it feeds instead of serving stale shards.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from geocorpus.document import Document
from geocorpus.pipeline.step import Params

Partition = dict[str, Any]


class SourceUnavailable(Exception):
    """The source cannot be reached now (network down, server gone); the build goes on without it."""


class Source:
    name: ClassVar[str]
    Params: ClassVar[type[Params]] = Params
    #: True when documents arrive as undecoded files that the `extract` step must turn into text.
    yields_raw: ClassVar[bool] = False

    def __init__(self, params: Params, base_dir: Path) -> None:
        self.params = params
        self.base_dir = base_dir

    def problems(self) -> list[tuple[tuple[str, ...], str]]:
        """Recipe-time checks (a missing path, say) as (key path under the params, message)."""
        return []

    def label(self) -> str:
        """The value of `Document.source` for what this source yields."""
        return self.name

    def partitions(self, limit: int | None = None) -> list[Partition]:
        """Every unit of work, in a fixed order, covering at most `limit` documents."""
        raise NotImplementedError

    def read(self, partition: Partition) -> Iterator[Document]:
        """The documents of one partition, in a fixed order. Bad items come out rejected, never raised."""
        raise NotImplementedError


def resolve(base_dir: Path, path: str) -> Path:
    """Input paths in a recipe are relative to the recipe file, so a recipe works from any directory."""
    candidate = Path(path).expanduser()
    return candidate if candidate.is_absolute() else (base_dir / candidate)
