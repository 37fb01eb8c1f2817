"""`oai_pmh`: any OAI-PMH repository (EarthArXiv on Janeway, institutional repositories, journals).

Reads the Dublin Core elements of each record (`oai_dc`, or any prefix whose records carry dc:*
elements), takes the licence from `dc:rights` (a Creative Commons URL or name), and follows the first
full-text link (a `dc:identifier`/`dc:relation` URL matching `fulltext_pattern`) to a PDF or HTML page.

    geocorpus crawl oai_pmh -a base_url=https://eartharxiv.org/api/oai/ -a from=2024-01-01 -o crawl/eartharxiv
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from lxml import etree
from scrapy.http import Response

from geocorpus.licenses import UNKNOWN, from_name
from geocorpus.spiders.oai import NS, OaiSpider, text, texts

DEFAULT_FULLTEXT = r"\.pdf($|[?#])|/download(/|$)|/bitstream/|/files/"
_DOI = re.compile(r"^(doi:|https?://(dx\.)?doi\.org/)", re.I)


class OaiPmhSpider(OaiSpider):
    """Arguments: those of OaiSpider (`base_url` is required), `fulltext_pattern` (regex for links worth
    following), `kind` (Document kind, default paper)."""

    name = "oai_pmh"

    def __init__(self, fulltext_pattern: str = DEFAULT_FULLTEXT, kind: str = "paper", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not self.base_url:
            raise ValueError("oai_pmh needs -a base_url=https://repository.example/oai")
        self.fulltext = re.compile(fulltext_pattern, re.I)
        self.kind = kind

    def parse_record(self, record: etree._Element, header: etree._Element, response: Response) -> Iterator[Any]:
        identifier = text(header, "oai:identifier", NS) or ""
        key = f"oai:{identifier}"
        if self.seen(key):
            return
        metadata = record.find("oai:metadata", NS)
        links = [u for u in texts(metadata, ".//dc:identifier", NS) + texts(metadata, ".//dc:relation", NS)
                 if u.startswith(("http://", "https://"))]
        rights = texts(metadata, ".//dc:rights", NS)
        license = next(filter(None, map(from_name, rights)), UNKNOWN)
        landing = links[0] if links else response.url
        if refused := self.licence_refused(key, landing, license):
            yield refused
            return
        target = next((u for u in links if self.fulltext.search(u)), None)
        if target is None:
            yield self.failure(landing, "no_fulltext", f"no link matches {self.fulltext.pattern}", key=key)
            return
        dois = [_DOI.sub("", d) for d in texts(metadata, ".//dc:identifier", NS) if _DOI.match(d)]
        paper = {
            "name": re.sub(r"[^A-Za-z0-9._-]+", "_", identifier)[-80:] or "record",
            "title": text(metadata, ".//dc:title", NS), "license": license,
            "meta": {"oai_identifier": identifier, "datestamp": text(header, "oai:datestamp", NS),
                     "sets": texts(header, "oai:setSpec", NS), "authors": texts(metadata, ".//dc:creator", NS),
                     "date": text(metadata, ".//dc:date", NS), "doi": dois[0] if dois else None,
                     "abstract": text(metadata, ".//dc:description", NS), "rights": rights, "landing_url": landing,
                     "repository": self.base_url},
        }
        yield self.get(target, self.parse_fulltext, key=key, cb_kwargs={"paper": paper})
