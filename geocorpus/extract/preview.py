"""`geocorpus extract PATH...`: the recipe's source reading and `extract` step, on paths given by hand."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from geocorpus.document import Document
from geocorpus.extract.step import Extract, ExtractParams
from geocorpus.sources.local import LocalParams, LocalSource


def extract_paths(paths: tuple[Path, ...], kind: str | None = None) -> Iterator[Document]:
    """Every file under `paths`, extracted exactly as a build would, rejections included."""
    extractor = Extract(ExtractParams())
    for path in paths:
        source = LocalSource(LocalParams(path=str(path), kind=kind), Path.cwd())
        for partition in source.partitions():
            yield from extractor.run(source.read(partition))
