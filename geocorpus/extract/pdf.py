"""PDFs to clean text with pypdf: page text, then the scholarly cleanup of `pdf_clean`.

Every way a PDF can be unusable ends in a reasoned rejection instead of an exception: encrypted with a
password we do not have (`encrypted`), unreadable structure (`corrupt_pdf`), no text layer or only garbage
in it (`needs_ocr`, so an OCR stage can pick these files up later). A PDF that makes pypdf loop or eat
memory is stopped by the isolation worker around us (`timeout`, `memory`).
"""

from __future__ import annotations

import io
import logging
import statistics
from typing import Any

from pypdf import PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError

from geocorpus.extract.errors import ExtractionError
from geocorpus.extract.pdf_clean import clean_pages, page_quality

# pypdf logs every repairable oddity as a warning; a corpus build meets thousands. Real failures raise.
logging.getLogger("pypdf").setLevel(logging.ERROR)


def read_pages(raw: bytes) -> tuple[list[str], PdfReader]:
    """Raw text of every page. pypdf raises all kinds of exceptions on broken files: all mean corrupt."""
    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted:
            _decrypt(reader)
        return [_page_text(page) for page in reader.pages], reader
    except ExtractionError:
        raise
    except RecursionError as error:  # a cyclic page tree
        raise ExtractionError("corrupt_pdf", "cyclic or too deeply nested page tree") from error
    except Exception as error:
        raise ExtractionError("corrupt_pdf", f"{type(error).__name__}: {error}") from error


def _decrypt(reader: PdfReader) -> None:
    """Open PDFs that are encrypted only against editing (empty user password); others are refused."""
    try:
        if reader.decrypt(""):
            return
    except (DependencyError, FileNotDecryptedError, PdfReadError, NotImplementedError) as error:
        raise ExtractionError("encrypted", f"the PDF is encrypted and cannot be opened: {error}") from error
    raise ExtractionError("encrypted", "the PDF is encrypted with a password")


def _page_text(page: Any) -> str:
    try:
        return page.extract_text() or ""
    except RecursionError:
        raise
    except Exception:
        return ""


def extract_pdf(raw: bytes, min_quality: float = 0.3) -> tuple[str, dict[str, Any]]:
    """(clean text, metadata: pages, title, page_quality, references, captions, cleanup counts)."""
    pages, reader = read_pages(raw)
    if not any(page.strip() for page in pages):
        raise ExtractionError("needs_ocr", f"no text layer on any of {len(pages)} pages")
    quality = [page_quality(page) for page in pages]
    mean = round(statistics.fmean(q for q, page in zip(quality, pages, strict=True) if page.strip()), 3)
    if mean < min_quality:
        raise ExtractionError("needs_ocr", f"text layer is unreadable (quality {mean} < {min_quality})")
    cleaned = clean_pages(pages)
    meta: dict[str, Any] = {
        "pages": len(pages), "page_quality": quality, "pdf_quality": mean,
        "pages_without_text": sum(1 for page in pages if not page.strip()),
        "captions": cleaned.captions, "running_lines_removed": cleaned.headers_removed,
        "hyphens_joined": cleaned.hyphens_joined,
    }
    if cleaned.references:
        meta["references"] = cleaned.references
    title = _title(reader)
    if title:
        meta["title"] = title
    return cleaned.text, meta


def _title(reader: PdfReader) -> str | None:
    try:
        info = reader.metadata
        title = info.get("/Title") if info else None
    except Exception:
        return None
    return str(title).strip() or None if title else None
