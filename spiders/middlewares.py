"""Retries with backoff that honour Retry-After, and failures recorded instead of only logged.

Scrapy's RetryMiddleware re-queues a failed request at once; an API that answered 429 or 503 wants us to
wait. This subclass waits — `Retry-After` when the server sent one, else exponential backoff — and then
hands the request back to Scrapy's own retry logic (counts, priorities, give-up logging).
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import CannotResolveHostError
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.response import response_status_message
from twisted.internet.error import DNSLookupError
from twisted.internet.task import deferLater

from geocorpus.spiders.errors import describe
from geocorpus.spiders.items import CrawlFailure


class BackoffRetryMiddleware(RetryMiddleware):
    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.backoff_base = settings.getfloat("GEOCORPUS_BACKOFF_BASE", 2.0)
        self.backoff_max = settings.getfloat("GEOCORPUS_BACKOFF_MAX", 120.0)
        self.retry_after_max = settings.getfloat("GEOCORPUS_RETRY_AFTER_MAX", 600.0)

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        if request.meta.get("dont_retry") or response.status not in self.retry_http_codes:
            return response
        reason = response_status_message(response.status)
        if self._exhausted(request):
            return self._retry(request, reason) or response  # counts and logs the give-up
        wait = self._wait(request, response.headers.get(b"Retry-After"))
        if wait is None:
            return response  # the server asks for a longer pause than we are willing to hold a request
        await sleep(wait)
        return self._retry(request, reason) or response

    async def process_exception(self, request: Request, exception: Exception) -> Request | Response | None:
        if request.meta.get("dont_retry") or not isinstance(exception, self.exceptions_to_retry):
            return None
        if isinstance(exception, (CannotResolveHostError, DNSLookupError)) and request.meta.get("retry_times", 0):
            return None  # a name that did not resolve twice will not resolve soon: fail fast when offline
        if not self._exhausted(request):
            await sleep(self._wait(request, None) or 0.0)
        return self._retry(request, exception)

    def _exhausted(self, request: Request) -> bool:
        return request.meta.get("retry_times", 0) >= request.meta.get("max_retry_times", self.max_retry_times)

    def _wait(self, request: Request, retry_after: bytes | None) -> float | None:
        """Seconds to wait before the next try; None when Retry-After exceeds GEOCORPUS_RETRY_AFTER_MAX."""
        backoff = min(self.backoff_max, self.backoff_base * 2 ** request.meta.get("retry_times", 0))
        asked = _parse_retry_after(retry_after)
        if asked is not None and asked > self.retry_after_max:
            return None
        return max(backoff, asked or 0.0)


class RecordSpiderErrors:
    """A callback that raises (malformed XML or JSON, an unexpected record) becomes a recorded failure."""

    def process_spider_exception(self, response: Response, exception: Exception) -> list[Any]:
        reason, detail = describe(exception)
        key = response.request.meta.get("key", response.url) if response.request else response.url
        return [CrawlFailure(key=key, url=response.url, reason=reason, detail=detail)]


def _parse_retry_after(value: bytes | None) -> float | None:
    """Retry-After is either delay-seconds or an HTTP-date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


async def sleep(seconds: float) -> None:
    """Wait without blocking the reactor (other requests go on meanwhile)."""
    from twisted.internet import reactor  # imported late: importing it early would install the wrong reactor

    if seconds > 0:
        await maybe_deferred_to_future(deferLater(reactor, seconds, lambda: None))
