"""The one text normalisation shared by training and scoring: a model only works on text prepared the way
its training text was.

fastText splits on whitespace only, so punctuation is cut off words ("rocks," and "rocks" are one word),
case is folded, and CJK characters are spaced out one per token (Chinese has no spaces, and a character
model needs no segmenter). Newlines would end a fastText example, so everything becomes one line.
"""

from __future__ import annotations

import re
import unicodedata

_CJK = re.compile(r"([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af])")
_PUNCT = re.compile(r"([^\w\s])")
_SPACE = re.compile(r"\s+")
MAX_TOKENS = 2000  # the start of a long document says what it is about; scoring stays fast


def prepare(text: str, max_tokens: int = MAX_TOKENS) -> str:
    """One line of lower-case tokens: words, single punctuation marks, single CJK characters."""
    text = unicodedata.normalize("NFKC", text[: max_tokens * 12]).casefold()
    text = _PUNCT.sub(r" \1 ", _CJK.sub(r" \1 ", text))
    return " ".join(_SPACE.split(text.strip())[:max_tokens])


def passages(text: str, words: int = 200) -> list[str]:
    """Cut a long text into passages of about `words` words, on whitespace (training examples)."""
    tokens = text.split()
    return [" ".join(tokens[i:i + words]) for i in range(0, len(tokens), words)] or [""]
