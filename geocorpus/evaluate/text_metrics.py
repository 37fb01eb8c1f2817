"""BLEU and ROUGE-L for generated summaries, with tokens that make sense for Chinese as well as English.

Whitespace tokenisation gives a Chinese sentence one "word", so every overlap is all-or-nothing; each CJK
character is therefore its own token (the usual choice for Chinese BLEU/ROUGE), and Latin text splits into
lower-cased words, numbers and code identifiers (`gdal.Open` → `gdal`, `.`, `open`).
BLEU is nltk's corpus BLEU (BLEU-4, smoothing method 1 of Chen & Cherry 2014 so that short summaries
without a 4-gram match do not score 0); ROUGE-L is Google's `rouge-score` with the same tokeniser.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_CJK = "\u3400-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af"
_TOKEN = re.compile(rf"[{_CJK}]|[^\W_{_CJK}]+|[^\w\s]")


def tokenize(text: str) -> list[str]:
    """CJK characters one by one, Latin words/numbers lower-cased, punctuation as single tokens."""
    return [t.casefold() for t in _TOKEN.findall(text or "")]


class _RougeTokenizer:
    """The object `rouge_score.RougeScorer(tokenizer=...)` expects: anything with `tokenize(text)`."""

    def tokenize(self, text: str) -> list[str]:
        return [t for t in tokenize(text) if re.match(r"\w", t)]  # ROUGE ignores punctuation, like its default


def bleu(references: Sequence[str], hypotheses: Sequence[str]) -> float:
    """Corpus BLEU-4 in [0, 1] (one reference per hypothesis)."""
    from nltk.translate.bleu_score import SmoothingFunction, corpus_bleu

    if not hypotheses:
        return 0.0
    refs = [[tokenize(r)] for r in references]
    hyps = [tokenize(h) for h in hypotheses]
    return float(corpus_bleu(refs, hyps, smoothing_function=SmoothingFunction().method1))


def sentence_bleu(reference: str, hypothesis: str) -> float:
    """BLEU-4 of one pair (per-item figure in results; the task figure is corpus BLEU)."""
    from nltk.translate.bleu_score import SmoothingFunction
    from nltk.translate.bleu_score import sentence_bleu as nltk_sentence_bleu

    return float(nltk_sentence_bleu([tokenize(reference)], tokenize(hypothesis),
                                    smoothing_function=SmoothingFunction().method1))


def rouge_l(references: Sequence[str], hypotheses: Sequence[str]) -> list[float]:
    """ROUGE-L F-measure per pair."""
    from rouge_score.rouge_scorer import RougeScorer

    scorer = RougeScorer(["rougeL"], tokenizer=_RougeTokenizer())
    return [float(scorer.score(r, h)["rougeL"].fmeasure) for r, h in zip(references, hypotheses, strict=True)]
