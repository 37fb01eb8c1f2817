"""`local`: files on disk — raw files (HTML, PDF, code, text) for `extract`, or JSONL/Parquet documents.

Licence and provenance come from the recipe (`license:`) and, per file, from an optional manifest
(JSONL lines with `path`, `license`, `url`, `title`, …), because a file on disk does not say where it came
from and the dataset card must.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

from pydantic import Field

from geocorpus.document import KINDS, Document, stable_id
from geocorpus.extract.formats import detect
from geocorpus.io.records import RECORD_SUFFIXES, count_records, iter_records, record_to_document
from geocorpus.pipeline.registry import register_source
from geocorpus.pipeline.step import Params
from geocorpus.sources.base import Partition, Source, resolve


class LocalParams(Params):
    path: str = Field(description="a directory or a single file; relative paths start at the recipe file")
    glob: str = Field(default="**/*", description="which files under `path` to take")
    name: str | None = Field(default=None, description="value of Document.source (default local:PATH)")
    kind: str | None = Field(default=None, description=f"force the kind ({', '.join(KINDS)})")
    license: str = Field(default="unknown", description="SPDX id for files the manifest does not cover")
    manifest: str | None = Field(
        default=None, description="JSONL of {path, license, url, title, ...}; paths relative to the manifest"
    )
    files_per_shard: int = Field(default=128, ge=1, description="raw files per shard task")
    rows_per_shard: int = Field(default=10_000, ge=1, description="JSONL/Parquet rows per shard task")
    max_file_mb: float = Field(default=64.0, gt=0, description="larger files are rejected as too_large")


@register_source
class LocalSource(Source):
    name = "local"
    Params = LocalParams
    yields_raw = True

    params: LocalParams

    @property
    def root(self) -> Path:
        return resolve(self.base_dir, self.params.path)

    def problems(self) -> list[tuple[tuple[str, ...], str]]:
        found = []
        if not self.root.exists():
            found.append((("path",), f"no such file or directory: {self.root}"))
        if self.params.manifest and not resolve(self.base_dir, self.params.manifest).is_file():
            found.append((("manifest",), f"no such file: {resolve(self.base_dir, self.params.manifest)}"))
        elif self.params.manifest:
            try:
                self._manifest()
            except ValueError as error:
                found.append((("manifest",), str(error)))
        if self.params.kind is not None and self.params.kind not in KINDS:
            found.append((("kind",), f"unknown kind {self.params.kind!r}; use one of {', '.join(KINDS)}"))
        return found

    def label(self) -> str:
        return self.params.name or f"local:{self.params.path}"

    def _files(self) -> list[Path]:
        root = self.root
        if root.is_file():
            return [root]
        manifest = resolve(self.base_dir, self.params.manifest) if self.params.manifest else None
        return sorted(
            p for p in root.glob(self.params.glob)
            if p.is_file() and p != manifest and not any(part.startswith(".") for part in p.relative_to(root).parts)
        )

    def partitions(self, limit: int | None = None) -> list[Partition]:
        parts: list[Partition] = []
        batch: list[list] = []
        budget = limit if limit is not None else float("inf")
        for path in self._files():
            if budget <= 0:
                break
            stat = path.stat()
            rel = self._relative(path)
            if path.suffix.lower() in RECORD_SUFFIXES and self.params.kind != "code":
                total = int(min(count_records(path), budget))
                for start in range(0, total, self.params.rows_per_shard):
                    stop = min(start + self.params.rows_per_shard, total)
                    parts.append({"records": rel, "start": start, "stop": stop, "items": stop - start,
                                  "size": stat.st_size, "mtime_ns": stat.st_mtime_ns})
                budget -= total
                continue
            batch.append([rel, stat.st_size, stat.st_mtime_ns])
            budget -= 1
            if len(batch) == self.params.files_per_shard:
                parts.append({"files": batch, "items": len(batch)})
                batch = []
        if batch:
            parts.append({"files": batch, "items": len(batch)})
        return parts

    def _relative(self, path: Path) -> str:
        root = self.root
        return path.name if root.is_file() else path.relative_to(root).as_posix()

    def _path(self, rel: str) -> Path:
        return self.root if self.root.is_file() else self.root / rel

    def read(self, partition: Partition) -> Iterator[Document]:
        if "records" in partition:
            rel = partition["records"]
            for row, record in iter_records(self._path(rel), partition["start"], partition["stop"]):
                yield record_to_document(
                    record, source=self.label(), locator=self._locator(rel), row=row,
                    default_kind=self.params.kind or "text", default_license=self.params.license,
                )
            return
        manifest = self._manifest()
        for rel, _size, _mtime in partition["files"]:
            yield self._read_file(rel, manifest.get(self._path(rel).resolve(), {}))

    def _locator(self, rel: str) -> str:
        """Where a document came from, as a path relative to the recipe when it lies below it."""
        path = self._path(rel)
        try:
            return path.resolve().relative_to(self.base_dir.resolve()).as_posix()
        except ValueError:
            return path.as_posix()

    def _read_file(self, rel: str, entry: dict) -> Document:
        path = self._path(rel)
        detected = detect(path)
        fmt, kind = detected if detected else ("unknown", "text")
        meta = {"path": rel, "format": fmt}
        meta.update({k: v for k, v in entry.items() if k not in {"path", "license", "url", "title", "kind"}})
        doc = Document(id="", text="", kind=self.params.kind or entry.get("kind") or kind, source=self.label(),
                       url=entry.get("url") or self._locator(rel), title=entry.get("title"),
                       license=entry.get("license") or self.params.license, meta=meta)
        try:
            stat = path.stat()
            doc.retrieved_at = datetime.fromtimestamp(int(stat.st_mtime), tz=timezone.utc)
            meta["size"] = stat.st_size
            if stat.st_size > self.params.max_file_mb * 1024 * 1024:
                doc.id = stable_id(self.label(), rel, str(stat.st_size))
                return doc.reject("too_large", f"{stat.st_size} bytes > max_file_mb={self.params.max_file_mb}")
            doc.raw = path.read_bytes()
        except OSError as error:
            doc.id = stable_id(self.label(), rel)
            return doc.reject("unreadable", f"{type(error).__name__}: {error}")
        doc.id = stable_id(self.label(), rel, doc.raw)
        if detected is None:
            return doc.reject("unsupported_format", f"no extractor for {path.suffix or 'files without suffix'}")
        return doc

    def _manifest(self) -> dict[Path, dict]:
        """Manifest entries by absolute file path; their `path` is relative to the manifest's folder."""
        if not self.params.manifest:
            return {}
        entries = {}
        path = resolve(self.base_dir, self.params.manifest)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                try:
                    entry = json.loads(line)
                    entries[(path.parent / entry["path"]).resolve()] = entry
                except (json.JSONDecodeError, KeyError, TypeError) as error:
                    problem = f"{path}:{number}: manifest line needs a JSON object with 'path' ({error})"
                    raise ValueError(problem) from None
        return entries
