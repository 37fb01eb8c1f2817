"""The one text normalisation shared by training and scoring: a model only works on text prepared the way
its training text was.

fastText splits on whitespace only, so text is reduced to its words: case is folded, punctuation and markup
are dropped, and CJK characters are spaced out one per token (Chinese has no spaces, and a character model
needs no segmenter). Markup is dropped because it says how a text was stored, not what it is about: extracted
web pages are Markdown (`#` headings, `|` tables, `**bold**`), reStructuredText manuals have `..` and `::`,
and a model that sees those symbols learns the format of its training sources instead of their topic.
Newlines would end a fastText example, so everything becomes one line.
"""

from __future__ import annotations

import math
import random
import re
import unicodedata

_CJK = re.compile(r"([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af])")
_NON_WORD = re.compile(r"[\W_]+")  # punctuation, symbols, markup and underscores become word breaks
MIN_PASSAGE = 8  # words: a short sentence
MAX_TOKENS = 2000  # the start of a long document says what it is about; scoring stays fast


def prepare(text: str, max_tokens: int = MAX_TOKENS) -> str:
    """One line of lower-case tokens: words (letters and digits) and single CJK characters."""
    text = unicodedata.normalize("NFKC", text[: max_tokens * 12]).casefold()
    return " ".join(_NON_WORD.sub(" ", _CJK.sub(r" \1 ", text)).split()[:max_tokens])


def passages(text: str, words: int = 200, rng: random.Random | None = None) -> list[str]:
    """Cut a long text into passages of about `words` words, on whitespace (training examples).

    With `rng`, passage lengths are drawn log-uniformly between MIN_PASSAGE and twice `words`, so the model
    sees a sentence, a paragraph and a page about equally often: the range of what it will score. (Trained on
    long passages only, fastText lets the end-of-line token every example carries decide short texts.)"""
    tokens = text.split()
    if rng is None:
        return [" ".join(tokens[i:i + words]) for i in range(0, len(tokens), words)] or [""]
    out, start = [], 0
    while start < len(tokens):
        size = round(math.exp(rng.uniform(math.log(MIN_PASSAGE), math.log(max(words * 2, MIN_PASSAGE)))))
        out.append(" ".join(tokens[start:start + size]))
        start += size
    return out or [""]
