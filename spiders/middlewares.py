"""Retries with backoff that honour Retry-After and API rate limits, and failures recorded instead of only logged.

Scrapy's RetryMiddleware re-queues a failed request at once; an API that answered 429 or 503 wants us to
wait. This subclass waits and then hands the request back to Scrapy's own retry logic (counts, priorities,
give-up logging). How long, and who waits:

- a server that asks the whole client to slow down — 429, `Retry-After`, GitHub's rate limits (403/429 with
  `X-RateLimit-Remaining: 0`: until `X-RateLimit-Reset`; a "secondary rate limit" message without
  Retry-After: GEOCORPUS_SECONDARY_LIMIT_WAIT, doubled per retry) — gets its downloader slot paused: every
  request to that host waits, requests to other hosts go on (the DownloaderAwarePriorityQueue in the
  settings feeds them first);
- a response that spends the last of the quota (`X-RateLimit-Remaining: 0` on a success) pauses the slot
  until the reset too, so the next request is not sent only to be refused;
- any other failure (500, a timeout) waits alone with exponential backoff.

Waits longer than GEOCORPUS_RETRY_AFTER_MAX (Retry-After) or GEOCORPUS_RATELIMIT_RESET_MAX (a quota reset)
are not held: the request fails and is recorded (`rate_limited`, `http_<status>`); a rerun retries it.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import CannotResolveHostError
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.utils.asyncio import call_later
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.response import response_status_message
from twisted.internet.error import DNSLookupError
from twisted.internet.task import deferLater

from geocorpus.spiders.errors import describe, rate_limit
from geocorpus.spiders.items import CrawlFailure

logger = logging.getLogger(__name__)
_RESET_MARGIN = 1.0  # seconds past X-RateLimit-Reset: the server's clock and ours differ a little


class BackoffRetryMiddleware(RetryMiddleware):
    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.backoff_base = settings.getfloat("GEOCORPUS_BACKOFF_BASE", 2.0)
        self.backoff_max = settings.getfloat("GEOCORPUS_BACKOFF_MAX", 120.0)
        self.retry_after_max = settings.getfloat("GEOCORPUS_RETRY_AFTER_MAX", 600.0)
        self.reset_max = settings.getfloat("GEOCORPUS_RATELIMIT_RESET_MAX", 3600.0)
        self.secondary_wait = settings.getfloat("GEOCORPUS_SECONDARY_LIMIT_WAIT", 60.0)
        self._paused_until: dict[str, float] = {}  # slot key → time.monotonic() when its pause ends

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        limit = rate_limit(response)
        if response.status < 400 and response.headers.get(b"X-RateLimit-Remaining") == b"0":
            wait = _until_reset(response)
            if wait is not None and wait <= self.reset_max:
                self._pause(request, wait, "quota spent (X-RateLimit-Remaining: 0)")
        if request.meta.get("dont_retry") or (response.status not in self.retry_http_codes and limit is None):
            return response
        reason = limit or response_status_message(response.status)
        if self._exhausted(request):
            return self._retry(request, reason) or response  # counts and logs the give-up
        wait = self._wait(request, response, limit)
        if wait is None:
            return response  # the server asks for a longer pause than we are willing to hold a request
        site_wide = limit is not None or response.status == 429 or b"Retry-After" in response.headers
        if not (site_wide and self._pause(request, wait, reason)):
            await sleep(wait)
        return self._retry(request, reason) or response

    async def process_exception(self, request: Request, exception: Exception) -> Request | Response | None:
        if request.meta.get("dont_retry") or not isinstance(exception, self.exceptions_to_retry):
            return None
        if isinstance(exception, (CannotResolveHostError, DNSLookupError)) and request.meta.get("retry_times", 0):
            return None  # a name that did not resolve twice will not resolve soon: fail fast when offline
        if not self._exhausted(request):
            await sleep(self._backoff(request))
        return self._retry(request, exception)

    def _exhausted(self, request: Request) -> bool:
        return request.meta.get("retry_times", 0) >= request.meta.get("max_retry_times", self.max_retry_times)

    def _backoff(self, request: Request) -> float:
        return min(self.backoff_max, self.backoff_base * 2 ** request.meta.get("retry_times", 0))

    def _wait(self, request: Request, response: Response, limit: str | None) -> float | None:
        """Seconds to wait before the next try; None when the server asks for more than we hold a request."""
        asked = _parse_retry_after(response.headers.get(b"Retry-After"))
        if asked is not None:
            return max(self._backoff(request), asked) if asked <= self.retry_after_max else None
        if limit == "rate_limit":
            reset = _until_reset(response)
            if reset is not None:
                return max(self._backoff(request), reset) if reset <= self.reset_max else None
        if limit == "secondary_rate_limit":  # GitHub: at least a minute, then exponentially longer
            return min(self.retry_after_max, self.secondary_wait * 2 ** request.meta.get("retry_times", 0))
        return self._backoff(request)

    def _pause(self, request: Request, seconds: float, reason: str) -> bool:
        """Hold every request to this request's host (its downloader slot) for `seconds`; False when the slot
        is gone (nothing is queued for that host: the caller waits alone instead)."""
        downloader = self.crawler.engine.downloader if self.crawler.engine else None
        key = request.meta.get("download_slot")
        slot = downloader.slots.get(key) if downloader and key is not None else None
        if slot is None:
            return False
        until = time.monotonic() + seconds
        if until > self._paused_until.get(key, 0.0):
            logger.info("%s from %s: pausing requests to it for %.1fs", reason, key, seconds)
            self._paused_until[key] = until
            if slot.latercall:
                slot.latercall.cancel()
            # Scrapy's own mechanism for DOWNLOAD_DELAY: while `latercall` is set, the slot's queue waits.
            slot.latercall = call_later(seconds, downloader._latercall, slot)
        return True


class RecordSpiderErrors:
    """A callback that raises (malformed XML or JSON, an unexpected record) becomes a recorded failure."""

    def process_spider_exception(self, response: Response, exception: Exception) -> list[Any]:
        reason, detail = describe(exception)
        key = response.request.meta.get("key", response.url) if response.request else response.url
        return [CrawlFailure(key=key, url=response.url, reason=reason, detail=detail)]


def _until_reset(response: Response) -> float | None:
    """Seconds until `X-RateLimit-Reset` (UTC epoch seconds) plus a margin, or None without the header."""
    value = response.headers.get(b"X-RateLimit-Reset")
    if not value or not value.strip().isdigit():
        return None
    return max(0.0, int(value) - time.time()) + _RESET_MARGIN


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
