"""`arxiv`: geoscience papers from arXiv's OAI-PMH interface (metadataPrefix=arXiv, which carries the licence).

For each record in the chosen sets whose licence is allowed, the full text comes from the e-print (the
LaTeX source: the main .tex with its \\input files inlined) and, where there is no source or it cannot be
used, from the PDF; where neither can be had (withdrawn, 404, not a PDF, too large) the title and abstract
are kept as the paper's Document (`fulltext_from: abstract`, with the reason), so a paper is never lost
for want of its full text; a transient failure (timeout, truncated) is recorded instead, for a rerun to
try again. Raw .tex/.pdf bytes go to the `extract` step. arXiv's own default licence
(`LicenseRef-arxiv-nonexclusive-distrib-1.0`) does not permit redistribution, so by default only
CC-licensed papers enter; the others are recorded as license_not_allowed without downloading anything.

    geocorpus crawl arxiv -a sets=physics:physics:geo-ph -a from=2024-01-01 -o crawl/arxiv
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from lxml import etree
from scrapy.http import Response
from twisted.python.failure import Failure

from geocorpus.licenses import UNKNOWN, from_url
from geocorpus.sources.archive_safe import gunzip, read_archive
from geocorpus.spiders.errors import TRANSIENT, describe
from geocorpus.spiders.items import UnitDone
from geocorpus.spiders.oai import NS, OaiSpider, text, texts

ARXIV = {"a": "http://arxiv.org/OAI/arXiv/"}
# Sets are group:archive:category in arXiv's OAI (physics.geo-ph → physics:physics:geo-ph).
GEO_SETS = ("physics:physics:geo-ph", "physics:physics:ao-ph", "physics:astro-ph:EP")
_INPUT = re.compile(rb"\\(?:input|include)\s*\{([^}]+)\}")


class ArxivSpider(OaiSpider):
    """Arguments: those of OaiSpider, plus `categories` (comma list: keep only records listing one of
    them, e.g. physics.geo-ph), `fulltext_base` (where /e-print/ID and /pdf/ID live) and `fulltext`
    (`eprint` = source then PDF, `pdf`, or `none`: title and abstract only)."""

    name = "arxiv"
    default_base_url = "https://oaipmh.arxiv.org/oai"
    default_metadata_prefix = "arXiv"
    default_sets = GEO_SETS

    def __init__(self, categories: str | None = None, fulltext_base: str = "https://arxiv.org",
                 fulltext: str = "eprint", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.categories = {c.strip() for c in categories.split(",") if c.strip()} if categories else set()
        self.fulltext_base = fulltext_base.rstrip("/")
        if fulltext not in ("eprint", "pdf", "none"):
            raise ValueError(f"fulltext must be eprint, pdf or none, not {fulltext!r}")
        self.fulltext = fulltext

    def parse_record(self, record: etree._Element, header: etree._Element, response: Response) -> Iterator[Any]:
        meta = record.find("oai:metadata/a:arXiv", {**ARXIV, **NS})
        arxiv_id = text(meta, "a:id", ARXIV)
        if meta is None or not arxiv_id:
            yield self.failure(response, "bad_record", "no arXiv metadata with an id",
                               key=text(header, "oai:identifier", NS) or response.url)
            return
        key = f"arxiv:{arxiv_id}"
        categories = (text(meta, "a:categories", ARXIV) or "").split()
        if self.categories and not self.categories.intersection(categories):
            return
        if self.seen(key):
            return
        abs_url = f"https://arxiv.org/abs/{arxiv_id}"
        license = from_url(text(meta, "a:license", ARXIV)) or UNKNOWN
        if refused := self.licence_refused(key, abs_url, license):
            yield refused
            return
        paper = {
            "title": text(meta, "a:title", ARXIV), "license": license,
            "meta": {
                "arxiv_id": arxiv_id, "doi": text(meta, "a:doi", ARXIV), "categories": categories,
                "authors": [" ".join(filter(None, (a.findtext("a:forenames", None, ARXIV),
                                                   a.findtext("a:keyname", None, ARXIV),
                                                   a.findtext("a:suffix", None, ARXIV))))
                            for a in meta.iterfind("a:authors/a:author", ARXIV)],
                "date": text(meta, "a:updated", ARXIV) or text(meta, "a:created", ARXIV),
                "created": text(meta, "a:created", ARXIV), "datestamp": text(header, "oai:datestamp", NS),
                "sets": texts(header, "oai:setSpec", NS), "journal_ref": text(meta, "a:journal-ref", ARXIV),
                "abstract": text(meta, "a:abstract", ARXIV), "abs_url": abs_url,
                "license_url": text(meta, "a:license", ARXIV),
            },
        }
        if self.fulltext == "none":
            yield from self._abstract(key, paper, "fulltext=none")
        elif self.fulltext == "pdf":
            yield self._pdf_request(key, arxiv_id, paper)
        else:
            yield self.get(f"{self.fulltext_base}/e-print/{arxiv_id}", self.parse_eprint, key=key,
                           errback=self.eprint_failed, cb_kwargs={"paper": paper})

    def parse_eprint(self, response: Response, paper: dict[str, Any]) -> Iterator[Any]:
        body = response.body
        key = response.meta["key"]
        if body.startswith(b"%PDF"):  # PDF-only submissions: the e-print is the PDF
            yield self._paper(key, response.url, body, "pdf", paper, "eprint-pdf")
        elif body.startswith(b"\x1f\x8b"):
            unpacked = gunzip(body)
            if unpacked[257:262] == b"ustar":
                contents = read_archive(unpacked, lambda name: name.lower().endswith(".tex"))
                source = main_tex(contents.members)
            else:
                source = unpacked if b"\\begin{document}" in unpacked else None
            if source is None:  # a source we cannot read as LaTeX (e.g. only figures): fall back to the PDF
                yield self._pdf_request(key, paper["meta"]["arxiv_id"], paper)
                return
            yield self._paper(key, response.url, source, "tex", paper, "eprint-latex")
        else:
            yield self._pdf_request(key, paper["meta"]["arxiv_id"], paper)
            return
        yield UnitDone(key)

    def eprint_failed(self, failure: Failure) -> Iterator[Any]:
        """No usable e-print (withdrawn source, 403, too large): the PDF is the next best full text."""
        request = failure.request  # type: ignore[attr-defined]
        yield from self.failed(failure)
        paper = request.cb_kwargs["paper"]
        yield self._pdf_request(request.meta["key"], paper["meta"]["arxiv_id"], paper)

    def parse_pdf(self, response: Response, paper: dict[str, Any]) -> Iterator[Any]:
        if not response.body.startswith(b"%PDF"):
            content_type = response.headers.get(b"Content-Type", b"").decode("latin-1")
            yield from self._abstract(response.meta["key"], paper, f"not_a_pdf: {content_type}")
            return
        yield self._paper(response.meta["key"], response.url, response.body, "pdf", paper, "pdf")
        yield UnitDone(response.meta["key"])

    def pdf_failed(self, failure: Failure) -> Iterator[Any]:
        """No PDF either: keep the abstract, unless the failure may pass (then a rerun tries again)."""
        request = failure.request  # type: ignore[attr-defined]
        reason, detail = describe(failure.value)
        if reason in TRANSIENT:
            yield from self.failed(failure)
            return
        yield from self._abstract(request.meta["key"], request.cb_kwargs["paper"], f"{reason}: {detail}")

    def _abstract(self, key: str, paper: dict[str, Any], why: str) -> Iterator[Any]:
        """The paper as its title and abstract: what there is when no full text can be had."""
        meta = paper["meta"]
        if not meta.get("abstract"):
            yield self.failure(meta["abs_url"], "no_fulltext", why, key=key)
            return
        yield self.document(key, url=meta["abs_url"], license=paper["license"],
                            path=f"{meta['arxiv_id'].replace('/', '_')}.txt", kind="paper", title=paper["title"],
                            text=f"{paper['title']}\n\n{meta['abstract']}",
                            meta={**meta, "fulltext_from": "abstract", "fulltext_error": why[:500]})
        yield UnitDone(key)

    def _pdf_request(self, key: str, arxiv_id: str, paper: dict[str, Any]) -> Any:
        return self.get(f"{self.fulltext_base}/pdf/{arxiv_id}", self.parse_pdf, key=key, cb_kwargs={"paper": paper},
                        errback=self.pdf_failed, dont_filter=True)

    def _paper(self, key: str, url: str, raw: bytes, suffix: str, paper: dict[str, Any], origin: str) -> Any:
        arxiv_id = paper["meta"]["arxiv_id"]
        return self.document(key, url=url, license=paper["license"], path=f"{arxiv_id.replace('/', '_')}.{suffix}",
                             raw=raw, kind="paper", title=paper["title"],
                             meta={**paper["meta"], "fulltext_from": origin})


def main_tex(files: dict[str, bytes], depth: int = 5) -> bytes | None:
    """The main LaTeX file (the largest with \\documentclass) with its \\input/\\include files inlined."""
    files = {name.removeprefix("./"): body for name, body in files.items()}
    mains = [name for name, body in files.items() if b"\\documentclass" in body]
    if not mains:
        return None
    main = max(mains, key=lambda name: len(files[name]))

    def inline(match: re.Match[bytes], level: int) -> bytes:
        target = match.group(1).strip().decode("utf-8", "replace")
        for name in (target, f"{target}.tex"):
            if name in files and level < depth:
                return _INPUT.sub(lambda m: inline(m, level + 1), files[name])
        return match.group(0)

    return _INPUT.sub(lambda m: inline(m, 0), files[main])
