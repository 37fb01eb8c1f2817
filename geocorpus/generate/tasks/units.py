"""The two kinds of units tasks work on: literature passages and code snippets.

`PassageTask` serves GeoSignal-style tasks and MCQ (prose kinds), `CodeTask` serves GeoCode-SFT-style tasks
and code-generation eval items (`kind: code`). Each turns a document into its units, samples `per_document`
of them by seed, and fills the template placeholders.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, model_validator

from geocorpus.document import Document, stable_id
from geocorpus.generate.tasks.base import Task, TaskParams, Unit
from geocorpus.generate.tasks.categories import field_list
from geocorpus.generate.tasks.code_chunks import split_code
from geocorpus.generate.tasks.passages import detect_lang, sample, split_passages

PROSE_KINDS = ("paper", "web", "book", "text")


class PassageParams(TaskParams):
    words: int = Field(default=300, ge=20, description="passage size in words (CJK: characters), cut at "
                       "paragraph boundaries")
    min_words: int = Field(default=80, ge=1, description="shorter passages are not used")

    variables: ClassVar[frozenset[str]] = frozenset({"passage", "title", "categories"})

    @model_validator(mode="after")
    def _sizes(self) -> PassageParams:
        if self.min_words > self.words:
            raise ValueError(f"min_words ({self.min_words}) is larger than words ({self.words})")
        return self


class PassageTask(Task):
    kinds: ClassVar[tuple[str, ...]] = PROSE_KINDS
    Params: ClassVar[type[TaskParams]] = PassageParams

    def units(self, doc: Document) -> list[Unit]:
        params = self.params
        assert isinstance(params, PassageParams)
        passages = split_passages(doc.text, params.words, params.min_words)
        chosen = sample(passages, params.per_document, str(self.seed), self.name, doc.id)
        lang = self.lang_of(detect_lang(doc.text, doc.lang))
        title = (doc.title or "").strip() or "an untitled document"
        return [
            Unit(id=stable_id(doc.id, "passage", str(params.words), str(params.min_words), str(index)), doc=doc,
                 text=text, lang=lang, variables={"passage": text, "title": title, "categories": field_list()},
                 meta={"passage_index": index})
            for index, text in chosen
        ]


class CodeParams(TaskParams):
    max_lines: int = Field(default=60, ge=5, description="longest snippet (a longer function is cut)")
    min_lines: int = Field(default=5, ge=1, description="shorter snippets are not used")
    languages: list[str] | None = Field(default=None, description="source languages read (meta.language), "
                                        "e.g. [python]; null: all")

    variables: ClassVar[frozenset[str]] = frozenset({"code", "language", "libs", "apis"})


class CodeTask(Task):
    kinds: ClassVar[tuple[str, ...]] = ("code",)
    Params: ClassVar[type[TaskParams]] = CodeParams
    #: only snippets that call GIS library functions (API Q&A needs them)
    needs_calls: ClassVar[bool] = False

    def units(self, doc: Document) -> list[Unit]:
        params = self.params
        assert isinstance(params, CodeParams)
        language = str(doc.meta.get("language") or "text").lower()
        if params.languages is not None and language not in params.languages:
            return []
        libs = [str(lib) for lib in doc.meta.get("gis_libs") or []]
        snippets = [s for s in split_code(doc.text, language, libs, params.max_lines, params.min_lines)
                    if s.calls or not self.needs_calls]
        chosen = sample(snippets, params.per_document, str(self.seed), self.name, doc.id)
        lang = self.lang_of(detect_lang(doc.text, doc.lang))
        return [
            Unit(id=stable_id(doc.id, "code", str(params.max_lines), str(index)), doc=doc, text=snippet.code,
                 lang=lang,
                 variables={"code": snippet.code, "language": language, "libs": ", ".join(libs) or "no GIS library",
                            "apis": ", ".join(snippet.calls[:12])},
                 meta={"language": language, "gis_libs": libs, "snippet": snippet.name, "apis": snippet.calls})
            for index, snippet in chosen
        ]
