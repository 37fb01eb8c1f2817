"""Word splitting that also works for Chinese, Japanese and Korean, which put no spaces between words.

Rules written for English count words between spaces; a Chinese page would be "one word" long. Here a run
of CJK characters counts one word per character (a Chinese word averages 1.5 characters, so counts stay in
the same range as English ones without a segmenter), and everything else splits on whitespace.
"""

from __future__ import annotations

import re

CJK_RANGES = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_TOKEN = re.compile(rf"[{CJK_RANGES}]|[^\s{CJK_RANGES}]+")
_CJK_CHAR = re.compile(rf"[{CJK_RANGES}]")
_NON_SPACE = re.compile(r"\S")
_ALPHA_WORD = re.compile(rf"[{CJK_RANGES}]|[^\s{CJK_RANGES}]*[^\W\d_][^\s{CJK_RANGES}]*")  # a word with a letter


def text_lines(text: str) -> list[str]:
    """Non-blank lines, stripped: the unit every line-based quality rule counts."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def split_words(text: str) -> list[str]:
    """Whitespace-separated words, with each CJK character a word of its own."""
    return _TOKEN.findall(text)


def cjk_ratio(text: str) -> float:
    """Share of non-space characters that are CJK: above ~0.3 the text is mostly Chinese/Japanese/Korean."""
    visible = len(_NON_SPACE.findall(text))
    return len(_CJK_CHAR.findall(text)) / visible if visible else 0.0


def is_cjk(word: str) -> bool:
    return len(word) == 1 and _CJK_CHAR.match(word) is not None


def count_alpha_words(text: str) -> int:
    """Words (as `split_words` counts them) that contain at least one letter; one regex pass, no word list."""
    return len(_ALPHA_WORD.findall(text))


#: What ends a sentence or a well-formed line, in English and Chinese (closing quotes included).
TERMINAL_PUNCT = (".", "!", "?", '"', "”", "'", "’", "。", "！", "？", "…", "：", ":", ";", "；")
