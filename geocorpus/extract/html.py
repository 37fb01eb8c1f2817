"""HTML pages to main text with trafilatura; its own decoding handles the page's declared encoding."""

from __future__ import annotations

from typing import Any

import trafilatura


def extract_html(raw: bytes, url: str | None = None) -> tuple[str, dict[str, Any]]:
    """(main text, metadata) of a page; empty text when trafilatura finds no main content."""
    result = trafilatura.bare_extraction(
        raw, url=url, with_metadata=True, include_tables=True, include_comments=False
    )
    if result is None:
        return "", {}
    meta = {
        key: getattr(result, key)
        for key in ("title", "author", "date", "sitename", "description", "language", "license")
        if getattr(result, key, None)
    }
    return result.text or "", meta
