"""`gis_relevance`: keep code that uses GIS or geoscience libraries.

A geoscience code corpus wants `rasterio.open(...)`, not a web framework that happens to sit in a repo
about maps. The extractor tags `meta["gis_libs"]` from each file's imports; documents that arrive without
the tag (JSONL, `hf` sources) are read here by the same detector (`geocorpus.gis_libs`), trying every
language's idioms. The score is the number of distinct libraries, so a recipe can ask for more than one.
"""

from __future__ import annotations

from pydantic import Field

from geocorpus.document import Document
from geocorpus.gis_libs import detect_gis_libs
from geocorpus.pipeline.registry import register_step
from geocorpus.pipeline.step import Filter, FilterParams


class GisParams(FilterParams):
    kinds: list[str] | None = Field(default=["code"], description="source files and notebooks")
    min_libs: int = Field(default=1, ge=0, description="distinct GIS/geoscience libraries required")


@register_step
class GisRelevance(Filter):
    name = "gis_relevance"
    Params = GisParams

    params: GisParams

    def score(self, doc: Document) -> dict[str, float]:
        libs = doc.meta.get("gis_libs")
        if not isinstance(libs, list):
            libs = detect_gis_libs(doc.text)
        return {"gis_libs": float(len(set(libs)))}

    def keep(self, scores: dict[str, float]) -> bool | tuple[bool, str]:
        return scores["gis_libs"] >= self.params.min_libs or (False, "no_gis_libs")
