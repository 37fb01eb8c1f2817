"""`gopher_quality`: the Gopher paper's quality rules (Rae et al. 2021, appendix A) as scores + thresholds.

Every score is written even when the document is kept, so changing a threshold later needs no rescoring.
Kinds differ: a paper full of tables has many numeric "words", a thesis may run past 100,000 words, so
`by_kind` relaxes those thresholds for papers and books by default. Chinese text has no spaces: each CJK
character counts as a word (`words.py`), the mean word length is measured on non-CJK words only and not
judged for mostly-CJK text, and Chinese function words count as stop words.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from geocorpus.document import Document
from geocorpus.filters.by_kind import KindFilter, KindParams, first_failure
from geocorpus.filters.words import cjk_ratio, count_alpha_words, is_cjk, split_words, text_lines
from geocorpus.pipeline.registry import register_step

STOP_WORDS = frozenset({"the", "be", "to", "of", "and", "that", "have", "with",
                        "的", "了", "是", "在", "和", "有", "不", "这"})
_BULLETS = ("•", "●", "○", "▪", "■", "◦", "-", "*", "‣", "⁃")
CJK_TEXT = 0.3  # above this CJK share, the mean word length is not judged

PAPER_DEFAULTS: dict[str, Any] = {"max_words": 1_000_000, "min_alpha_words_ratio": 0.5,
                                  "max_symbol_word_ratio": 0.2}


class GopherParams(KindParams):
    kinds: list[str] | None = Field(default=["web", "paper", "book", "text"],
                                    description="prose kinds; code and short QA pairs have their own rules")
    min_words: int = Field(default=50, ge=0)
    max_words: int = Field(default=100_000, ge=1)
    min_mean_word_length: float = Field(default=3.0, ge=0)
    max_mean_word_length: float = Field(default=10.0, ge=0)
    max_symbol_word_ratio: float = Field(default=0.1, ge=0, description="'#' and '...' per word")
    max_bullet_lines_ratio: float = Field(default=0.9, ge=0, le=1)
    max_ellipsis_lines_ratio: float = Field(default=0.3, ge=0, le=1)
    min_alpha_words_ratio: float = Field(default=0.8, ge=0, le=1, description="words with a letter")
    min_stop_words: int = Field(default=2, ge=0, description="distinct stop words required (English or Chinese)")
    by_kind: dict[str, dict[str, Any]] = Field(default={"paper": PAPER_DEFAULTS,
                                                                        "book": PAPER_DEFAULTS})


@register_step
class GopherQuality(KindFilter):
    name = "gopher_quality"
    Params = GopherParams

    params: GopherParams

    def score(self, doc: Document) -> dict[str, float]:
        words = split_words(doc.text)
        spaced = [w for w in words if not is_cjk(w)]
        lines = text_lines(doc.text)
        n_words = len(words)
        per_word = max(n_words, 1)
        per_line = max(len(lines), 1)
        symbols = doc.text.count("#") + doc.text.count("...") + doc.text.count("…")
        return {
            "gopher_words": float(n_words),
            "gopher_cjk_ratio": cjk_ratio(doc.text),
            "gopher_mean_word_length": sum(len(w) for w in spaced) / max(len(spaced), 1),
            "gopher_symbol_word_ratio": symbols / per_word,
            "gopher_bullet_lines_ratio": sum(line.startswith(_BULLETS) for line in lines) / per_line,
            "gopher_ellipsis_lines_ratio": sum(line.endswith(("...", "…")) for line in lines) / per_line,
            "gopher_alpha_words_ratio": count_alpha_words(doc.text) / per_word,
            "gopher_stop_words": float(len(STOP_WORDS.intersection(w.lower() for w in words))),
        }

    def judge(self, scores: dict[str, float], p: GopherParams) -> bool | tuple[bool, str]:
        mean_length_ok = (scores.get("gopher_cjk_ratio", 0.0) > CJK_TEXT
                          or p.min_mean_word_length <= scores["gopher_mean_word_length"] <= p.max_mean_word_length)
        return first_failure((
            (scores["gopher_words"] >= p.min_words, "too_few_words"),
            (scores["gopher_words"] <= p.max_words, "too_many_words"),
            (mean_length_ok, "mean_word_length"),
            (scores["gopher_symbol_word_ratio"] <= p.max_symbol_word_ratio, "symbol_word_ratio"),
            (scores["gopher_bullet_lines_ratio"] <= p.max_bullet_lines_ratio, "bullet_lines"),
            (scores["gopher_ellipsis_lines_ratio"] <= p.max_ellipsis_lines_ratio, "ellipsis_lines"),
            (scores["gopher_alpha_words_ratio"] >= p.min_alpha_words_ratio, "alpha_words"),
            (scores["gopher_stop_words"] >= p.min_stop_words, "stop_words"),
        ))
