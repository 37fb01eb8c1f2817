"""Small text helpers shared by the verifiers: which fields to read, and word counting for English and Chinese."""

from __future__ import annotations

import re
import unicodedata

from geocorpus.filters.words import CJK_RANGES, split_words

_CJK = re.compile(f"[{CJK_RANGES}]")


def field_text(pair: dict, fields: list[str]) -> str:
    """The named string fields of a pair joined by newlines (missing fields read as empty)."""
    return "\n".join(str(pair.get(name) or "") for name in fields).strip()


def word_count(text: str) -> int:
    """Words, with each CJK character counted as one (see `filters/words.py`)."""
    return len(split_words(text))


def fold(text: str) -> str:
    """Case- and form-insensitive text with typographic apostrophes made plain, for phrase matching."""
    return unicodedata.normalize("NFKC", text).casefold().replace("’", "'").replace("‘", "'")


def has_cjk(text: str) -> bool:
    return _CJK.search(text) is not None


def phrase_pattern(phrases: list[str]) -> re.Pattern[str]:
    """One regex matching any phrase: whole words for Latin phrases, plain substrings for CJK ones."""
    parts = []
    for phrase in sorted({fold(p) for p in phrases if p.strip()}, key=len, reverse=True):
        escaped = re.escape(phrase)
        parts.append(escaped if has_cjk(phrase) else rf"(?<!\w){escaped}(?!\w)")
    return re.compile("|".join(parts) or r"(?!x)x")
