"""Per-kind thresholds: a paper is not judged like a forum page.

A filter's Params hold the default thresholds plus `by_kind`, a mapping from a document kind to the
thresholds that differ for it. Overrides are checked against the threshold names when the recipe is
validated, so a typo is a recipe error, not a silently ignored key.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field, model_validator

from geocorpus.document import Document
from geocorpus.pipeline.step import Filter, FilterParams


class KindParams(FilterParams):
    by_kind: dict[str, dict[str, Any]] = Field(
        default={}, description="kind -> thresholds that differ for it (merged over the step's own per-kind defaults)"
    )

    @model_validator(mode="after")
    def _known_overrides(self) -> KindParams:
        allowed = set(type(self).model_fields) - {"kinds", "by_kind"}
        for kind, overrides in self.by_kind.items():
            unknown = sorted(set(overrides) - allowed)
            if unknown:
                raise ValueError(f"by_kind.{kind}: unknown threshold {unknown[0]!r} (known: {sorted(allowed)})")
        return self


class KindFilter(Filter):
    """A Filter whose `keep` gets the thresholds for the document's kind (defaults merged with overrides)."""

    Params: ClassVar[type[KindParams]] = KindParams
    params: KindParams

    def __init__(self, params: KindParams) -> None:
        super().__init__(params)
        # A recipe's `by_kind` is merged over the step's own per-kind defaults, so setting one threshold
        # for papers does not silently drop the other paper defaults.
        defaults = type(params).model_fields["by_kind"].default or {}
        by_kind = {kind: {**defaults.get(kind, {}), **params.by_kind.get(kind, {})}
                   for kind in {*defaults, *params.by_kind}}
        merged = {kind: {**params.model_dump(), **over} for kind, over in by_kind.items()}
        # Validation here (not in model_copy) so an override of the wrong type fails before the build runs.
        self._by_kind = {kind: type(params).model_validate({**values, "by_kind": {}})
                         for kind, values in merged.items()}

    def thresholds(self, kind: str) -> KindParams:
        return self._by_kind.get(kind, self.params)

    def keep(self, scores: dict[str, float]) -> bool | tuple[bool, str]:
        return self.judge(scores, self.params)

    def judge(self, scores: dict[str, float], p: Any) -> bool | tuple[bool, str]:
        raise NotImplementedError

    def process(self, doc: Document) -> Document:
        kinds = self.params.kinds
        if kinds is not None and doc.kind not in kinds:
            return doc
        scores = self.score(doc)
        doc.scores.update(scores)
        verdict = self.judge(scores, self.thresholds(doc.kind))
        kept, why = (verdict, "") if isinstance(verdict, bool) else verdict
        if not kept:
            doc.reject(f"{self.name}:{why}" if why else self.name)
        return doc


def first_failure(checks: tuple[tuple[bool, str], ...]) -> bool | tuple[bool, str]:
    """The verdict for a list of (passed, reason) checks: the first failing reason, or True."""
    for passed, reason in checks:
        if not passed:
            return False, reason
    return True
