"""HTML pages to main text as Markdown (headings, lists, tables kept) with metadata and the page's licence.

trafilatura does the content extraction. We add what a training corpus needs around it: decoding that honours
the page's declared charset (see `encoding.py`), structure kept as Markdown, and the licence the page states
(`rel=license` links, Dublin Core meta tags, schema.org `license`) as an SPDX id. The page is parsed once;
the licence is read from the tree before trafilatura prunes it.
"""

from __future__ import annotations

import json
from typing import Any

from lxml.etree import XPath
from lxml.html import HtmlElement
from trafilatura import bare_extraction
from trafilatura.settings import Extractor
from trafilatura.utils import load_html
from trafilatura.xml import xmltotxt

from geocorpus.extract.encoding import declared_charset, decode_bytes
from geocorpus.licenses import from_name, from_url

# Compiled once: the four searches run on every page, and most pages state no licence, so all four run.
_REL_LINKS = XPath("//a[@href and @rel]|//link[@href and @rel]")
_META = XPath("//meta[@content]")
_MICRODATA = XPath("//@itemprop[.='license']/..")  # via the attribute axis: faster than //*[@itemprop=...]
_JSON_LD = XPath("//script[@type='application/ld+json']/text()")
_META_LICENSE_NAMES = ("dc.rights", "dcterms.license", "dc.license", "dcterms.rights", "license", "dc:rights",
                       "dcterms:license", "citation_license")
# Markdown structure, tables kept, reader comments dropped. `mode` picks trafilatura's precision/recall
# balance; "precision" scored best on real news pages with ground truth (benchmarks/extract.py).
# htmldate's extensive search (free-text dates through dateparser) costs a third of the time for few dates.
_OPTIONS = dict(output_format="markdown", with_metadata=True, formatting=True, tables=True, comments=False,
                date_params={"extensive_search": False, "original_date": True})


def extract_html(raw: bytes, url: str | None = None, mode: str = "precision") -> tuple[str, dict[str, Any]]:
    """(main text as Markdown, metadata). Metadata keys: title, authors, date, sitename, description,
    language, license (SPDX) with license_source, encoding. Empty text when there is no main content."""
    html, encoding = decode_bytes(raw, declared_charset(raw))
    meta: dict[str, Any] = {"encoding": encoding}
    tree = load_html(html)
    if tree is None:
        return "", meta
    found = page_license(tree)
    if found:
        meta["license"], meta["license_source"] = found
    language = (tree.get("lang") or "").split("-")[0].lower()
    if language.isalpha() and len(language) in (2, 3):
        meta["language"] = language
    options = Extractor(url=url, precision=mode == "precision", recall=mode == "recall", **_OPTIONS)
    document = bare_extraction(tree, options=options)
    if document is None:
        return "", meta
    for key in ("title", "date", "sitename", "description", "language"):
        value = getattr(document, key, None)
        if value:
            meta[key] = value
    if document.author:
        meta["authors"] = [name.strip() for name in document.author.split(";") if name.strip()]
    if "license" not in meta and (spdx := from_name(document.license)):
        meta["license"], meta["license_source"] = spdx, "footer"
    text = xmltotxt(document.body, include_formatting=True) if document.body is not None else ""
    return text, meta


def page_license(tree: HtmlElement) -> tuple[str, str] | None:
    """(SPDX id, where it was found) from the page's explicit licence statements, most deliberate first."""
    for element in _REL_LINKS(tree):
        if "license" in element.get("rel", "").lower().split():
            spdx = from_url(element.get("href")) or from_name(element.text_content())
            if spdx:
                return spdx, "rel=license"
    for element in _META(tree):
        name = (element.get("name") or element.get("property") or "").lower()
        if name in _META_LICENSE_NAMES:
            content = element.get("content")
            if spdx := from_name(content):
                return spdx, f"meta {name}"
    for element in _MICRODATA(tree):
        value = element.get("href") or element.get("content") or element.text_content()
        if spdx := from_name(value):
            return spdx, "schema.org microdata"
    for script in _JSON_LD(tree):
        if spdx := _json_ld_license(script):
            return spdx, "schema.org json-ld"
    return None


def _json_ld_license(script: str) -> str | None:
    """The first `license` in a JSON-LD block (a URL, a name, or an object with `url`/`@id`/`name`)."""
    try:
        stack = [json.loads(script)]
    except ValueError:
        return None
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(reversed(node))
        elif isinstance(node, dict):
            value = node.get("license")
            if isinstance(value, dict):
                value = value.get("url") or value.get("@id") or value.get("name")
            if isinstance(value, list) and value:
                value = value[0]
            if isinstance(value, str) and (spdx := from_name(value)):
                return spdx
            stack.extend(v for v in node.values() if isinstance(v, dict | list))
    return None
