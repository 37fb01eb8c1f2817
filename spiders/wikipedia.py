"""`wikipedia`: plain text with sections of the pages under geoscience categories, from the MediaWiki API.

MediaWiki Action API (https://www.mediawiki.org/wiki/API:Main_page), JSON with `formatversion=2`:
`meta=siteinfo&siprop=rightsinfo` gives the wiki's own content licence (so a mirror or another wiki is
read correctly), `list=categorymembers` walks each category (pages and subcategories, to `depth`) with
`continue` continuation, and `prop=extracts&explaintext=1&exsectionformat=wiki` gives one page's plain
text with `== Section ==` headings, with its revision id and URL for attribution.

    geocorpus crawl wikipedia -a categories=Geology,Volcanology -a depth=1 -o crawl/wikipedia
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from scrapy.http import Response

from geocorpus.licenses import UNKNOWN, from_name, from_url
from geocorpus.spiders.base import GeoSpider
from geocorpus.spiders.items import UnitDone

GEO_CATEGORIES = ("Geology", "Geophysics", "Geochemistry", "Geomorphology", "Hydrology", "Oceanography",
                  "Meteorology", "Seismology", "Volcanology", "Geographic information systems", "Remote sensing")
_PAGE, _CATEGORY = 0, 14  # MediaWiki namespaces


class WikipediaSpider(GeoSpider):
    """Arguments: `categories` (comma list, with or without the `Category:` prefix; default GEO_CATEGORIES),
    `depth` (subcategory levels below them, default 1), `kind` (Document kind, default text)."""

    name = "wikipedia"
    default_base_url = "https://en.wikipedia.org/w/api.php"

    def __init__(self, categories: str | None = None, depth: str | int = 1, kind: str = "text",
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        chosen = [c.strip() for c in categories.split(",") if c.strip()] if categories else list(GEO_CATEGORIES)
        self.categories = [c if c.startswith("Category:") else f"Category:{c}" for c in chosen]
        self.depth = int(depth)
        self.kind = kind
        self.license = UNKNOWN
        self.wiki = ""
        self.rights: dict[str, str] = {}
        self._walked: set[str] = set()  # categories already listed: category graphs have cycles

    def api(self, **params: Any) -> str:
        return f"{self.base_url}?{urlencode({'format': 'json', 'formatversion': '2', **params})}"

    async def start(self) -> Any:
        yield self.get(self.api(action="query", meta="siteinfo", siprop="general|rightsinfo"), self.parse_siteinfo,
                       key="wikipedia:siteinfo")

    def parse_siteinfo(self, response: Response) -> Iterator[Any]:
        query = json.loads(response.body)["query"]
        self.rights = query.get("rightsinfo") or {}
        self.license = from_url(self.rights.get("url")) or from_name(self.rights.get("text")) or UNKNOWN
        self.wiki = (query.get("general") or {}).get("wikiid", "")
        for category in self.categories:
            yield from self._list(category, self.depth)

    def _list(self, category: str, depth: int, cont: dict[str, str] | None = None) -> Iterator[Any]:
        if cont is None and category in self._walked:
            return
        self._walked.add(category)
        url = self.api(action="query", list="categorymembers", cmtitle=category, cmtype="page|subcat",
                       cmlimit="500", **(cont or {}))
        yield self.get(url, self.parse_members, cb_kwargs={"category": category, "depth": depth})

    def parse_members(self, response: Response, category: str, depth: int) -> Iterator[Any]:
        data = json.loads(response.body)
        if "error" in data:
            yield self.failure(response, f"mediawiki_{data['error'].get('code', 'error')}",
                               data["error"].get("info", ""))
            return
        for member in data["query"]["categorymembers"]:
            if member["ns"] == _CATEGORY and depth > 0:
                yield from self._list(member["title"], depth - 1)
            elif member["ns"] == _PAGE:
                key = f"wikipedia:{self.wiki}:{member['pageid']}"
                if self.seen(key):
                    continue
                if refused := self.licence_refused(key, response.url, self.license):
                    yield refused
                    continue
                url = self.api(action="query", prop="extracts|info|revisions", explaintext="1",
                               exsectionformat="wiki", inprop="url", rvprop="ids|timestamp",
                               pageids=str(member["pageid"]))
                yield self.get(url, self.parse_page, key=key, cb_kwargs={"category": category})
        if "continue" in data:  # everything in it goes back as it came (cmcontinue, continue)
            yield from self._list(category, depth, cont=data["continue"])

    def parse_page(self, response: Response, category: str) -> Iterator[Any]:
        key = response.meta["key"]
        page = json.loads(response.body)["query"]["pages"][0]
        text = (page.get("extract") or "").strip()
        if page.get("missing") or not text:
            yield self.failure(response, "no_text", "page missing or empty", key=key)
            return
        revision = (page.get("revisions") or [{}])[0]
        revid = revision.get("revid") or page.get("lastrevid")
        url = page.get("fullurl") or response.url
        yield self.document(
            key, url=url, license=self.license, path=f"{page['pageid']}.txt", text=text, kind=self.kind,
            title=page["title"],
            meta={"wiki": self.wiki, "pageid": page["pageid"], "revision_id": revid, "date": revision.get("timestamp"),
                  "category": category, "language": page.get("pagelanguage"),
                  "attribution": {"url": url, "history": f"{url}?action=history", "revision_id": revid,
                                  "oldid_url": f"{url}?oldid={revid}", "rights": self.rights}},
        )
        yield UnitDone(key)
