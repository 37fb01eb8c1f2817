"""Scrapy settings for every geocorpus spider: politeness and robustness live here, not in spider code.

Used by `geocorpus crawl` and by `scrapy crawl` (with `SCRAPY_SETTINGS_MODULE=geocorpus.spiders.settings`).
Any of them can be overridden per crawl with `-s NAME=VALUE`; the `GEOCORPUS_*` ones are ours.
"""

from __future__ import annotations

import os

from geocorpus import __version__

BOT_NAME = "geocorpus"
SPIDER_MODULES = ["geocorpus.spiders"]

# Who we are and how to reach us: site operators block anonymous bulk crawlers, and rightly so.
GEOCORPUS_CONTACT = os.environ.get("GEOCORPUS_CONTACT", "unset; crawl operators: set GEOCORPUS_CONTACT")
USER_AGENT = f"geocorpus/{__version__} (LLM training-data research crawler; contact: {GEOCORPUS_CONTACT})"

# Politeness: robots.txt, few parallel requests per site, AutoThrottle adapts the delay to the server.
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# Robustness: transient failures are retried with exponential backoff, 429 waits as long as Retry-After
# says (up to GEOCORPUS_RETRY_AFTER_MAX; longer waits give up and are recorded as failures). A server that
# asks us to slow down (429, Retry-After, API rate limits) pauses only its own host: see middlewares.py.
RETRY_ENABLED = True
RETRY_TIMES = 4
RETRY_HTTP_CODES = [408, 429, 500, 502, 503, 504, 522, 524]
GEOCORPUS_BACKOFF_BASE = 2.0  # seconds before the first retry; doubled for each further one
GEOCORPUS_BACKOFF_MAX = 120.0
GEOCORPUS_RETRY_AFTER_MAX = 600.0
GEOCORPUS_RATELIMIT_RESET_MAX = 3600.0  # longest wait for an API quota to reset (GitHub's is hourly)
GEOCORPUS_SECONDARY_LIMIT_WAIT = 60.0  # GitHub's advice when a secondary rate limit names no Retry-After
# Requests for hosts with the least in flight go first, so a paused host does not hold up the others.
SCHEDULER_PRIORITY_QUEUE = "scrapy.pqueues.DownloaderAwarePriorityQueue"
DOWNLOAD_TIMEOUT = 60
DOWNLOAD_MAXSIZE = 50 * 1024 * 1024  # larger responses (a 200 MB PDF) are cancelled and recorded as too_large
DOWNLOAD_WARNSIZE = 10 * 1024 * 1024
DOWNLOAD_FAIL_ON_DATALOSS = True  # a body shorter than its Content-Length is an error, never a silent stub

# APIs need no cookies, and the cookies middleware asks tldextract for the public suffix list, which
# downloads it on first use: off, so a crawl talks to nobody but the site it crawls.
COOKIES_ENABLED = False

# No listening ports: a crawl is a client only (the telnet console and the remote-control server are off).
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "geocorpus.spiders.middlewares.BackoffRetryMiddleware": 550,
}
SPIDER_MIDDLEWARES = {"geocorpus.spiders.middlewares.RecordSpiderErrors": 10}
ITEM_PIPELINES = {"geocorpus.spiders.pipelines.StorePipeline": 300}

# Where the crawl writes (see geocorpus.spiders.store) and when it stops: set by `geocorpus crawl -o/--limit`.
GEOCORPUS_OUTPUT = None
GEOCORPUS_LIMIT = None
# SPDX ids (and LicenseRef-*) that may enter the corpus; anything else is recorded as license_not_allowed.
GEOCORPUS_LICENSES = [
    "CC0-1.0", "CC-BY-4.0", "CC-BY-3.0", "CC-BY-2.0", "CC-BY-SA-4.0", "CC-BY-SA-3.0", "PDDL-1.0", "ODC-By-1.0",
    "MIT", "MIT-0", "BSD-2-Clause", "BSD-3-Clause", "LicenseRef-BSD-unspecified", "ISC", "Apache-2.0", "Zlib",
    "Unlicense", "PSF-2.0",
    "MPL-2.0", "LGPL-2.1-only", "LGPL-2.1-or-later", "LGPL-3.0-only", "LGPL-3.0-or-later",
    "GPL-2.0-only", "GPL-2.0-or-later", "GPL-3.0-only", "GPL-3.0-or-later", "AGPL-3.0-only", "AGPL-3.0-or-later",
    "EPL-2.0", "BSL-1.0", "Artistic-2.0",
]

LOG_LEVEL = "INFO"
