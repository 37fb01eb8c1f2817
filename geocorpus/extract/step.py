"""`extract`: raw files to text, dispatched on the format the source detected, in a killable worker.

Documents that already carry text (JSONL, Parquet, datasets) pass through untouched, so one recipe can
mix raw files and ready-made documents. Extraction runs in a child process with a per-document time limit
and a memory cap (`isolation.py`), so a hostile file is rejected (`extract:timeout`, `extract:memory`)
instead of hanging or killing the build.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from geocorpus.document import Document
from geocorpus.extract.dispatch import extract_raw
from geocorpus.extract.errors import ExtractionError
from geocorpus.extract.isolation import IsolatedWorker
from geocorpus.pipeline.registry import register_step
from geocorpus.pipeline.step import Params, Step

_TARGET = "geocorpus.extract.dispatch:extract_raw"


class ExtractParams(Params):
    min_chars: int = Field(default=1, ge=0, description="documents with less extracted text are rejected")
    timeout_s: float = Field(default=120.0, gt=0, description="per-document time limit (extract:timeout)")
    max_memory_mb: int = Field(default=2048, ge=256, description="worker address-space cap (extract:memory)")
    isolate: bool = Field(default=True, description="run extractors in a killable worker process "
                                                    "(off: in-process, no time/memory limits; for debugging)")
    html_mode: Literal["precision", "balanced", "recall"] = Field(
        default="precision", description="trafilatura's trade-off between boilerplate left in and text lost")
    min_pdf_quality: float = Field(default=0.3, ge=0, le=1,
                                   description="PDFs whose text layer scores lower are rejected as needs_ocr")


@register_step
class Extract(Step):
    name = "extract"
    Params = ExtractParams
    needs_text: ClassVar[bool] = False

    params: ExtractParams

    def __init__(self, params: ExtractParams) -> None:
        super().__init__(params)
        self._worker = IsolatedWorker(params.timeout_s, params.max_memory_mb) if params.isolate else None
        self._settings = {"html_mode": params.html_mode, "min_pdf_quality": params.min_pdf_quality}

    def close(self) -> None:
        """Stop the worker process now (it also ends on its own when this process exits)."""
        if self._worker is not None:
            self._worker.close()

    def _extract(self, raw: bytes, fmt: str, url: str | None, path: str) -> tuple[str, dict[str, Any]]:
        if self._worker is None:
            return extract_raw(raw, fmt, url, path, self._settings)
        return self._worker.call(_TARGET, raw, fmt, url, path, self._settings)

    def process(self, doc: Document) -> Document:
        if doc.raw is None:
            return doc
        raw, doc.raw = doc.raw, None
        fmt = doc.meta.get("format", "text")
        try:
            text, found = self._extract(raw, fmt, doc.url, str(doc.meta.get("path", "")))
        except ExtractionError as error:
            return doc.reject(f"extract:{error.reason}", str(error))
        title = found.pop("title", None)
        doc.title = doc.title or title
        language = found.pop("language", None) if fmt == "html" else None
        doc.lang = doc.lang or language
        # precedence: the manifest or the recipe, then the file's own header, then its package's LICENSE file
        stated = found.pop("license", None)
        if stated:
            found["stated_license"] = stated
            if doc.license == "unknown":
                doc.license = stated
        elif doc.license == "unknown" and doc.meta.get("package_license"):
            doc.license = doc.meta["package_license"]
            found["license_source"] = "package"
        doc.meta.update(found)
        doc.text = text.strip()
        if len(doc.text) < max(self.params.min_chars, 1):
            return doc.reject("extract:no_text", f"{len(doc.text)} characters extracted from {fmt}")
        return doc
