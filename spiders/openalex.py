"""`openalex`: open-access geoscience works from OpenAlex, full text from each work's best OA location.

API (https://docs.openalex.org): `/works?filter=...&per-page=200&cursor=*` pages by `meta.next_cursor`
(null at the end); `mailto` puts us in the polite pool. Each work's `best_oa_location` gives a `pdf_url`
(else `landing_page_url`) and a `license` in OpenAlex's own vocabulary (`cc-by`, `cc-by-sa`, `cc0`,
`public-domain`, `other-oa`, …). Creative Commons licences come without a version; we read them as 4.0,
the version current since 2013 (the original value stays in meta). The raw PDF or HTML goes to `extract`.

    geocorpus crawl openalex -a mailto=you@example.org -a filter=primary_topic.field.id:19,is_oa:true -o crawl/oa
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from scrapy.http import Response

from geocorpus.licenses import UNKNOWN, from_name
from geocorpus.spiders.base import GeoSpider

# Field 19 of OpenAlex's topic taxonomy is "Earth and Planetary Sciences".
DEFAULT_FILTER = "primary_topic.field.id:19,is_oa:true"
_CC = re.compile(r"^cc-by(-nc)?(-sa|-nd)?$")


def openalex_license(value: str | None) -> str:
    """An OpenAlex licence value as an SPDX id (unversioned CC licences read as 4.0)."""
    if not value:
        return UNKNOWN
    return from_name(f"{value} 4.0" if _CC.match(value) else value) or UNKNOWN


class OpenAlexSpider(GeoSpider):
    """Arguments: `filter` (OpenAlex filter, default DEFAULT_FILTER), `mailto` (default GEOCORPUS_CONTACT),
    `per_page` (default 200), `kind` (Document kind, default paper)."""

    name = "openalex"
    default_base_url = "https://api.openalex.org"

    def __init__(self, filter: str = DEFAULT_FILTER, mailto: str | None = None, per_page: str | int = 200,
                 kind: str = "paper", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.query = {"filter": filter, "per-page": str(per_page),
                      "mailto": mailto or os.environ.get("GEOCORPUS_CONTACT")}
        self.kind = kind

    def works(self, cursor: str) -> str:
        query = {k: v for k, v in {**self.query, "cursor": cursor}.items() if v}
        return f"{self.base_url.rstrip('/')}/works?{urlencode(query)}"

    async def start(self) -> Any:
        yield self.get(self.works("*"), self.parse_works)

    def parse_works(self, response: Response) -> Iterator[Any]:
        data = json.loads(response.body)
        for work in data.get("results", []):
            yield from self.parse_work(work, response)
        cursor = (data.get("meta") or {}).get("next_cursor")
        if cursor and data.get("results"):
            yield self.get(self.works(cursor), self.parse_works)

    def parse_work(self, work: dict[str, Any], response: Response) -> Iterator[Any]:
        openalex_id = work["id"].rsplit("/", 1)[-1]
        key = f"openalex:{openalex_id}"
        if self.seen(key):
            return
        location = work.get("best_oa_location") or {}
        license = openalex_license(location.get("license"))
        target = location.get("pdf_url") or location.get("landing_page_url")
        if not target:
            yield self.failure(work["id"], "no_fulltext", "no best_oa_location with a pdf_url or landing_page_url",
                               key=key)
            return
        if refused := self.licence_refused(key, target, license):
            yield refused
            return
        doi = work.get("doi")
        paper = {
            "name": openalex_id, "title": work.get("display_name") or work.get("title"), "license": license,
            "meta": {"openalex_id": openalex_id, "doi": doi.removeprefix("https://doi.org/") if doi else None,
                     "authors": [a["author"]["display_name"] for a in work.get("authorships", [])
                                 if (a.get("author") or {}).get("display_name")],
                     "date": work.get("publication_date"), "year": work.get("publication_year"),
                     "type": work.get("type"), "language": work.get("language"),
                     "topic": (work.get("primary_topic") or {}).get("display_name"),
                     "source_name": ((location.get("source") or {}).get("display_name")),
                     "oa_status": (work.get("open_access") or {}).get("oa_status"),
                     "version": location.get("version"), "openalex_license": location.get("license"),
                     "landing_url": location.get("landing_page_url")},
        }
        yield self.get(target, self.parse_fulltext, key=key, cb_kwargs={"paper": paper})
