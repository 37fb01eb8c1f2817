"""Raw bytes of a known format to (text, found): the one function the isolation worker runs.

`found` holds what the extractor learnt: `title`, `language` (a page's declared language), `license` (an
SPDX id the document states about itself) and format-specific metadata for `Document.meta`.
"""

from __future__ import annotations

from typing import Any

from geocorpus.extract.code import extract_code
from geocorpus.extract.errors import ExtractionError
from geocorpus.extract.html import extract_html
from geocorpus.extract.latex import extract_eprint, extract_latex
from geocorpus.extract.notebook import extract_notebook
from geocorpus.extract.pdf import extract_pdf
from geocorpus.extract.text import decode_text

CODE_FORMATS = {"python", "javascript", "typescript", "r", "sql", "shell", "c", "cpp", "java", "go", "rust",
                "julia", "matlab", "fortran", "yaml"}


def extract_raw(raw: bytes, fmt: str, url: str | None, path: str, settings: dict[str, Any]) -> tuple[str, dict]:
    """Text and extractor findings for raw bytes; `settings` carries the step's tuning parameters."""
    if not raw:
        raise ExtractionError("empty_file", "the file is empty")
    if fmt == "html":
        return extract_html(raw, url, mode=settings.get("html_mode", "precision"))
    if fmt == "pdf":
        return extract_pdf(raw, min_quality=settings.get("min_pdf_quality", 0.3))
    if fmt == "notebook":
        return extract_notebook(raw, path)
    if fmt == "latex":
        return extract_latex(raw)
    if fmt in ("eprint", "latex_project"):  # a LaTeX tree on disk comes packed as a tar by the source
        return extract_eprint(raw)
    if fmt in CODE_FORMATS:
        return extract_code(raw, fmt, path)
    text, encoding = decode_text(raw)
    return text, {"encoding": encoding} if encoding not in ("utf-8", "utf-8-sig") else {}
