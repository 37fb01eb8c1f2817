"""`langid`: language identification with fastText's lid.176 model (shipped in `models/`, no download).

Sets `doc.lang` (ISO 639 code, e.g. `en`, `zh`) and `scores["lang_score"]` (the model's confidence) for
every judged document, and keeps only the recipe's languages when a list is given. Code is not judged by
default: its language is Python or R, not English.
"""

from __future__ import annotations

from pydantic import Field

from geocorpus.classify.fasttext import LID_MODEL, load
from geocorpus.document import Document
from geocorpus.pipeline.registry import register_step
from geocorpus.pipeline.step import Filter, FilterParams

PREFIX = "__label__"
SAMPLE_CHARS = 5000  # lid.176 is sure of a language long before this; scoring stays fast on books


class LangidParams(FilterParams):
    kinds: list[str] | None = Field(default=["paper", "web", "qa", "book", "text"], description="not code")
    languages: list[str] | None = Field(default=None, description="keep only these (e.g. [en, zh]); null: all")
    min_score: float = Field(default=0.0, ge=0, le=1, description="drop when the model is less sure than this")


def detect(model: object, text: str) -> tuple[str, float]:
    """(language, confidence) of `text`; fastText reads one line, so newlines become spaces."""
    sample = " ".join(text[:SAMPLE_CHARS].split())
    if not sample:
        return "unknown", 0.0
    (label,), (prob,) = model.predict(sample, k=1)  # type: ignore[attr-defined]
    return label.removeprefix(PREFIX), min(float(prob), 1.0)


@register_step
class Langid(Filter):
    name = "langid"
    Params = LangidParams

    params: LangidParams

    def process(self, doc: Document) -> Document:
        if self.params.kinds is not None and doc.kind not in self.params.kinds:
            return doc
        doc.lang, confidence = detect(load(str(LID_MODEL)), doc.text)
        doc.scores["lang_score"] = confidence
        languages = self.params.languages
        if languages is not None and doc.lang not in languages:
            return doc.reject(f"{self.name}:language", doc.lang)
        if confidence < self.params.min_score:
            return doc.reject(f"{self.name}:low_score", f"{doc.lang} {confidence:.3f}")
        return doc
