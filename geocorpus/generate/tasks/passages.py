"""Cutting documents into passages of about N words at paragraph boundaries, and sampling them by seed.

A generated pair should rest on one coherent piece of text the model can read whole: paragraphs are kept
together until a passage reaches its size (a paragraph far longer than that is cut at sentence ends), and a
short tail joins the passage before it. Size counts words, and each CJK character as one word, so `words:
300` means about the same amount of content in English and Chinese. Cutting and sampling depend only on the
text, the sizes and the seed: a rerun makes the same passages, hence the same requests and cache hits.
"""

from __future__ import annotations

import random
import re
from typing import TypeVar

from geocorpus.document import stable_id

T = TypeVar("T")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af]")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+|(?<=[。！？])")


def size(text: str) -> int:
    """Words, counting each CJK character as a word."""
    cjk = len(_CJK.findall(text))
    return cjk + len(_CJK.sub(" ", text).split())


def detect_lang(text: str, stated: str | None) -> str:
    """`en` or `zh`: the document's own `lang` when it is one of them, otherwise by the share of CJK text."""
    if stated in ("en", "zh"):
        return stated
    if stated and stated.startswith("zh"):
        return "zh"
    sample = text[:4000]
    return "zh" if sample and len(_CJK.findall(sample)) > 0.2 * size(sample) else "en"


def _pieces(text: str, words: int) -> list[str]:
    """Paragraphs, with any paragraph over twice the target cut at sentence ends; a heading joins what follows."""
    pieces: list[str] = []
    heading = ""
    for paragraph in _PARAGRAPH_BREAK.split(text):
        paragraph = paragraph.strip()
        if not paragraph:
            continue
        if paragraph.startswith("#") and "\n" not in paragraph:
            heading = f"{heading}\n{paragraph}".strip()
            continue
        if heading:
            paragraph, heading = f"{heading}\n{paragraph}", ""
        if size(paragraph) <= 2 * words:
            pieces.append(paragraph)
            continue
        current = ""
        for sentence in _SENTENCE_END.split(paragraph):
            if current and size(current) + size(sentence) > words:
                pieces.append(current)
                current = ""
            current = f"{current} {sentence}".strip() if current else sentence
        if current:
            pieces.append(current)
    return pieces


def split_passages(text: str, words: int, min_words: int) -> list[str]:
    """Consecutive passages of about `words` words; one under `min_words` joins its neighbour or is dropped."""
    passages: list[str] = []
    current: list[str] = []
    for piece in _pieces(text, words):
        if current and size("\n\n".join([*current, piece])) > words * 5 // 4 \
                and size("\n\n".join(current)) >= min_words:
            passages.append("\n\n".join(current))  # this paragraph would overshoot: it starts the next one
            current = []
        current.append(piece)
        if size("\n\n".join(current)) >= words:
            passages.append("\n\n".join(current))
            current = []
    if current:
        tail = "\n\n".join(current)
        if size(tail) >= min_words:
            passages.append(tail)
        elif passages and size(passages[-1]) + size(tail) <= 2 * words:
            passages[-1] = f"{passages[-1]}\n\n{tail}"
    return [p for p in passages if size(p) >= min_words]


def sample(items: list[T], count: int | None, *key: str) -> list[tuple[int, T]]:
    """Up to `count` (index, item) pairs chosen by a generator seeded with `key`, in document order."""
    indexed = list(enumerate(items))
    if count is None or count >= len(indexed):
        return indexed
    rng = random.Random(stable_id(*key))
    return sorted(rng.sample(indexed, count))
