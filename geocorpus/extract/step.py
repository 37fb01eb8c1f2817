"""`extract`: raw files to text, dispatched on the format the source detected.

Documents that already carry text (JSONL, Parquet, datasets) pass through untouched, so one recipe can
mix raw files and ready-made documents.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from geocorpus.document import Document
from geocorpus.extract.errors import ExtractionError
from geocorpus.extract.html import extract_html
from geocorpus.extract.pdf import extract_pdf
from geocorpus.extract.text import decode_text, extract_notebook
from geocorpus.pipeline.registry import register_step
from geocorpus.pipeline.step import Params, Step


class ExtractParams(Params):
    min_chars: int = Field(default=1, ge=0, description="documents with less extracted text are rejected")


def extract_raw(raw: bytes, fmt: str, url: str | None) -> tuple[str, dict[str, Any]]:
    """Text and extractor metadata for raw bytes of a known format."""
    if not raw:
        raise ExtractionError("empty_file", "the file is empty")
    if fmt == "html":
        return extract_html(raw, url)
    if fmt == "pdf":
        return extract_pdf(raw)
    if fmt == "notebook":
        return extract_notebook(raw)
    text, encoding = decode_text(raw)
    return text, {"encoding": encoding} if encoding != "utf-8-sig" else {}


@register_step
class Extract(Step):
    name = "extract"
    Params = ExtractParams
    needs_text: ClassVar[bool] = False

    params: ExtractParams

    def process(self, doc: Document) -> Document:
        if doc.raw is None:
            return doc
        raw, doc.raw = doc.raw, None
        fmt = doc.meta.get("format", "text")
        try:
            text, found = extract_raw(raw, fmt, doc.url)
        except ExtractionError as error:
            return doc.reject(f"extract:{error.reason}", str(error))
        title = found.pop("title", None)
        doc.title = doc.title or title
        if fmt == "html" and found.get("language"):
            doc.lang = doc.lang or found["language"]
        doc.meta.update(found)
        doc.text = text.strip()
        if len(doc.text) < max(self.params.min_chars, 1):
            return doc.reject("extract:no_text", f"{len(doc.text)} characters extracted from {fmt}")
        return doc
