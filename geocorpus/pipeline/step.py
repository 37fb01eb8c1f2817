"""The step contract: a small class that turns a stream of Documents into a stream of Documents.

A step knows nothing about shards, workers or where it runs: the runner hands it an iterator and routes
whatever comes out (documents marked with `reject()` go to `rejected/`). Parameters are a pydantic model,
so recipes are validated, defaults are listed by `geocorpus steps`, and unknown keys are errors.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from geocorpus.document import Document


class Params(BaseModel):
    """Base for every step's and source's parameters: unknown keys are errors, never ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Step:
    """A streaming step. Subclasses implement `process` (one document) or override `run` (batches)."""

    name: ClassVar[str]
    Params: ClassVar[type[Params]] = Params
    #: A step that only works on text (everything but `extract`) cannot see raw files.
    needs_text: ClassVar[bool] = True

    def __init__(self, params: Params) -> None:
        self.params = params

    def process(self, doc: Document) -> Document:
        raise NotImplementedError

    def run(self, docs: Iterable[Document]) -> Iterator[Document]:
        """Apply `process` to each document; a document that raises is rejected, the stream goes on."""
        for doc in docs:
            try:
                yield self.process(doc)
            except Exception as error:  # a bad document must never stop a build
                yield doc.reject(f"{self.name}:error", f"{type(error).__name__}: {error}")


class FilterParams(Params):
    kinds: list[str] | None = Field(
        default=None, description="only judge documents of these kinds; others pass untouched"
    )


class Filter(Step):
    """Annotate, then select: scores go to `doc.scores`, `keep` applies the recipe's thresholds.

    Because scores are always written (also on kept documents), a re-threshold needs no recomputation.
    """

    Params: ClassVar[type[Params]] = FilterParams

    def score(self, doc: Document) -> dict[str, float]:
        raise NotImplementedError

    def keep(self, scores: dict[str, float]) -> bool | tuple[bool, str]:
        raise NotImplementedError

    def process(self, doc: Document) -> Document:
        kinds = getattr(self.params, "kinds", None)
        if kinds is not None and doc.kind not in kinds:
            return doc
        scores = self.score(doc)
        doc.scores.update(scores)
        verdict = self.keep(scores)
        kept, why = (verdict, "") if isinstance(verdict, bool) else verdict
        if not kept:
            doc.reject(f"{self.name}:{why}" if why else self.name)
        return doc
