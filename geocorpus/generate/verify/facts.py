"""Facts a grounded answer must share with its source passage: numbers, names, content words, CJK bigrams.

Numbers are compared as values ("1,200 m" = "1200 m", "3.50" = "3.5", "12 %" = "12%"; "three" = "3" for
small counts), names as case-insensitive whole words (capitalised terms, acronyms, CO2-style formulas),
content words by Porter stem after dropping stop words. Chinese has no spaces, so its overlap is counted
on character bigrams inside CJK runs.
"""

from __future__ import annotations

import re
from functools import cache

from geocorpus.filters.words import CJK_RANGES
from geocorpus.generate.verify.text import fold

# Boundaries are ASCII: Chinese characters count as \w to `re`, yet "达到6.2米" holds the number 6.2.
# Not after "Landsat-"/"Sentinel-" either: that digit is part of a name, checked as one.
_BEFORE = r"(?<![A-Za-z0-9_.])(?<![A-Za-z]-)"
_NUMBER = re.compile(rf"{_BEFORE}[-−]?\d{{1,3}}(?:[,\u2009\u202f ]\d{{3}})+(?:\.\d+)?(?!\d)"  # 1,200 / 1 200.5
                     rf"|{_BEFORE}[-−]?\d+(?:\.\d+)?(?!\d)")
_WORD = re.compile(r"[^\W\d_][\w'-]*")
_NAME = re.compile(r"(?<![A-Za-z0-9_-])"  # SRTM, CO2, Landsat-8, InSAR, Andes
                   r"(?:[A-Z][A-Za-z0-9-]*[A-Z0-9][A-Za-z0-9-]*|[A-Z][a-z][A-Za-z0-9-]*)")
_SENTENCE_START = re.compile(r"(?:^|[.!?。！？:;]\s*|\n\s*)$")
_TITLE_CASE = re.compile(r"[A-Z][a-z]+")
_CJK_RUN = re.compile(f"[{CJK_RANGES}]+")
_SMALL = {"zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
          "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "twenty": "20", "hundred": "100",
          "〇": "0", "零": "0", "一": "1", "二": "2", "两": "2", "三": "3", "四": "4", "五": "5", "六": "6", "七": "7",
          "八": "8", "九": "9", "十": "10"}
_STOP_WORDS = """a about above after again against all also am an and any are as at be because been before
being below between both but by can could did do does doing down during each either few for from further had has
have having he her here hers him his how however i if in into is it its itself just may might more most much must
my no nor not now of off on once only or other our ours out over own per same shall she should so some such than
that the their theirs them then there these they this those through thus to too under until up upon very via was
we were what when where whether which while who whom whose why will with within without would yes yet you your
answer question passage text according based described mentioned states stated"""
STOP_WORDS = frozenset(_STOP_WORDS.split())
# words that start sentences or questions: capitalised there, but no name
_NOT_NAMES = STOP_WORDS | {"true", "false", "first", "second", "finally", "overall", "note", "example", "explain",
                           "describe", "summarize", "summarise", "list", "given", "using", "based"}


def number_values(text: str) -> set[str]:
    """Numbers as canonical strings: separators removed, trailing decimal zeros dropped, unicode minus folded."""
    values = set()
    for match in _NUMBER.findall(text):
        raw = re.sub(r"[,\u2009\u202f ]", "", match).replace("−", "-")
        if "." in raw:
            raw = raw.rstrip("0").rstrip(".")
        values.add(raw.lstrip("+") or "0")
    return values


def number_words(text: str) -> set[str]:
    """Small numbers written out ("three", "三"), as digit strings, so "3 stages" is grounded by "three stages"."""
    folded = fold(text)
    found = {value for word, value in _SMALL.items() if word.isascii() and re.search(rf"\b{word}\b", folded)}
    return found | {value for word, value in _SMALL.items() if not word.isascii() and word in text}


def names(text: str) -> set[str]:
    """Capitalised terms, acronyms and formulas; a plain capitalised word opening a sentence is no name."""
    found = set()
    for match in _NAME.finditer(text):
        name = match.group(0)
        if fold(name) in _NOT_NAMES or len(name) < 2:
            continue
        if _TITLE_CASE.fullmatch(name) and _SENTENCE_START.search(text, 0, match.start()):
            continue
        found.add(name)
    return found


def content_stems(text: str) -> set[str]:
    return {_stem_cached(w) for w in _WORD.findall(fold(text)) if len(w) > 2 and w not in STOP_WORDS}


def cjk_bigrams(text: str) -> set[str]:
    return {run[i:i + 2] for run in _CJK_RUN.findall(text) for i in range(len(run) - 1)}


def contains_name(source_folded: str, name: str) -> bool:
    return re.search(rf"(?<![a-z0-9_]){re.escape(fold(name))}(?![a-z0-9_])", source_folded) is not None


@cache
def _stemmer():
    """nltk takes seconds to import: only when a grounded check runs, not when a recipe is loaded."""
    from nltk.stem.porter import PorterStemmer

    return PorterStemmer()


@cache
def _stem_cached(word: str) -> str:
    return _stemmer().stem(word)
