"""`grounded`: a literature answer states only what its source passage (`context`) supports.

Three tests, cheapest evidence first (see `facts.py` for how each is matched):
1. every number in the answer appears in the source (a hallucinated depth or date is the costliest error);
2. enough of its names (capitalised terms, acronyms) appear — `min_fact_recall` over numbers + names;
3. enough of its content appears — word recall (English, by stem) or character-bigram recall (Chinese).
What the question already says counts as grounded too (answers restate it). For a multiple-choice item the
answer checked is the text of the correct option, not its letter. `details` lists what is missing.
"""

from __future__ import annotations

import string

from pydantic import Field

from geocorpus.generate.verify import facts
from geocorpus.generate.verify.base import Check, Verifier, VerifierParams, register_verifier
from geocorpus.generate.verify.text import fold, has_cjk


class GroundedParams(VerifierParams):
    require_numbers: bool = Field(default=True, description="fail when any number of the answer is not in the source")
    min_fact_recall: float = Field(default=0.6, ge=0, le=1, description="share of numbers and names found")
    min_word_recall: float = Field(default=0.5, ge=0, le=1, description="share of English content words found")
    min_bigram_recall: float = Field(default=0.35, ge=0, le=1, description="share of Chinese character bigrams found")
    max_listed: int = Field(default=10, ge=1, description="missing facts listed in details")


def answer_text(pair: dict) -> str:
    meta = pair.get("meta") or {}
    options, answer = meta.get("options"), str(meta.get("answer") or "")
    if isinstance(options, list) and len(answer) == 1 and answer in string.ascii_uppercase[: len(options)]:
        return str(options[string.ascii_uppercase.index(answer)])
    return str(pair.get("output") or "")


@register_verifier("grounded")
class Grounded(Verifier):
    Params = GroundedParams
    params: GroundedParams

    def verify(self, pairs: list[dict]) -> list[Check]:
        return [self._check(pair) for pair in pairs]

    def _check(self, pair: dict) -> Check:
        context = str(pair.get("context") or "")
        if not context.strip():
            return Check(False, "no_context", {"why": "the pair has no source passage to check against"})
        answer = answer_text(pair)
        source = "\n".join([context, str(pair.get("instruction") or ""), str(pair.get("input") or "")])
        folded = fold(source)
        p, limit = self.params, self.params.max_listed
        source_numbers = facts.number_values(source) | facts.number_words(source)
        numbers = sorted(facts.number_values(answer))
        missing_numbers = [n for n in numbers if n not in source_numbers]
        answer_names = sorted(facts.names(answer))
        missing_names = [n for n in answer_names if not facts.contains_name(folded, n)]
        total = len(numbers) + len(answer_names)
        fact_recall = 1.0 if total == 0 else 1 - (len(missing_numbers) + len(missing_names)) / total
        if has_cjk(answer):
            wanted, found = facts.cjk_bigrams(answer), facts.cjk_bigrams(source)
            kind, threshold = "bigram_recall", p.min_bigram_recall
        else:
            wanted, found = facts.content_stems(answer), facts.content_stems(source)
            kind, threshold = "word_recall", p.min_word_recall
        recall = 1.0 if not wanted else len(wanted & found) / len(wanted)
        details = {"fact_recall": round(fact_recall, 4), kind: round(recall, 4), "facts": total,
                   "missing_numbers": missing_numbers[:limit], "missing_names": missing_names[:limit]}
        if p.require_numbers and missing_numbers:
            return Check(False, "ungrounded_numbers", details)
        if fact_recall < p.min_fact_recall:
            return Check(False, "ungrounded_facts", details)
        if recall < threshold:
            details["missing_words"] = sorted(wanted - found)[:limit]
            return Check(False, f"low_{kind}", details)
        return Check(True, None, details)
