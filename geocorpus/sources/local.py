"""`local`: files on disk — raw files (HTML, PDF, code, text) for `extract`, or JSONL/Parquet documents.

Licence and provenance come from the recipe (`license:`) and, per file, from an optional manifest
(JSONL lines with `path`, `license`, `url`, `title`, …), because a file on disk does not say where it came
from and the dataset card must. Two things only the tree tells: the licence of a code file's package (the
nearest LICENSE/COPYING or manifest licence field, `package_license.py`) and, with `latex_projects`, which
.tex files make up one paper.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from pydantic import Field

from geocorpus.document import KINDS, Document, stable_id
from geocorpus.extract.formats import detect
from geocorpus.extract.latex import SOURCE_SUFFIXES, is_main_tex, pack_sources
from geocorpus.extract.package_license import PackageLicenses
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
    license_files: bool = Field(
        default=True, description="code files take the licence of the nearest LICENSE/COPYING file or "
                                  "pyproject.toml/package.json/DESCRIPTION licence up to `path` (meta.package_license)")
    latex_projects: bool = Field(
        default=False, description="a folder with a main .tex (\\documentclass + \\begin{document}) is one document: "
                                   "its .tex/.bib/.sty files below it are read together, like an e-print")


@register_source
class LocalSource(Source):
    name = "local"
    Params = LocalParams
    yields_raw = True

    params: LocalParams

    def __init__(self, params: LocalParams, base_dir: Path) -> None:
        super().__init__(params, base_dir)
        self._licenses: PackageLicenses | None = None

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

    def _latex_projects(self, files: list[Path]) -> tuple[dict[Path, list[Path]], set[Path]]:
        """(main .tex -> the source files of its document, every source file some project takes).

        A source file belongs to the nearest folder above it that holds a main file; a folder with several main
        files gives one document per main file, each with the folder's other (non-main) sources."""
        if not self.params.latex_projects or self.root.is_file():
            return {}, set()
        limit = self.params.max_file_mb * 1024 * 1024
        mains = [p for p in files if p.suffix.lower() == ".tex" and p.stat().st_size <= limit
                 and is_main_tex(p.read_bytes())]
        folders = {p.parent for p in mains}
        members: dict[Path, list[Path]] = {folder: [] for folder in folders}
        for path in files:
            if path.suffix.lower() in SOURCE_SUFFIXES:
                owner = next((folder for folder in path.parents if folder in folders), None)
                if owner is not None:
                    members[owner].append(path)
        main_set = set(mains)
        projects = {main: [main, *(p for p in members[main.parent] if p not in main_set)] for main in mains}
        return projects, {p for paths in members.values() for p in paths}

    def partitions(self, limit: int | None = None) -> list[Partition]:
        parts: list[Partition] = []
        batch: list[list] = []
        budget = limit if limit is not None else float("inf")
        files = self._files()
        projects, taken = self._latex_projects(files)
        for path in files:
            if budget <= 0:
                break
            if path in taken and path not in projects:
                continue
            stat = path.stat()
            rel = self._relative(path)
            if path in projects:  # one item: the main file, then every source file with its size and mtime
                sources = [[self._relative(p), p.stat().st_size, p.stat().st_mtime_ns] for p in projects[path]]
                batch.append([rel, sum(size for _, size, _ in sources), max(m for _, _, m in sources), sources])
                budget -= 1
                if len(batch) == self.params.files_per_shard:
                    parts.append({"files": batch, "items": len(batch)})
                    batch = []
                continue
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
            # Once per partition, not per record: resolving the path (realpath) cost more than parsing the line.
            label, locator = self.label(), self._locator(rel)
            for row, record in iter_records(self._path(rel), partition["start"], partition["stop"]):
                yield record_to_document(
                    record, source=label, locator=locator, row=row,
                    default_kind=self.params.kind or "text", default_license=self.params.license,
                )
            return
        manifest = self._manifest()
        for rel, _size, _mtime, *project in partition["files"]:
            entry = manifest.get(self._path(rel).resolve(), {})
            if project:
                yield self._read_project(rel, [source for source, _, _ in project[0]], entry)
            else:
                yield self._read_file(rel, entry)

    def _locator(self, rel: str) -> str:
        """Where a document came from, as a path relative to the recipe when it lies below it."""
        path = self._path(rel)
        try:
            return path.resolve().relative_to(self.base_dir.resolve()).as_posix()
        except ValueError:
            return path.as_posix()

    def _document(self, rel: str, fmt: str, kind: str, entry: dict) -> Document:
        """A raw document for `rel` with what the recipe and the manifest entry say about it; no id yet."""
        meta = {"path": rel, "format": fmt}
        meta.update({k: v for k, v in entry.items() if k not in {"path", "license", "url", "title", "kind"}})
        return Document(id="", text="", kind=self.params.kind or entry.get("kind") or kind, source=self.label(),
                        url=entry.get("url") or self._locator(rel), title=entry.get("title"),
                        license=entry.get("license") or self.params.license, meta=meta)

    def _read_project(self, rel: str, sources: list[str], entry: dict) -> Document:
        """One LaTeX project: its source files, relative to the main file's folder, packed into one tar."""
        doc = self._document(rel, "latex_project", "paper", entry)
        folder = self._path(rel).parent
        doc.meta["latex_project"] = self._relative(folder) if folder != self.root else "."
        try:
            files = {self._path(source).relative_to(folder).as_posix(): self._path(source).read_bytes()
                     for source in sources}
            doc.retrieved_at = datetime.fromtimestamp(int(self._path(rel).stat().st_mtime), tz=UTC)
        except OSError as error:
            doc.id = stable_id(self.label(), rel)
            return doc.reject("unreadable", f"{type(error).__name__}: {error}")
        doc.raw = pack_sources(files)
        doc.meta["size"] = len(doc.raw)
        doc.id = stable_id(self.label(), rel, doc.raw)
        if len(doc.raw) > self.params.max_file_mb * 1024 * 1024:
            doc.raw = None
            return doc.reject("too_large", f"{doc.meta['size']} bytes of LaTeX sources > "
                                           f"max_file_mb={self.params.max_file_mb}")
        return doc

    def _read_file(self, rel: str, entry: dict) -> Document:
        path = self._path(rel)
        detected = detect(path)
        fmt, kind = detected if detected else ("unknown", "text")
        doc = self._document(rel, fmt, kind, entry)
        meta = doc.meta
        if doc.kind == "code" and self.params.license_files:
            self._package_license(path, meta)
        try:
            stat = path.stat()
            doc.retrieved_at = datetime.fromtimestamp(int(stat.st_mtime), tz=UTC)
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

    def _package_license(self, path: Path, meta: dict) -> None:
        """meta.package_license (SPDX) and meta.package_license_file from the tree; `extract` applies them."""
        if self._licenses is None:
            self._licenses = PackageLicenses(self._tree_root())
        if found := self._licenses.of(path):
            spdx, source = found
            meta["package_license_file"] = source.resolve().relative_to(self._tree_root().resolve()).as_posix()
            if spdx:
                meta["package_license"] = spdx

    def _tree_root(self) -> Path:
        """The folder licence files are looked for up to: `path`, or its folder when `path` is a file."""
        return self.root if self.root.is_dir() else self.root.parent

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
