"""OAI-PMH 2.0 harvesting (ListRecords, resumption tokens, sets, from/until), shared by `arxiv` and `oai_pmh`.

Protocol: http://www.openarchives.org/OAI/openarchivesprotocol.html. A list request carries verb,
metadataPrefix and optional set/from/until; each following page carries only the resumptionToken the
previous one returned; an empty token ends the list. `noRecordsMatch` is an empty list, not an error.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from lxml import etree
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.http import Response

from geocorpus.spiders.base import GeoSpider

OAI = "http://www.openarchives.org/OAI/2.0/"
DC = "http://purl.org/dc/elements/1.1/"
NS = {"oai": OAI, "dc": DC}

# No DTDs, no external entities, no network: a harvested page is data, never instructions to the parser.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


class OaiSpider(GeoSpider):
    """Walks ListRecords for each set; subclasses turn one `<record>` into items with `parse_record`.

    Arguments: `metadata_prefix`, `sets` (comma list; none = the whole repository), `from`, `until`
    (dates as the repository's granularity allows, e.g. 2024-01-31).
    """

    default_metadata_prefix = "oai_dc"
    default_sets: tuple[str, ...] = ()

    def __init__(self, metadata_prefix: str | None = None, sets: str | None = None, until: str | None = None,
                 **kwargs: Any) -> None:
        self.date_from = kwargs.pop("from", None)  # `from` is a Python keyword, so it arrives in kwargs
        super().__init__(**kwargs)
        self.metadata_prefix = metadata_prefix or self.default_metadata_prefix
        self.sets = [s.strip() for s in sets.split(",") if s.strip()] if sets else list(self.default_sets)
        self.date_until = until

    async def start(self) -> Any:
        for oai_set in self.sets or [None]:
            query = {"verb": "ListRecords", "metadataPrefix": self.metadata_prefix, "set": oai_set,
                     "from": self.date_from, "until": self.date_until}
            url = f"{self.base_url}?{urlencode({k: v for k, v in query.items() if v})}"
            yield self.get(url, self.parse_list)

    def parse_list(self, response: Response) -> Iterator[Any]:
        try:
            root = etree.fromstring(response.body, _PARSER)
        except etree.XMLSyntaxError:
            # A page cut short by a proxy parses badly too: ask again before recording it as malformed.
            retry = get_retry_request(response.request, spider=self, reason="malformed_xml")
            if retry is None:
                raise
            yield retry
            return
        for error in root.iterfind("oai:error", NS):
            code = error.get("code", "unknown")
            if code != "noRecordsMatch":
                yield self.failure(response, f"oai_{code}", (error.text or "").strip())
        for record in root.iterfind("oai:ListRecords/oai:record", NS):
            header = record.find("oai:header", NS)
            if header is None or header.get("status") == "deleted":
                continue
            yield from self.parse_record(record, header, response)
        token = root.findtext("oai:ListRecords/oai:resumptionToken", default="", namespaces=NS).strip()
        if token:
            query = urlencode({"verb": "ListRecords", "resumptionToken": token})
            yield self.get(f"{self.base_url}?{query}", self.parse_list)

    def parse_record(self, record: etree._Element, header: etree._Element, response: Response) -> Iterator[Any]:
        raise NotImplementedError


def text(element: etree._Element | None, path: str, namespaces: dict[str, str]) -> str | None:
    """Whitespace-normalised text of the first match, None when absent or empty."""
    if element is None:
        return None
    found = element.findtext(path, namespaces=namespaces)
    return " ".join(found.split()) or None if found else None


def texts(element: etree._Element | None, path: str, namespaces: dict[str, str]) -> list[str]:
    if element is None:
        return []
    return [" ".join(e.text.split()) for e in element.iterfind(path, namespaces) if e.text and e.text.strip()]
