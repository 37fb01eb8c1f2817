"""What every geocorpus spider shares: its endpoint, the licence allow-list, the store, Documents, failures.

Spider code stays about the source's format: politeness and retries are settings, writing is the item
pipeline's, and every request gets an errback so that no download failure is only a log line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import scrapy
from scrapy.downloadermiddlewares import cookies
from scrapy.http import Response
from tldextract import TLDExtract
from twisted.python.failure import Failure

from geocorpus.document import Document, now_utc, stable_id
from geocorpus.extract.formats import detect
from geocorpus.licenses import allowed
from geocorpus.spiders.errors import describe
from geocorpus.spiders.items import CrawlFailure, UnitDone
from geocorpus.spiders.store import CrawlStore

# Cookies are off (settings), but should a crawl turn them on, the cookies middleware's TLDExtract would
# download the public suffix list on first use: make it use the copy bundled with tldextract instead.
cookies._split_domain = TLDExtract(cache_dir=None, suffix_list_urls=(), include_psl_private_domains=True)


class GeoSpider(scrapy.Spider):
    """Base class. Subclasses set `name` and `default_base_url` and implement `start()` and callbacks.

    Arguments (`-a key=value`): `base_url` (the endpoint: a mirror, a test server), `licenses` (a comma
    list of SPDX ids replacing the GEOCORPUS_LICENSES setting).
    """

    default_base_url: str = ""
    kind: str | None = None  # the kind of followed full texts; None: guessed from the file type
    store: CrawlStore  # set by the StorePipeline when the spider opens

    def __init__(self, base_url: str | None = None, licenses: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.base_url = base_url or self.default_base_url  # as given: OAI-PMH base URLs may need their "/"
        self._licenses = licenses

    @property
    def allow(self) -> list[str]:
        """The SPDX ids that may enter: the `licenses` argument, else the GEOCORPUS_LICENSES setting."""
        return self._licenses.split(",") if self._licenses else self.settings.getlist("GEOCORPUS_LICENSES")

    def seen(self, key: str) -> bool:
        """Already stored (by this run or an earlier, killed one): skip it and what it would download."""
        return self.store.has(key)

    def get(self, url: str, callback: Callable[..., Any], *, key: str | None = None, **kwargs: Any) -> scrapy.Request:
        """A request whose failures (after retries) become recorded CrawlFailures keyed by `key`."""
        meta = {**kwargs.pop("meta", {}), "key": key or url}
        errback = kwargs.pop("errback", self.failed)
        return scrapy.Request(url, callback=callback, errback=errback, meta=meta, **kwargs)

    def failed(self, failure: Failure) -> Iterator[CrawlFailure]:
        request = failure.request  # type: ignore[attr-defined]
        reason, detail = describe(failure.value)
        yield CrawlFailure(key=request.meta.get("key", request.url), url=request.url, reason=reason, detail=detail)

    def failure(self, response: Response | str, reason: str, detail: str = "", key: str | None = None) -> CrawlFailure:
        url = response if isinstance(response, str) else response.url
        return CrawlFailure(key=key or url, url=url, reason=reason, detail=detail)

    def licence_refused(self, key: str, url: str, license: str) -> CrawlFailure | None:
        """A failure to yield when `license` is not on the allow-list (decided before downloading)."""
        if allowed(license, self.allow):
            return None
        return CrawlFailure(key=key, url=url, reason="license_not_allowed", detail=license)

    def document(self, key: str, *, url: str, license: str, path: str, raw: bytes | None = None, text: str = "",
                 kind: str | None = None, title: str | None = None, meta: dict[str, Any] | None = None) -> Document:
        """A Document with full provenance. `path` names the file (its suffix picks the extractor)."""
        detected = detect(path)
        fmt, guessed = detected if detected else ("text", "text")
        return Document(
            id=stable_id(self.name, key), text=text, kind=kind or guessed, source=self.name, url=url, title=title,
            license=license, retrieved_at=now_utc(), raw=raw,
            meta={"format": fmt, "path": path, "spider": self.name, "crawl_key": key, **(meta or {})},
        )

    def parse_fulltext(self, response: Response, paper: dict[str, Any]) -> Iterator[Any]:
        """A full text followed from a metadata record, stored raw for `extract`: a PDF (known by its magic
        bytes, whatever the server calls it) or an HTML page. `paper` carries the record's `name` (file stem),
        `title`, `license` and `meta`; `kind` is the spider's."""
        key = response.meta["key"]
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1").lower()
        if response.body.startswith(b"%PDF"):
            suffix = "pdf"
        elif "html" in content_type:
            suffix = "html"
        else:
            yield self.failure(response, "unsupported_fulltext", content_type or "no Content-Type", key=key)
            return
        yield self.document(key, url=response.url, license=paper["license"], path=f"{paper['name']}.{suffix}",
                            raw=response.body, kind=self.kind, title=paper["title"],
                            meta=paper["meta"])
        yield UnitDone(key)
