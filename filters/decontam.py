"""`decontaminate`: find evaluation items (GeoBench, GeoCode-Eval, our own sets) inside training documents.

A model that trained on a benchmark's questions scores well on it without knowing more. Like GPT-3's check,
a document is contaminated when it shares a token n-gram (default n=13) with an item; tokens are runs of
letters and digits after folding case and Unicode forms, so new punctuation or spacing changes nothing,
and a changed word or a reordered option leaves most n-grams intact. Item parts shorter than n (an exam
question of ten words) are matched whole. Chinese is read one character per token. The best-matching
item goes to `meta["decontam"]`; `action` decides whether the document is dropped or only flagged.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field

from geocorpus.document import Document
from geocorpus.filters.eval_sets import EvalItem, load_eval_items
from geocorpus.filters.words import CJK_RANGES
from geocorpus.pipeline.registry import register_step
from geocorpus.pipeline.step import Filter, FilterParams, InputFile

_TOKEN = re.compile(rf"[{CJK_RANGES}]|[^\W{CJK_RANGES}]+")  # a CJK character, or a run of letters/digits


class DecontamParams(FilterParams):
    eval_sets: list[InputFile] = Field(min_length=1, description="evaluation files (GeoBench JSON, JSONL, CSV); "
                                                                 "relative to the recipe file")
    n: int = Field(default=13, ge=3, le=50, description="n-gram length in words (CJK: characters)")
    min_tokens: int = Field(default=8, ge=1, description="item parts shorter than this are not matched")
    min_hits: int = Field(default=1, ge=1, description="shared n-grams that make a document contaminated")
    action: Literal["drop", "flag"] = Field(default="drop", description="flag: keep, with meta['decontam']")


def tokens(text: str) -> list[str]:
    """Case-, form- and punctuation-insensitive tokens: runs of letters and digits, one per CJK character.

    Punctuation separates tokens rather than joining them, so `src.read(3)` is three tokens in code too."""
    return _TOKEN.findall(unicodedata.normalize("NFKC", text).casefold())


class NgramIndex:
    """n-gram (or whole short part) -> items containing it; lengths lists every gram length to probe."""

    def __init__(self, items: list[EvalItem], n: int, min_tokens: int) -> None:
        self.items = items
        self.grams: dict[tuple[str, ...], set[int]] = {}
        self.total: list[int] = []
        self.lengths: set[int] = set()
        for number, item in enumerate(items):
            own: set[tuple[str, ...]] = set()
            for segment in item.segments:
                words = tokens(segment)
                if len(words) < min_tokens:
                    continue
                size = min(n, len(words))
                self.lengths.add(size)
                own.update(tuple(words[i:i + size]) for i in range(len(words) - size + 1))
            for gram in own:
                self.grams.setdefault(gram, set()).add(number)
            self.total.append(len(own))

    def best_match(self, text: str) -> tuple[int, int] | None:
        """(item number, shared grams) of the item sharing most grams with `text`, or None."""
        words = tokens(text)
        hits: Counter[int] = Counter()
        for size in self.lengths:
            seen = {tuple(words[i:i + size]) for i in range(len(words) - size + 1)}
            for gram in seen:
                for number in self.grams.get(gram, ()):
                    hits[number] += 1
        return hits.most_common(1)[0] if hits else None


@register_step
class Decontaminate(Filter):
    name = "decontaminate"
    Params = DecontamParams

    params: DecontamParams

    @cached_property
    def index(self) -> NgramIndex:
        """Built on first use, once per worker process (the step itself stays cheap to pickle)."""
        items = [item for path in self.params.eval_sets for item in load_eval_items(Path(path))]
        return NgramIndex(items, self.params.n, self.params.min_tokens)

    def score(self, doc: Document) -> dict[str, float]:
        match = self.index.best_match(doc.text)
        if match is None:
            return {"decontam_hits": 0.0, "decontam_overlap": 0.0}
        number, hits = match
        item = self.index.items[number]
        overlap = hits / max(self.index.total[number], 1)
        if hits >= self.params.min_hits:
            doc.meta["decontam"] = {"benchmark": item.benchmark, "item": item.item_id, "hits": hits,
                                    "overlap": round(overlap, 4), "text": " | ".join(item.segments)[:500]}
        return {"decontam_hits": float(hits), "decontam_overlap": overlap}

    def keep(self, scores: dict[str, float]) -> bool | tuple[bool, str]:
        if self.params.action == "flag" or scores["decontam_hits"] < self.params.min_hits:
            return True
        return False, "contaminated"
