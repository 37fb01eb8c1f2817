"""`spider`: run a Scrapy spider (geocorpus.spiders) as a recipe source.

    - spider: {name: pypi_gis, args: {packages: [rasterio, shapely]}, licenses: [MIT, BSD-3-Clause], limit: 500}

The crawl runs in a subprocess (Scrapy's reactor cannot restart within a process) into a crawl store under
`cache` (relative to the recipe), one directory per spider and arguments. A finished crawl is reused by
later builds; an unfinished one (killed, or stopped at a smaller limit) is resumed, fetching only what is
not stored yet. Stored Documents carry raw bytes for `extract`; recorded failures (licence not allowed,
HTTP errors, hostile archives, ...) come out as rejected documents, so stats.json counts them by reason.
When nothing could be reached at all, the source is reported as unreachable and the build goes on.
"""

from __future__ import annotations

import hashlib
import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field

from geocorpus.document import Document, stable_id
from geocorpus.pipeline.registry import register_source
from geocorpus.pipeline.step import Params
from geocorpus.sources.base import Partition, Source, SourceUnavailable, resolve


class SpiderParams(Params):
    name: str = Field(description="spider to run: pypi_gis, arxiv, oai_pmh (see docs/spiders.md)")
    args: dict[str, str | int | float | list[str]] = Field(
        default={}, description="spider arguments (-a); lists are joined with commas")
    licenses: list[str] | None = Field(
        default=None, description="SPDX ids allowed into the corpus (default: the spiders' permissive list)")
    limit: int | None = Field(default=None, ge=1, description="stop the crawl once this many documents are stored")
    settings: dict[str, str | int | float | bool] = Field(
        default={}, description="Scrapy setting overrides (-s), e.g. CLOSESPIDER_TIMEOUT")
    cache: str = Field(default=".cache/spiders", description="where crawl stores live, relative to the recipe")
    refresh: bool = Field(default=False, description="crawl again even when a finished crawl is cached")
    label: str | None = Field(default=None, description="value of Document.source (default spider:NAME)")
    docs_per_shard: int = Field(default=256, ge=1, description="stored documents per shard task")


@register_source
class SpiderSource(Source):
    name = "spider"
    Params = SpiderParams
    yields_raw = True

    params: SpiderParams

    def problems(self) -> list[tuple[tuple[str, ...], str]]:
        from geocorpus.sources.crawl_cli import spider_names

        known = spider_names()
        if self.params.name not in known:
            return [(("name",), f"unknown spider {self.params.name!r}; use one of {', '.join(known)}")]
        return []

    def label(self) -> str:
        return self.params.label or f"spider:{self.params.name}"

    @property
    def store(self) -> Path:
        """One store per spider and arguments (the limit excluded: a larger limit resumes the same crawl)."""
        identity = json.dumps([self.params.name, self._args(), self.params.settings], sort_keys=True)
        digest = hashlib.sha256(identity.encode()).hexdigest()[:12]
        return resolve(self.base_dir, self.params.cache) / f"{self.params.name}-{digest}"

    def _args(self) -> dict[str, str]:
        args = {k: ",".join(map(str, v)) if isinstance(v, list) else str(v) for k, v in self.params.args.items()}
        if self.params.licenses is not None:
            args["licenses"] = ",".join(self.params.licenses)
        return args

    def partitions(self, limit: int | None = None) -> list[Partition]:
        from geocorpus.spiders.store import count_documents, read_failures, read_summary

        wanted = min(x for x in (limit, self.params.limit, float("inf")) if x is not None)
        cap = None if wanted == float("inf") else int(wanted)
        summary = read_summary(self.store)
        if self.params.refresh or not _covers(summary, cap) or self._nothing_reached():
            offline = self._resolve_failure()
            if offline and count_documents(self.store) == 0:
                raise SourceUnavailable(offline)
            returncode = 0 if offline else self._crawl(cap)
            stored = count_documents(self.store)
            if stored == 0:
                self._raise_if_unreachable(returncode)
        stored = min(count_documents(self.store), cap if cap is not None else float("inf"))
        parts: list[Partition] = []
        for start in range(0, int(stored), self.params.docs_per_shard):
            stop = min(start + self.params.docs_per_shard, int(stored))
            parts.append({"store": str(self.store), "start": start, "stop": stop, "items": stop - start})
        failures = len(read_failures(self.store))
        if failures:
            parts.append({"store": str(self.store), "failures": failures, "items": 0})
        return parts

    def read(self, partition: Partition) -> Iterator[Document]:
        from geocorpus.spiders.store import read_documents, read_failures

        root = Path(partition["store"])
        if "failures" in partition:
            for failure in read_failures(root)[: partition["failures"]]:
                doc = Document(id=stable_id(self.label(), failure["key"], failure["reason"]), text="", kind="text",
                               source=self.label(), url=failure["url"],
                               meta={"crawl_key": failure["key"], "spider": self.params.name})
                yield doc.reject(f"spider:{failure['reason']}", failure["detail"])
            return
        yield from read_documents(root, self.label(), partition["start"], partition["stop"])

    def _crawl(self, limit: int | None) -> int:
        """Run (or resume) the crawl in a subprocess; its Scrapy log goes to crawl.log in the store."""
        command = [sys.executable, "-m", "geocorpus.sources.crawl_cli", self.params.name, "-o", str(self.store)]
        for key, value in self._args().items():
            command += ["-a", f"{key}={value}"]
        for key, value in self.params.settings.items():
            command += ["-s", f"{key}={value}"]
        if limit is not None:
            command += ["--limit", str(limit)]
        self.store.mkdir(parents=True, exist_ok=True)
        with (self.store / "crawl.log").open("ab") as log:
            return subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, check=False).returncode

    def _resolve_failure(self) -> str | None:
        """Why the endpoint's host name cannot be resolved, if it cannot: offline, a crawl would only spend
        its retries and backoff; a cached crawl is then used as it is."""
        from scrapy.spiderloader import get_spider_loader

        from geocorpus.sources.crawl_cli import crawl_settings

        spider = get_spider_loader(crawl_settings()).load(self.params.name)
        url = str(self.params.args.get("base_url") or spider.default_base_url)
        host = urlsplit(url).hostname
        if not host:
            return None
        try:
            socket.getaddrinfo(host, None)
        except OSError as error:
            return f"cannot resolve {host} for {url} ({type(error).__name__}: {error})"
        return None

    def _nothing_reached(self) -> bool:
        """A cached crawl that stored nothing because the endpoint was unreachable is tried again."""
        from geocorpus.spiders.errors import UNREACHABLE
        from geocorpus.spiders.store import count_documents, read_failures

        failures = read_failures(self.store) if self.store.is_dir() else []
        return bool(failures) and count_documents(self.store) == 0 and all(f["reason"] == UNREACHABLE
                                                                            for f in failures)

    def _raise_if_unreachable(self, returncode: int) -> None:
        """Nothing stored: say why the source is unavailable, when it is (else an empty source is fine)."""
        from geocorpus.spiders.store import read_failures

        failures = read_failures(self.store)
        if self._nothing_reached():
            raise SourceUnavailable(f"cannot connect to {failures[0]['url']} ({failures[0]['detail']})")
        if returncode not in (0, 1):
            raise SourceUnavailable(f"the {self.params.name} crawl failed (exit {returncode}); "
                                    f"see {self.store / 'crawl.log'}")


def _covers(summary: dict[str, Any] | None, limit: int | None) -> bool:
    """Does a cached crawl already hold what this build asks for?"""
    if summary is None:
        return False
    if summary.get("finished"):
        return True
    stopped_at = summary.get("limit")
    return summary.get("reason") == "limit" and limit is not None and stopped_at is not None and stopped_at >= limit
