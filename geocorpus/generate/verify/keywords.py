"""`keywords`: drop instructions that ask for what a text-only model cannot see or do.

Self-Instruct blocks image, graph, picture, file, map, draw, plot and "go to". For geoscience that list
is wrong: "map", "plot", "graph" and "file" are everyday words of GIS questions and code ("reproject the
shapefile", "plot the hypsometric curve", "map unit"), and "image" is how raster code names its array.
The defaults keep Self-Instruct's intent — references to things outside the text (a figure, photo,
attachment, video) and actions outside it (go to, click, draw) — in English and Chinese. Chinese uses
如图/见图/下图 rather than 图, which would also match 地图 (map)."""

from __future__ import annotations

from functools import cached_property

from pydantic import Field

from geocorpus.generate.verify.base import Check, Verifier, VerifierParams, register_verifier
from geocorpus.generate.verify.text import field_text, fold, phrase_pattern

GEO_BLOCKED_WORDS = (
    "picture", "pictures", "photo", "photos", "photograph", "screenshot", "video", "audio", "diagram", "flowchart",
    "attached", "attachment", "see figure", "shown in figure", "shown in the figure", "in the figure below",
    "the image below", "the image above", "fig.", "go to", "click", "draw",
    "如图", "见图", "下图", "上图", "图片", "照片", "视频", "音频", "附件", "截图", "点击",
)


class KeywordsParams(VerifierParams):
    words: list[str] = Field(default=list(GEO_BLOCKED_WORDS), description="blocked words/phrases (replaces defaults)")
    extra_words: list[str] = Field(default_factory=list, description="added to `words`")
    fields: list[str] = Field(default=["instruction", "input"], min_length=1, description="pair fields to search")


@register_verifier("keywords")
class Keywords(Verifier):
    Params = KeywordsParams
    params: KeywordsParams

    @cached_property
    def pattern(self):
        return phrase_pattern([*self.params.words, *self.params.extra_words])

    def verify(self, pairs: list[dict]) -> list[Check]:
        checks = []
        for pair in pairs:
            found = self.pattern.search(fold(field_text(pair, self.params.fields)))
            checks.append(Check(False, "blocked_keyword", {"keyword": found.group(0)}) if found else Check(True))
        return checks
