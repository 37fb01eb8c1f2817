"""The step contract: a small class that turns a stream of Documents into a stream of Documents.

A step knows nothing about shards, workers or where it runs: the runner hands it an iterator and routes
whatever comes out (documents marked with `reject()` go to `rejected/`). Parameters are a pydantic model,
so recipes are validated, defaults are listed by `geocorpus steps`, and unknown keys are errors.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Annotated, ClassVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo

from geocorpus.document import Document


class Params(BaseModel):
    """Base for every step's and source's parameters: unknown keys are errors, never ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _existing_file(value: str, info: ValidationInfo) -> str:
    """Resolve against the recipe's folder (given as validation context) and require the file to exist."""
    path = Path(value).expanduser()
    base = (info.context or {}).get("base_dir")
    if not path.is_absolute() and base is not None:
        path = Path(base) / path
    if not path.is_file():
        raise ValueError(f"no such file: {path}")
    return str(path.resolve())


#: A parameter naming an input file: relative to the recipe file, checked when the recipe is loaded, stored
#: absolute (so workers find it), and part of the stage fingerprint (so editing the file redoes the stage).
InputFile = Annotated[str, AfterValidator(_existing_file)]


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
