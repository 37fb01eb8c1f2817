"""`geocorpus extract PATH...`: the recipe's source reading and `extract` step, on paths given by hand.

A build's `local` source looks for a code file's package licence up to the recipe's `path`. By hand one
usually points at a single file or a subfolder of a repository, whose LICENSE lies further up; so here the
search goes on up to the enclosing repository (a folder holding .git, .hg or .svn), or else up to the current
folder when the path lies below it. It never goes above both, where a stray LICENSE would not be the file's.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from geocorpus.document import Document
from geocorpus.extract.package_license import PackageLicenses
from geocorpus.extract.step import Extract, ExtractParams
from geocorpus.sources.local import LocalParams, LocalSource

_REPOSITORY_MARKERS = (".git", ".hg", ".svn")


def extract_paths(paths: tuple[Path, ...], kind: str | None = None) -> Iterator[Document]:
    """Every file under `paths`, extracted exactly as a build would, rejections included."""
    extractor = Extract(ExtractParams())
    for path in paths:
        source = LocalSource(LocalParams(path=str(path), kind=kind), Path.cwd())
        licenses = PackageLicenses(licence_search_root(path))
        for partition in source.partitions():
            docs = (_with_package_license(doc, path, licenses) for doc in source.read(partition))
            yield from extractor.run(docs)


def licence_search_root(path: Path) -> Path:
    """The highest folder a package licence for files under `path` is looked for in (see the module doc)."""
    start = (path if path.is_dir() else path.parent).resolve()
    for folder in (start, *start.parents):
        if any((folder / marker).exists() for marker in _REPOSITORY_MARKERS):
            return folder
    cwd = Path.cwd().resolve()
    return cwd if cwd == start or cwd in start.parents else start


def _with_package_license(doc: Document, path: Path, licenses: PackageLicenses) -> Document:
    """`doc` with meta.package_license(_file) from above the source's own folder, where `local` found none.

    `local` stops at the nearest folder with a licence file, recognised or not; so does this, because it
    only runs where `local` saw no licence file at all, and it sees the same folders first."""
    if doc.kind != "code" or doc.rejection or "package_license_file" in doc.meta:
        return doc
    file = path if path.is_file() else path / doc.meta["path"]
    if found := licenses.of(file):
        spdx, license_file = found
        doc.meta["package_license_file"] = license_file.resolve().relative_to(licenses.root).as_posix()
        if spdx:
            doc.meta["package_license"] = spdx
    return doc
