"""Which members of a source archive (an sdist, a repository tarball) become Documents, and their paths.

Shared by `pypi_gis` and `github_code` through `ArchiveSpider`: both download one archive per unit whose
members sit under a single top folder (`name-version/`, `owner-repo-sha7/`) and keep the files `extract` can read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import PurePosixPath
from typing import Any

from scrapy.http import Response

from geocorpus.document import Document
from geocorpus.extract.formats import SUFFIXES
from geocorpus.sources.archive_safe import Limits, read_archive
from geocorpus.spiders.base import GeoSpider
from geocorpus.spiders.items import UnitDone

CODE_SUFFIXES = tuple(sorted(s for s, (fmt, kind) in SUFFIXES.items() if kind == "code" and fmt != "yaml"))
DOC_SUFFIXES = (".md", ".rst")


def kept_suffixes(chosen: str | None) -> tuple[str, ...]:
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


class ArchiveSpider(GeoSpider):
    """A spider whose unit is one archive: arguments `suffixes` (comma list of file suffixes to keep, default
    code + .md/.rst) and `max_file_kb` (larger files are skipped and recorded)."""

    def __init__(self, suffixes: str | None = None, max_file_kb: str | int = 1024, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.wanted = wanted(kept_suffixes(suffixes))
        self.limits = Limits(max_member_bytes=int(max_file_kb) * 1024)

    def archive_items(self, response: Response, unit: str,
                      document: Callable[[str, bytes], Document]) -> Iterator[Any]:
        """A failure per skipped member, `document(path, raw)` per kept file (in name order), then the unit done."""
        contents = read_archive(response.body, self.wanted, self.limits)
        for member, why in contents.skipped:
            yield self.failure(response.url, "archive_member_skipped", why, key=f"{unit}:{inside(member)}")
        for member in sorted(contents.members):
            yield document(inside(member), contents.members[member])
        yield UnitDone(unit)
