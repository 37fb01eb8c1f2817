"""`c4_quality`: the C4 page rules (Raffel et al. 2020, section 2.2) as scores + thresholds.

C4 deleted lines as well as pages; this step only judges (it never edits text), so the line rules become
shares of lines: lines without terminal punctuation, mentions of JavaScript, cookie/terms boilerplate.
Page rules stay page rules: at least three sentences, no "lorem ipsum", no curly braces (C4's guard
against code) — except for papers, where braces are LaTeX and equations, so `by_kind` lifts that rule.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field

from geocorpus.document import Document
from geocorpus.filters.by_kind import KindFilter, KindParams, first_failure
from geocorpus.filters.words import TERMINAL_PUNCT, text_lines
from geocorpus.pipeline.registry import register_step

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
    by_kind: dict[str, dict[str, Any]] = Field(default={"paper": PAPER_DEFAULTS})


@register_step
class C4Quality(KindFilter):
    name = "c4_quality"
    Params = C4Params

    params: C4Params

    def score(self, doc: Document) -> dict[str, float]:
        lines = text_lines(doc.text)
        per_line = max(len(lines), 1)
        return {
            "c4_sentences": float(len(_SENTENCE_END.findall(doc.text))),
            "c4_no_terminal_lines_ratio": sum(not line.endswith(TERMINAL_PUNCT) for line in lines) / per_line,
            "c4_javascript_lines_ratio": sum(_JAVASCRIPT.search(line) is not None for line in lines) / per_line,
            "c4_policy_lines_ratio": sum(_POLICY.search(line) is not None for line in lines) / per_line,
            "c4_curly_braces": float(doc.text.count("{")),
            "c4_lorem_ipsum": float(_LOREM.search(doc.text) is not None),
        }

    def judge(self, scores: dict[str, float], p: C4Params) -> bool | tuple[bool, str]:
        return first_failure((
            (scores["c4_sentences"] >= p.min_sentences, "too_few_sentences"),
            (scores["c4_no_terminal_lines_ratio"] <= p.max_no_terminal_lines_ratio, "no_terminal_punctuation"),
            (scores["c4_javascript_lines_ratio"] <= p.max_javascript_lines_ratio, "javascript"),
            (scores["c4_policy_lines_ratio"] <= p.max_policy_lines_ratio, "policy_boilerplate"),
            (p.max_curly_braces is None or scores["c4_curly_braces"] <= p.max_curly_braces, "curly_braces"),
            (p.allow_lorem_ipsum or not scores["c4_lorem_ipsum"], "lorem_ipsum"),
        ))
