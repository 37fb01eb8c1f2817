"""Why a request or a page produced nothing: exceptions → the short reasons counted in failures and stats."""

from __future__ import annotations

import json

from lxml import etree
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.defer import CancelledError
from twisted.internet.error import ConnectError, DNSLookupError, TimeoutError
from twisted.web._newclient import ResponseFailed

from geocorpus.sources.archive_safe import ArchiveRejected

#: Reasons meaning "the server could not be reached at all" (as opposed to "it answered badly").
UNREACHABLE = "unreachable"
#: An API's request quota was spent and its reset lay further ahead than we wait (GitHub's X-RateLimit-*).
RATE_LIMITED = "rate_limited"
#: Failures that a later crawl run may not meet again: each run retries them and records its own.
TRANSIENT = frozenset({UNREACHABLE, "timeout", "truncated", RATE_LIMITED})


def describe(error: BaseException) -> tuple[str, str]:
    """(reason, detail) for an exception met while downloading or parsing."""
    detail = f"{type(error).__name__}: {error}".strip().rstrip(":")
    if isinstance(error, HttpError):
        return (RATE_LIMITED if rate_limit(error.response) else f"http_{error.response.status}"), detail
    if isinstance(error, IgnoreRequest):
        return ("robots_disallowed" if "robots.txt" in str(error) else "ignored"), detail
    if isinstance(error, (DownloadCancelledError, CancelledError)):
        # Scrapy cancels a download when it passes DOWNLOAD_MAXSIZE (or a request's download_maxsize).
        return "too_large", detail or "cancelled: larger than the download size cap"
    if isinstance(error, (CannotResolveHostError, DNSLookupError, DownloadConnectionRefusedError, ConnectError)):
        return UNREACHABLE, detail
    if isinstance(error, (DownloadTimeoutError, TimeoutError)):
        return "timeout", detail
    if isinstance(error, (ResponseDataLossError, ResponseFailed)):
        return "truncated", detail
    if isinstance(error, etree.XMLSyntaxError):
        return "malformed_xml", detail
    if isinstance(error, (json.JSONDecodeError, UnicodeDecodeError)):
        return "malformed_json" if isinstance(error, json.JSONDecodeError) else "bad_encoding", detail
    if isinstance(error, ArchiveRejected):
        return f"archive_{error.reason}", str(error)
    return "error", detail


def rate_limit(response: Response) -> str | None:
    """Why a 403/429 is a rate limit rather than a refusal, or None (GitHub's rules, which other APIs share):
    `rate_limit` when the quota is spent (`X-RateLimit-Remaining: 0`), `secondary_rate_limit` when the
    server says so in its message or asks for a pause with Retry-After."""
    if response.status not in (403, 429):
        return None
    if response.headers.get(b"X-RateLimit-Remaining") == b"0":
        return "rate_limit"
    if b"Retry-After" in response.headers or b"secondary rate limit" in response.body[:2000].lower():
        return "secondary_rate_limit"
    return None
