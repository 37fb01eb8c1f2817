"""Which members of a source archive (an sdist, a repository tarball) become Documents, and their paths.

Shared by `pypi_gis` and `github_code`: both download one archive per unit whose members sit under a
single top folder (`name-version/`, `owner-repo-sha7/`) and keep the files `extract` can read.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePosixPath

from geocorpus.extract.formats import SUFFIXES

CODE_SUFFIXES = tuple(sorted(s for s, (fmt, kind) in SUFFIXES.items() if kind == "code" and fmt != "yaml"))
DOC_SUFFIXES = (".md", ".rst")


def suffixes(chosen: str | None) -> tuple[str, ...]:
    """A spider's `suffixes` argument (comma list) as lower-case suffixes; default code + .md/.rst."""
    names = chosen.split(",") if chosen else [*CODE_SUFFIXES, *DOC_SUFFIXES]
    return tuple(s.strip().lower() for s in names if s.strip())


def wanted(kept: tuple[str, ...]) -> Callable[[str], bool]:
    """A member filter for `read_archive`: the name ends with one of `kept` (case-insensitive: `.R` is R)."""
    return lambda name: name.lower().endswith(kept)


def inside(member: str) -> str:
    """A member's path inside the project: the archive's one top folder is dropped."""
    parts = PurePosixPath(member).parts
    return PurePosixPath(*parts[1:]).as_posix() if len(parts) > 1 else member
