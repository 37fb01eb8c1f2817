"""`hf`: a dataset saved on disk by `datasets` (`save_to_disk`) or Parquet files, read locally.

Nothing is fetched from a hub: groups build from datasets they already have, and a build that silently
downloaded would not be reproducible (nor work offline).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from pydantic import Field

from geocorpus.document import KINDS, Document
from geocorpus.io.records import count_records, iter_records, record_to_document
from geocorpus.pipeline.registry import register_source
from geocorpus.pipeline.step import Params
from geocorpus.sources.base import Partition, Source, resolve


class HfParams(Params):
    path: str = Field(description="a save_to_disk directory, a Parquet file, or a directory of Parquet files")
    split: str = Field(default="train", description="split to read from a saved DatasetDict")
    text_field: str = Field(default="text", description="column holding the text")
    name: str | None = Field(default=None, description="value of Document.source (default hf:PATH)")
    kind: str = Field(default="text", description=f"kind of every document ({', '.join(KINDS)})")
    license: str = Field(default="unknown", description="SPDX id when rows carry no `license` column")
    rows_per_shard: int = Field(default=10_000, ge=1, description="rows per shard task")


@register_source
class HfSource(Source):
    name = "hf"
    Params = HfParams

    params: HfParams

    @property
    def root(self) -> Path:
        return resolve(self.base_dir, self.params.path)

    def problems(self) -> list[tuple[tuple[str, ...], str]]:
        if not self.root.exists():
            return [(("path",), f"no such file or directory: {self.root}")]
        if self.params.kind not in KINDS:
            return [(("kind",), f"unknown kind {self.params.kind!r}; use one of {', '.join(KINDS)}")]
        if not self._is_saved_dataset() and not self._parquet_files():
            return [(("path",), f"neither a `datasets` save_to_disk directory nor Parquet files: {self.root}")]
        splits = self._splits()
        if splits and self.params.split not in splits:
            return [(("split",), f"no split {self.params.split!r} in {self.root} (has {', '.join(splits)})")]
        return []

    def _splits(self) -> list[str]:
        """Split names of a saved DatasetDict (empty for a single Dataset), from its dataset_dict.json."""
        index = self.root / "dataset_dict.json"
        return json.loads(index.read_text(encoding="utf-8")).get("splits", []) if index.is_file() else []

    def label(self) -> str:
        return self.params.name or f"hf:{self.params.path}"

    def _is_saved_dataset(self) -> bool:
        root = self.root
        return root.is_dir() and ((root / "dataset_dict.json").is_file() or (root / "state.json").is_file())

    def _parquet_files(self) -> list[Path]:
        root = self.root
        return [root] if root.is_file() else sorted(root.glob("**/*.parquet"))

    def _load(self):
        import datasets  # imported here: only this source needs it, and it is slow to import

        loaded = datasets.load_from_disk(str(self.root))
        return loaded[self.params.split] if isinstance(loaded, datasets.DatasetDict) else loaded

    def partitions(self, limit: int | None = None) -> list[Partition]:
        if self._is_saved_dataset():
            units = [("", len(self._load()))]
        else:
            units = [(p.relative_to(self.root).as_posix() if self.root.is_dir() else "", count_records(p))
                     for p in self._parquet_files()]
        parts: list[Partition] = []
        budget = limit if limit is not None else float("inf")
        for rel, rows in units:
            total = int(min(rows, budget))
            budget -= total
            for start in range(0, total, self.params.rows_per_shard):
                stop = min(start + self.params.rows_per_shard, total)
                parts.append({"file": rel, "start": start, "stop": stop, "items": stop - start, "rows": rows})
        return parts

    def read(self, partition: Partition) -> Iterator[Document]:
        start, stop, rel = partition["start"], partition["stop"], partition["file"]
        locator = f"{self.params.path}/{rel}" if rel else self.params.path
        if self._is_saved_dataset():
            rows = enumerate(self._load().select(range(start, stop)), start)
        else:
            rows = iter_records(self.root / rel if rel else self.root, start, stop)
        for row, record in rows:
            yield record_to_document(
                record, source=self.label(), locator=locator, row=row, default_kind=self.params.kind,
                default_license=self.params.license, text_field=self.params.text_field,
            )
