"""`fineweb_quality`: the FineWeb rules (Penedo et al. 2024) that Gopher and C4 miss, as scores + thresholds.

FineWeb found three signals of list-like and boilerplate pages: few lines ending in punctuation, many
short lines, and characters spent on repeated lines; plus many line breaks per word. Text from PDFs
breaks every line and repeats running headers, so papers get looser thresholds by default.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from geocorpus.document import Document
from geocorpus.filters.by_kind import KindFilter, KindParams, first_failure
from geocorpus.filters.gopher_repetition import duplicates
from geocorpus.filters.words import TERMINAL_PUNCT, split_words, text_lines
from geocorpus.pipeline.registry import register_step

PAPER_DEFAULTS: dict[str, Any] = {"min_punct_lines_ratio": 0.05, "max_short_lines_ratio": 0.9,
                                  "max_dup_line_chars_ratio": 0.1, "max_newlines_per_word": 0.5}


class FinewebParams(KindParams):
    kinds: list[str] | None = Field(default=["web", "paper", "book", "text"], description="prose kinds")
    min_punct_lines_ratio: float = Field(default=0.12, ge=0, le=1, description="lines ending in punctuation")
    max_short_lines_ratio: float = Field(default=0.67, ge=0, le=1, description="lines of at most short_line_chars")
    short_line_chars: int = Field(default=30, ge=1)
    max_dup_line_chars_ratio: float = Field(default=0.01, ge=0, le=1, description="chars in repeated lines")
    max_newlines_per_word: float = Field(default=0.3, ge=0)
    by_kind: dict[str, dict[str, Any]] = Field(default={"paper": PAPER_DEFAULTS,
                                                                        "book": PAPER_DEFAULTS})


@register_step
class FinewebQuality(KindFilter):
    name = "fineweb_quality"
    Params = FinewebParams

    params: FinewebParams

    def score(self, doc: Document) -> dict[str, float]:
        lines = text_lines(doc.text)
        per_line = max(len(lines), 1)
        short = self.params.short_line_chars
        return {
            "fineweb_punct_lines_ratio": sum(line.endswith(TERMINAL_PUNCT) for line in lines) / per_line,
            "fineweb_short_lines_ratio": sum(len(line) <= short for line in lines) / per_line,
            "fineweb_dup_line_chars_ratio": duplicates(lines)[1],
            "fineweb_newlines_per_word": doc.text.count("\n") / max(len(split_words(doc.text)), 1),
        }

    def judge(self, scores: dict[str, float], p: FinewebParams) -> bool | tuple[bool, str]:
        return first_failure((
            (scores["fineweb_punct_lines_ratio"] >= p.min_punct_lines_ratio, "few_punctuated_lines"),
            (scores["fineweb_short_lines_ratio"] <= p.max_short_lines_ratio, "short_lines"),
            (scores["fineweb_dup_line_chars_ratio"] <= p.max_dup_line_chars_ratio, "dup_line_chars"),
            (scores["fineweb_newlines_per_word"] <= p.max_newlines_per_word, "newlines"),
        ))
