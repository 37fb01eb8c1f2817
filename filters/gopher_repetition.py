"""`gopher_repetition`: Gopher's repetition rules (Rae et al. 2021, table A1) as scores + thresholds.

Boilerplate and spam repeat themselves: the same lines, paragraphs, or word n-grams again and again. Each
score is the share of characters caught by one kind of repetition. Papers repeat table rows and headers
legitimately, so `by_kind` relaxes the line rules for them.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from pydantic import Field

from geocorpus.document import Document
from geocorpus.filters.by_kind import KindFilter, KindParams, first_failure
from geocorpus.filters.words import split_words, text_lines
from geocorpus.pipeline.registry import register_step

_PARAGRAPHS = re.compile(r"\n\s*\n")
TOP_NGRAMS = (2, 3, 4)
DUP_NGRAMS = (5, 6, 7, 8, 9, 10)
PAPER_DEFAULTS: dict[str, Any] = {"max_dup_line_ratio": 0.5, "max_dup_line_chars_ratio": 0.4}


class RepetitionParams(KindParams):
    kinds: list[str] | None = Field(default=["web", "paper", "book", "text"], description="prose kinds")
    max_dup_line_ratio: float = Field(default=0.30, ge=0, le=1, description="lines that occur more than once")
    max_dup_para_ratio: float = Field(default=0.30, ge=0, le=1)
    max_dup_line_chars_ratio: float = Field(default=0.20, ge=0, le=1)
    max_dup_para_chars_ratio: float = Field(default=0.20, ge=0, le=1)
    max_top_ngram_chars_ratio: dict[int, float] = Field(
        default={2: 0.20, 3: 0.18, 4: 0.16}, description="n -> share of chars in the most frequent n-gram")
    max_dup_ngram_chars_ratio: dict[int, float] = Field(
        default={5: 0.15, 6: 0.14, 7: 0.13, 8: 0.12, 9: 0.11, 10: 0.10},
        description="n -> share of chars in n-grams that occur more than once")
    by_kind: dict[str, dict[str, Any]] = Field(default={"paper": PAPER_DEFAULTS,
                                                                        "book": PAPER_DEFAULTS})


def duplicates(pieces: list[str]) -> tuple[float, float]:
    """(share of pieces, share of their chars) that repeat an earlier piece."""
    seen: set[str] = set()
    dup_count = dup_chars = 0
    for piece in pieces:
        if piece in seen:
            dup_count += 1
            dup_chars += len(piece)
        seen.add(piece)
    total_chars = sum(len(p) for p in pieces)
    return dup_count / max(len(pieces), 1), dup_chars / max(total_chars, 1)


def top_ngram_chars(words: list[str], n: int, total_chars: int) -> float:
    """Characters of the most frequent n-gram (each occurrence; overlaps capped at 1) over all word characters."""
    grams = Counter(zip(*(words[i:] for i in range(n)), strict=False))
    if not grams:
        return 0.0
    gram, count = grams.most_common(1)[0]
    return 0.0 if count < 2 else min(1.0, sum(len(w) for w in gram) * count / total_chars)


def dup_ngram_chars(words: list[str], n: int, total_chars: int) -> float:
    """Characters of the words covered by any n-gram that occurs more than once, over all word characters."""
    grams = list(zip(*(words[i:] for i in range(n)), strict=False))
    counts = Counter(grams)
    covered = bytearray(len(words))
    for start, gram in enumerate(grams):
        if counts[gram] > 1:
            covered[start:start + n] = b"\x01" * n
    return sum(len(w) for w, hit in zip(words, covered, strict=True) if hit) / total_chars


@register_step
class GopherRepetition(KindFilter):
    name = "gopher_repetition"
    Params = RepetitionParams

    params: RepetitionParams

    def __init__(self, params: RepetitionParams) -> None:
        super().__init__(params)
        every = [params, *self._by_kind.values()]
        # The n-gram sizes any kind's thresholds mention: a score is computed once for all of them.
        self._top_ns = sorted(set(TOP_NGRAMS).union(*(p.max_top_ngram_chars_ratio for p in every)))
        self._dup_ns = sorted(set(DUP_NGRAMS).union(*(p.max_dup_ngram_chars_ratio for p in every)))

    def score(self, doc: Document) -> dict[str, float]:
        lines = text_lines(doc.text)
        paragraphs = [p.strip() for p in _PARAGRAPHS.split(doc.text) if p.strip()]
        words = [w.lower() for w in split_words(doc.text)]
        total = max(sum(len(w) for w in words), 1)
        line_ratio, line_chars = duplicates(lines)
        para_ratio, para_chars = duplicates(paragraphs)
        scores = {"rep_dup_line_ratio": line_ratio, "rep_dup_line_chars_ratio": line_chars,
                  "rep_dup_para_ratio": para_ratio, "rep_dup_para_chars_ratio": para_chars}
        scores.update({f"rep_top_{n}gram": top_ngram_chars(words, n, total) for n in self._top_ns})
        scores.update({f"rep_dup_{n}gram": dup_ngram_chars(words, n, total) for n in self._dup_ns})
        return scores

    def judge(self, scores: dict[str, float], p: RepetitionParams) -> bool | tuple[bool, str]:
        checks = [
            (scores["rep_dup_line_ratio"] <= p.max_dup_line_ratio, "dup_lines"),
            (scores["rep_dup_para_ratio"] <= p.max_dup_para_ratio, "dup_paragraphs"),
            (scores["rep_dup_line_chars_ratio"] <= p.max_dup_line_chars_ratio, "dup_line_chars"),
            (scores["rep_dup_para_chars_ratio"] <= p.max_dup_para_chars_ratio, "dup_paragraph_chars"),
        ]
        checks += [(scores[f"rep_top_{n}gram"] <= limit, f"top_{n}gram")
                   for n, limit in p.max_top_ngram_chars_ratio.items()]
        checks += [(scores[f"rep_dup_{n}gram"] <= limit, f"dup_{n}gram")
                   for n, limit in p.max_dup_ngram_chars_ratio.items()]
        return first_failure(tuple(checks))
