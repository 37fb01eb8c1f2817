"""`geo_score`: how geoscientific a document is, from the fastText classifier (shipped or your own).

Writes `scores["geo_score"]` (P(geoscience), 0..1) for every judged document; `min_score` is the
recipe's threshold. Code is not judged by default: `gis_relevance` decides for code from its imports.
"""

from __future__ import annotations

from pydantic import Field

from geocorpus.classify.fasttext import GEO_MODEL, geo_scores, load
from geocorpus.document import Document
from geocorpus.pipeline.registry import register_step
from geocorpus.pipeline.step import Filter, FilterParams, InputFile


class GeoScoreParams(FilterParams):
    kinds: list[str] | None = Field(default=["paper", "web", "qa", "book", "text"], description="not code")
    model: InputFile | None = Field(default=None, description="fastText model file (relative to the recipe); "
                                                               "null: the shipped model")
    min_score: float = Field(default=0.5, ge=0, le=1, description="drop documents scoring below this")


@register_step
class GeoScore(Filter):
    name = "geo_score"
    Params = GeoScoreParams

    params: GeoScoreParams

    def score(self, doc: Document) -> dict[str, float]:
        model = load(self.params.model or str(GEO_MODEL))
        return {"geo_score": geo_scores(model, [doc.text])[0]}

    def keep(self, scores: dict[str, float]) -> bool | tuple[bool, str]:
        return scores["geo_score"] >= self.params.min_score or (False, "low_score")
