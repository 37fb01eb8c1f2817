"""PDFs to text with pypdf, page by page; encrypted or unreadable files raise `ExtractionError`."""

from __future__ import annotations

import io
import logging
from typing import Any

from pypdf import PdfReader
from pypdf.errors import PdfReadError

from geocorpus.extract.errors import ExtractionError

# pypdf logs every repairable oddity as a warning; a corpus build meets thousands. Real failures raise.
logging.getLogger("pypdf").setLevel(logging.ERROR)


def extract_pdf(raw: bytes) -> tuple[str, dict[str, Any]]:
    """(text with pages separated by blank lines, metadata incl. page count and title)."""
    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted:
            raise ExtractionError("encrypted", "the PDF is encrypted")
        pages = [page.extract_text() or "" for page in reader.pages]
        info = reader.metadata or {}
    except PdfReadError as error:
        raise ExtractionError("corrupt_pdf", str(error)) from error
    meta: dict[str, Any] = {"pages": len(pages)}
    title = info.get("/Title") if hasattr(info, "get") else None
    if title:
        meta["title"] = str(title)
    text = "\n\n".join(page.strip() for page in pages if page.strip())
    if not text:
        raise ExtractionError("needs_ocr", f"no text layer on any of {len(pages)} pages")
    return text, meta
