"""`rouge_dedup`: Self-Instruct's near-duplicate filter — a pair whose instruction has ROUGE-L F >= threshold
with an already kept pair is dropped.

Determinism: pairs are taken in order of their stable `id`, so the same pairs give the same survivors in
whatever order they arrive (concurrent generation finishes in any order).

Speed: comparing every pair with every kept one is O(n²) LCS computations (hours at 100k). Since
F = 2·LCS/(|a|+|b|) and LCS <= the multiset overlap of the two token lists, a candidate can only reach the
threshold t if it shares at least t/(2-t) of either side's tokens. That is a set-similarity join: with
tokens ordered rarest-first, two lists that overlap that much must share a token among their first
|x| - ceil(|x|·t/(2-t)) + 1 (the prefix filter), so only pairs sharing a prefix token, with compatible
lengths, reach `rouge_score`'s exact LCS. Each text is tokenised once.

Tokens: `rouge_score`'s default tokenizer keeps only [a-z0-9] and so turns any Chinese instruction into
nothing (every Chinese pair would look unique); we give it the decontamination tokenizer instead (letters
and digits in any script, one token per CJK character).
"""

from __future__ import annotations

import math
from collections import Counter

from pydantic import Field

from geocorpus.filters.decontam import tokens
from geocorpus.generate.verify.base import Check, Verifier, VerifierParams, register_verifier
from geocorpus.generate.verify.text import field_text


class RougeDedupParams(VerifierParams):
    threshold: float = Field(default=0.7, gt=0, le=1, description="ROUGE-L F at or above which a pair is dropped")
    fields: list[str] = Field(default=["instruction"], min_length=1, description="pair fields compared (joined)")


class _KnownTokens:
    """Hands `rouge_score` the token lists made once up front, keyed by the text it asks about (it only needs a
    `tokenize` method)."""

    def __init__(self) -> None:
        self.by_text: dict[str, list[str]] = {}

    def tokenize(self, text: str) -> list[str]:
        if text not in self.by_text:
            self.by_text[text] = tokens(text)
        return self.by_text[text]


@register_verifier("rouge_dedup")
class RougeDedup(Verifier):
    Params = RougeDedupParams
    params: RougeDedupParams

    def verify(self, pairs: list[dict]) -> list[Check]:
        from rouge_score import rouge_scorer  # imports nltk (seconds): only when deduplicating

        known = _KnownTokens()
        scorer = rouge_scorer.RougeScorer(["rougeL"], tokenizer=known)
        texts = [field_text(pair, self.params.fields) for pair in pairs]
        words = [known.tokenize(text) for text in texts]
        # rarest first; (token, k) marks the k-th occurrence, so a token list becomes a set and overlap is exact
        items = [[(w, k) for w, count in Counter(ws).items() for k in range(count)] for ws in words]
        frequency = Counter(item for row in items for item in row)
        for row in items:
            row.sort(key=lambda item: (frequency[item], item))
        t = self.params.threshold
        share = t / (2 - t)
        order = sorted(range(len(pairs)), key=lambda i: (str(pairs[i].get("id", "")), i))
        index: dict[tuple[str, int], list[int]] = {}
        checks: list[Check] = [Check(True)] * len(pairs)
        for i in order:
            size = len(items[i])
            if size == 0:
                checks[i] = Check(True, None, {"rouge_l_max": 0.0})
                continue
            prefix = items[i][: size - math.ceil(size * share) + 1]
            candidates = sorted({j for item in prefix for j in index.get(item, ())})
            best, best_j = 0.0, None
            for j in candidates:
                other = len(items[j])
                if 2 * min(size, other) < t * (size + other):  # even a full overlap could not reach t
                    continue
                score = scorer.score(texts[j], texts[i])["rougeL"].fmeasure
                if score > best:
                    best, best_j = score, j
                if score >= t:
                    break
            if best_j is not None and best >= t:
                checks[i] = Check(False, "near_duplicate",
                                  {"rouge_l": round(best, 4), "duplicate_of": pairs[best_j].get("id")})
                continue
            checks[i] = Check(True, None, {"rouge_l_max": round(best, 4)})
            for item in prefix:
                index.setdefault(item, []).append(i)
        return checks
