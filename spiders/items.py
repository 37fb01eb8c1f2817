"""What spiders yield besides Documents: failures (never silently lost) and finished units (for resuming)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CrawlFailure:
    """Something that did not become a Document, and why: `reason` is a short category counted in stats.

    `key` names what was lost (the stable id a Document would have had, or the URL), so a failure can be
    matched with a later success of the same item.
    """

    key: str
    url: str
    reason: str
    detail: str = ""


@dataclass(frozen=True)
class UnitDone:
    """Every Document of one unit (a package release, a paper) has been yielded: a resumed crawl skips it.

    Spiders yield it after the unit's last Document; the pipeline stores items in order, so the marker is
    never on disk before the Documents it vouches for.
    """

    key: str
