"""The one item pipeline: Documents, failures and finished units into the crawl store (see store.py).

The licence gate is here as well as in the spiders (which check before downloading): whatever a spider
yields, only allowed licences are stored; the rest is recorded as `license_not_allowed`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.utils.defer import deferred_from_coro

from geocorpus.document import Document, now_utc
from geocorpus.io.atomic import write_json
from geocorpus.spiders.base import GeoSpider
from geocorpus.spiders.items import CrawlFailure, UnitDone
from geocorpus.spiders.store import SUMMARY, CrawlStore


class StorePipeline:
    def __init__(self, crawler: Crawler) -> None:
        output = crawler.settings.get("GEOCORPUS_OUTPUT")
        if not output:
            raise ValueError("set GEOCORPUS_OUTPUT (geocorpus crawl -o DIR, or scrapy crawl -s GEOCORPUS_OUTPUT=DIR)")
        self.crawler = crawler
        self.store = CrawlStore(Path(output))
        limit = crawler.settings.get("GEOCORPUS_LIMIT")
        self.limit = int(limit) if limit not in (None, "") else None
        self.started = now_utc()
        self._closing: Any = None
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        spider = self.crawler.spider
        if not isinstance(spider, GeoSpider):
            raise TypeError(f"StorePipeline serves geocorpus spiders, not {type(spider).__name__}")
        spider.store = self.store.open()
        self._write_summary(spider, "running")
        if self.limit is not None and self.store.documents >= self.limit:
            self._stop("limit")

    def process_item(self, item: Any) -> Any:
        spider = self.crawler.spider
        assert isinstance(spider, GeoSpider)
        if self.limit is not None and self.store.documents >= self.limit and not isinstance(item, CrawlFailure):
            return item  # the crawl is closing at its limit: what is still in flight is fetched again next time
        if isinstance(item, Document):
            key = item.meta["crawl_key"]
            refused = spider.licence_refused(key, item.url or key, item.license)
            if refused is not None:
                self.store.add_failure(refused)
            elif self.store.add_document(key, item):
                self.crawler.stats.inc_value("geocorpus/documents")
                if self.limit is not None and self.store.documents >= self.limit:
                    self._stop("limit")
        elif isinstance(item, CrawlFailure):
            if self.store.add_failure(item):
                self.crawler.stats.inc_value(f"geocorpus/failures/{item.reason}")
        elif isinstance(item, UnitDone):
            self.store.mark_done(item.key)
        return item

    def spider_closed(self, spider: Spider, reason: str) -> None:
        self._write_summary(spider, reason)
        self.store.close()

    def _stop(self, reason: str) -> None:
        if self._closing is None and self.crawler.engine is not None:
            self._closing = deferred_from_coro(self.crawler.engine.close_spider_async(reason=reason))

    def _write_summary(self, spider: Spider, reason: str) -> None:
        write_json(self.store.root / SUMMARY, {
            "spider": spider.name, "reason": reason, "finished": reason == "finished", "limit": self.limit,
            "documents": self.store.documents, "new_documents": self.store.new_documents,
            "new_failures": dict(self.store.new_failures), "started": self.started.isoformat(),
            "ended": now_utc().isoformat() if reason != "running" else None,
        })
