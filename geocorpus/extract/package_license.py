"""The licence of the package a file lies in, from the nearest LICENSE/COPYING file or package manifest.

A code file rarely carries a licence header; its repository or package says it once, in a LICENSE file or in
the `license` field of `pyproject.toml`, `package.json` or an R `DESCRIPTION`. Only a source that knows the
tree can look there (an extractor sees one document), so `local` asks this for each code file and records the
answer in `meta`; the `extract` step uses it when neither the source nor the file's header named a licence.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

from geocorpus.licenses import from_license_text, from_name, from_r_license

# Lower-cased names of licence files, in the order a directory's files are tried.
LICENSE_FILE_NAMES = ("license", "license.txt", "license.md", "license.rst", "licence", "licence.txt",
                      "licence.md", "copying", "copying.txt", "copying.md", "unlicense")
_MAX_LICENSE_BYTES = 256 * 1024  # a licence longer than this is not a licence file
_R_LICENSE_FIELD = re.compile(r"^License:[ \t]*(.*(?:\n[ \t]+.*)*)", re.M)


class PackageLicenses:
    """Looks up, with one directory listing per folder, the licence that governs files below `root`."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._by_dir: dict[Path, tuple[str | None, Path] | None] = {}

    def of(self, path: Path) -> tuple[str | None, Path] | None:
        """(SPDX id, or None when the licence is not one we recognise; the file that states it) for the
        nearest folder from `path`'s own up to `root` that has a licence file or a manifest licence field;
        None when no folder does. The nearest folder decides: an unrecognised licence there is not replaced
        by a parent's."""
        directory = path.resolve().parent
        while True:
            if (found := self._in_directory(directory)) is not None:
                return found
            if directory == self.root or self.root not in directory.parents:
                return None
            directory = directory.parent

    def _in_directory(self, directory: Path) -> tuple[str | None, Path] | None:
        if directory not in self._by_dir:
            self._by_dir[directory] = _directory_license(directory)
        return self._by_dir[directory]


def _directory_license(directory: Path) -> tuple[str | None, Path] | None:
    """A manifest's declared licence first (it can say "or later", a licence text cannot), then the text."""
    try:
        files = {p.name.lower(): p for p in directory.iterdir() if p.is_file()}
    except OSError:
        return None
    stated = [files[name] for name in ("pyproject.toml", "package.json", "description") if name in files]
    texts = [files[name] for name in LICENSE_FILE_NAMES if name in files]
    for manifest in stated:
        if spdx := _manifest_license(manifest):
            return spdx, manifest
    for text_file in texts:
        if spdx := from_license_text(_read_text(text_file)):
            return spdx, text_file
    return (None, texts[0]) if texts else None


def _read_text(path: Path) -> str:
    try:
        with path.open("rb") as stream:
            return stream.read(_MAX_LICENSE_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return ""


def _manifest_license(path: Path) -> str | None:
    """The licence a pyproject.toml (PEP 639 or PEP 621 `license`, Poetry), package.json or DESCRIPTION declares;
    None for a pointer to a file (`{file = "LICENSE"}`, "SEE LICENSE IN …"), which the licence file answers."""
    text = _read_text(path)
    name = path.name.lower()
    if name == "description":
        match = _R_LICENSE_FIELD.search(text)
        return from_r_license(match.group(1)) if match else None
    try:
        data = tomllib.loads(text) if name == "pyproject.toml" else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    if name == "pyproject.toml":
        project, poetry = data.get("project") or {}, (data.get("tool") or {}).get("poetry") or {}
        value = project.get("license") if isinstance(project, dict) else None
        value = value.get("text") if isinstance(value, dict) else value
        if value is None and isinstance(poetry, dict):
            value = poetry.get("license")
    else:
        value = data.get("license")
        value = value.get("type") if isinstance(value, dict) else value
    return _declared(value)


def _declared(value: object) -> str | None:
    """A declared licence: a name we know, or an SPDX expression ("MIT OR Apache-2.0") kept as written."""
    if not isinstance(value, str) or not value.strip():
        return None
    if known := from_name(value):
        return known
    return value.strip() if re.search(r"\s(?:OR|AND|WITH)\s", value) else None
