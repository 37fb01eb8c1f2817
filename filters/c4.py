"""`c4_quality`: the C4 page rules (Raffel et al. 2020, section 2.2) as scores + thresholds.

C4 deleted lines as well as pages; this step only judges (it never edits text), so the line rules become
shares of lines: lines without terminal punctuation, mentions of JavaScript, cookie/terms boilerplate.
Page rules stay page rules: at least three sentences, no "lorem ipsum", no curly braces (C4's guard
against code) — except for papers, where braces are LaTeX and equations, so `by_kind` lifts that rule.
C4's bad-words rule needs a word list, which the user names (`bad_words`, one entry per line, e.g. LDNOOBW's
`en` file, CC-BY-4.0): none ships with geocorpus, and a geoscience corpus should review a general list first
(it would also drop ecology texts that report a "sex ratio").
"""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import Field

from geocorpus.document import Document
from geocorpus.filters.by_kind import KindFilter, KindParams, first_failure
from geocorpus.filters.words import TERMINAL_PUNCT, cjk_ratio, text_lines
from geocorpus.pipeline.registry import register_step
from geocorpus.pipeline.step import InputFile

_SENTENCE_END = re.compile(r"[.!?。！？]+(?=[\s\"”’)\]]|$)")
_POLICY = re.compile(r"terms of (use|service)|privacy policy|cookie policy|uses cookies|use of cookies|use cookies",
                     re.IGNORECASE)
_JAVASCRIPT = re.compile(r"javascript", re.IGNORECASE)
_LOREM = re.compile(r"lorem ipsum", re.IGNORECASE)
PAPER_DEFAULTS: dict[str, Any] = {"max_curly_braces": None, "max_no_terminal_lines_ratio": 0.9}


class C4Params(KindParams):
    kinds: list[str] | None = Field(default=["web", "paper", "book", "text"], description="prose kinds")
    min_sentences: int = Field(default=3, ge=0)
    max_no_terminal_lines_ratio: float = Field(default=0.75, ge=0, le=1,
                                               description="lines not ending in . ! ? or a quote")
    max_javascript_lines_ratio: float = Field(default=0.1, ge=0, le=1)
    max_policy_lines_ratio: float = Field(default=0.1, ge=0, le=1, description="cookie / terms-of-use lines")
    max_curly_braces: int | None = Field(default=0, ge=0, description="'{' allowed; null: any number")
    allow_lorem_ipsum: bool = False
    bad_words: InputFile | None = Field(default=None, description="word list file (one per line); none: rule off")
    max_bad_words: int = Field(default=0, ge=0, description="listed words allowed on a page (C4: none)")
    by_kind: dict[str, dict[str, Any]] = Field(default={"paper": PAPER_DEFAULTS})


@register_step
class C4Quality(KindFilter):
    name = "c4_quality"
    Params = C4Params

    params: C4Params

    @cached_property
    def _bad_words(self) -> re.Pattern[str] | None:
        """One pattern for the whole list: whole words for spaced scripts, any substring for CJK entries."""
        if self.params.bad_words is None:
            return None
        text = Path(self.params.bad_words).read_text(encoding="utf-8")
        entries = {line.strip().lower() for line in text.splitlines()} - {""}
        if not entries:
            return None
        alternatives = [re.escape(entry) if cjk_ratio(entry) > 0.5 else rf"(?<!\w){re.escape(entry)}(?!\w)"
                        for entry in sorted(entries, key=len, reverse=True)]
        return re.compile("|".join(alternatives), re.IGNORECASE)

    def score(self, doc: Document) -> dict[str, float]:
        lines = text_lines(doc.text)
        per_line = max(len(lines), 1)
        scores = {
            "c4_sentences": float(len(_SENTENCE_END.findall(doc.text))),
            "c4_no_terminal_lines_ratio": sum(not line.endswith(TERMINAL_PUNCT) for line in lines) / per_line,
            "c4_javascript_lines_ratio": sum(_JAVASCRIPT.search(line) is not None for line in lines) / per_line,
            "c4_policy_lines_ratio": sum(_POLICY.search(line) is not None for line in lines) / per_line,
            "c4_curly_braces": float(doc.text.count("{")),
            "c4_lorem_ipsum": float(_LOREM.search(doc.text) is not None),
        }
        if self._bad_words is not None:
            scores["c4_bad_words"] = float(len(self._bad_words.findall(doc.text)))
        return scores

    def judge(self, scores: dict[str, float], p: C4Params) -> bool | tuple[bool, str]:
        return first_failure((
            (scores["c4_sentences"] >= p.min_sentences, "too_few_sentences"),
            (scores["c4_no_terminal_lines_ratio"] <= p.max_no_terminal_lines_ratio, "no_terminal_punctuation"),
            (scores["c4_javascript_lines_ratio"] <= p.max_javascript_lines_ratio, "javascript"),
            (scores["c4_policy_lines_ratio"] <= p.max_policy_lines_ratio, "policy_boilerplate"),
            (p.max_curly_braces is None or scores["c4_curly_braces"] <= p.max_curly_braces, "curly_braces"),
            (p.allow_lorem_ipsum or not scores["c4_lorem_ipsum"], "lorem_ipsum"),
            (scores.get("c4_bad_words", 0.0) <= p.max_bad_words, "bad_words"),
        ))
