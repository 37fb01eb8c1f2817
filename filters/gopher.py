"""`gopher_quality`: the Gopher paper's quality rules (Rae et al. 2021, appendix A) as scores + thresholds.

Every score is written even when the document is kept, so changing a threshold later needs no rescoring.
"""

from __future__ import annotations

import re

from pydantic import Field

from geocorpus.document import Document
from geocorpus.pipeline.registry import register_step
from geocorpus.pipeline.step import Filter, FilterParams

STOP_WORDS = frozenset({"the", "be", "to", "of", "and", "that", "have", "with"})
_WORD = re.compile(r"\S+")
_ALPHA_WORD = re.compile(r"\S*[^\W\d_]\S*")  # a word with at least one letter
_BULLETS = ("•", "●", "○", "▪", "■", "◦", "-", "*", "‣", "⁃")


class GopherParams(FilterParams):
    min_words: int = Field(default=50, ge=0)
    max_words: int = Field(default=100_000, ge=1)
    min_mean_word_length: float = Field(default=3.0, ge=0)
    max_mean_word_length: float = Field(default=10.0, ge=0)
    max_symbol_word_ratio: float = Field(default=0.1, ge=0, description="'#' and '...' per word")
    max_bullet_lines_ratio: float = Field(default=0.9, ge=0, le=1)
    max_ellipsis_lines_ratio: float = Field(default=0.3, ge=0, le=1)
    min_alpha_words_ratio: float = Field(default=0.8, ge=0, le=1, description="words with a letter")
    min_stop_words: int = Field(default=2, ge=0, description="distinct English stop words required")


@register_step
class GopherQuality(Filter):
    name = "gopher_quality"
    Params = GopherParams

    params: GopherParams

    def score(self, doc: Document) -> dict[str, float]:
        words = _WORD.findall(doc.text)
        lines = [line.strip() for line in doc.text.splitlines() if line.strip()]
        n_words = len(words)
        per_word = max(n_words, 1)
        per_line = max(len(lines), 1)
        symbols = doc.text.count("#") + doc.text.count("...") + doc.text.count("…")
        return {
            "gopher_words": float(n_words),
            "gopher_mean_word_length": sum(len(w) for w in words) / per_word,
            "gopher_symbol_word_ratio": symbols / per_word,
            "gopher_bullet_lines_ratio": sum(line.startswith(_BULLETS) for line in lines) / per_line,
            "gopher_ellipsis_lines_ratio": sum(line.endswith(("...", "…")) for line in lines) / per_line,
            "gopher_alpha_words_ratio": len(_ALPHA_WORD.findall(doc.text)) / per_word,
            "gopher_stop_words": float(len(STOP_WORDS.intersection(w.lower() for w in words))),
        }

    def keep(self, scores: dict[str, float]) -> bool | tuple[bool, str]:
        p = self.params
        checks = (
            (scores["gopher_words"] >= p.min_words, "too_few_words"),
            (scores["gopher_words"] <= p.max_words, "too_many_words"),
            (p.min_mean_word_length <= scores["gopher_mean_word_length"] <= p.max_mean_word_length,
             "mean_word_length"),
            (scores["gopher_symbol_word_ratio"] <= p.max_symbol_word_ratio, "symbol_word_ratio"),
            (scores["gopher_bullet_lines_ratio"] <= p.max_bullet_lines_ratio, "bullet_lines"),
            (scores["gopher_ellipsis_lines_ratio"] <= p.max_ellipsis_lines_ratio, "ellipsis_lines"),
            (scores["gopher_alpha_words_ratio"] >= p.min_alpha_words_ratio, "alpha_words"),
            (scores["gopher_stop_words"] >= p.min_stop_words, "stop_words"),
        )
        for passed, reason in checks:
            if not passed:
                return False, reason
        return True
