"""Held-out evaluation slices for the geoscience classifier, shaped like the issue's check: exam-question-length
sentences and paper-like passages, in English and Chinese, and API documentation, geoscience vs general.

Every slice is cut from whole sources the model never trained on (the split is by source, not by passage:
see HELD_OUT in build_geo_model.py). Used by scripts/build_geo_model.py and benchmarks/classifier.py.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from geo_model_probes import (
    EXAM_GENERAL,
    EXAM_GEO,
    FINAL_GENERAL_EN,
    FINAL_GENERAL_ZH,
    FINAL_GEO_EN,
    FINAL_GEO_ZH,
    SECOND_CHECK_GENERAL_EN,
    SECOND_CHECK_GENERAL_ZH,
    SECOND_CHECK_GEO_EN,
    SECOND_CHECK_GEO_ZH,
)

from geocorpus.classify.fasttext import geo_scores
from geocorpus.classify.metrics import Report, evaluate
from geocorpus.classify.text import prepare, words

SHORT = (8, 40)  # tokens (English words, Chinese characters): one sentence or exam question
LONG = (100, 400)  # tokens: a paragraph to a page of a paper or thesis
PER_SOURCE = 400  # texts drawn from one source for one slice, so no single source decides a slice
_EN_SENTENCE = re.compile(r"(?<=[.?!])\s+(?=[A-Z])")
_ZH_SENTENCE = re.compile(r"(?<=[。！？；])|\n")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_LETTERS = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class HeldOut:
    """A whole source kept out of training: its class, language ("en"/"zh") and style ("prose"/"api")."""

    name: str
    geo: bool
    lang: str
    style: str
    read: Callable[[], Iterator[str]]


@dataclass(frozen=True)
class Slice:
    name: str
    geo: list[str]
    general: list[str]


def _tokens(text: str) -> int:
    return len(words(text))


def _is_sentence(text: str, lang: str) -> bool:
    """Running prose, not a code line, a table row or a parameter list."""
    if lang == "zh":
        return len(_CJK.findall(text)) >= 0.6 * max(_tokens(text), 1)
    compact = text.replace(" ", "")
    return text.endswith((".", "?", "!")) and len(_LETTERS.findall(text)) >= 0.8 * max(len(compact), 1)


def sentences(text: str, lang: str) -> list[str]:
    """The sentences of a text that are SHORT tokens long and read as prose."""
    pattern = _ZH_SENTENCE if lang == "zh" else _EN_SENTENCE
    out = []
    for paragraph in re.split(r"\n\s*\n", text):
        joined = paragraph.strip() if lang == "zh" else " ".join(paragraph.split())
        for sentence in pattern.split(joined):
            sentence = sentence.strip()
            if SHORT[0] <= _tokens(sentence) <= SHORT[1] and _is_sentence(sentence, lang):
                out.append(sentence)
    return out


def passages(text: str) -> list[str]:
    """Consecutive paragraphs joined until LONG[0] tokens, each passage at most LONG[1] tokens."""
    out, current = [], []
    for paragraph in re.split(r"\n\s*\n", text):
        current.append(paragraph.strip())
        size = _tokens("\n\n".join(current))
        if size >= LONG[0]:
            if size <= LONG[1]:
                out.append("\n\n".join(current))
            else:  # one long paragraph (Chinese notes have no blank lines): windows of its words
                tokens = words("\n\n".join(current))
                out += [" ".join(tokens[i:i + 300]) for i in range(0, len(tokens) - LONG[0] + 1, 300)]
            current = []
    return out


def _draw(texts: list[str], rng: random.Random) -> list[str]:
    return texts if len(texts) <= PER_SOURCE else rng.sample(texts, PER_SOURCE)


def build_slices(sources: list[HeldOut], seed: int = 7, final: bool = False, second: bool = False) -> list[Slice]:
    """EN short, EN long, ZH short, ZH long, API docs, everything held out (whole texts), and the exam probe;
    with `final`, also the final-check probe (see `final_check`), with `second` the second check."""
    rng = random.Random(seed)
    whole = {s.name: [t for t in s.read() if t.strip()] for s in sources}
    cut: dict[str, dict[bool, list[str]]] = {}

    def add(name: str, geo: bool, texts: list[str]) -> None:
        cut.setdefault(name, {True: [], False: []})[geo] += _draw(texts, rng)

    for source in sources:
        texts = whole[source.name]
        short = [s for t in texts for s in sentences(t, source.lang)]
        add(f"{source.lang} short (sentences, {SHORT[0]}-{SHORT[1]} tokens)", source.geo, short)
        if source.style == "prose" or source.lang == "zh":
            add(f"{source.lang} long (passages, {LONG[0]}-{LONG[1]} tokens)", source.geo,
                [p for t in texts for p in passages(t)])
        if source.style == "api":
            add("api docs (one module's docstrings)", source.geo, texts)
        add("all held-out sources (whole texts)", source.geo, texts)
    return [*(Slice(name, parts[True], parts[False]) for name, parts in sorted(cut.items())
              if parts[True] and parts[False]), exam_probe(), *([final_check()] if final else []),
            *([second_check()] if second else [])]


def exam_probe() -> Slice:
    """The issue's own check in miniature: exam-style geoscience questions against news and blog sentences of
    the same length and form ("Why …?", "Describe …"). Written for this evaluation, never trained on; 16 + 16
    texts, so an AUC moves by about 0.004 per swapped pair and is read as a direction, not a figure."""
    return Slice("exam-style questions vs news/blog sentences (hand-written probe)", EXAM_GEO, EXAM_GENERAL)


def final_check() -> Slice:
    """A second, independent exam probe, read only once a model is chosen (never to choose settings, so that
    what is tuned on `exam_probe` is checked on questions it was not tuned on). Written for this evaluation,
    never trained on: 48 exam-style geoscience questions (geology, hydrology, meteorology, oceanography,
    physical and human geography, GIS and remote sensing; 24 English, 24 Chinese in the style of graduate-entrance
    exams) against 48 general texts, 24 English and 24 Chinese, half of them quiz questions about other subjects
    (history, sports, cooking, finance, pop culture), so question form alone cannot separate the classes, and
    half news, blog and forum sentences."""
    return Slice("final check: exam questions vs quiz questions + news/forum (EN + ZH, read once)",
                 FINAL_GEO_EN + FINAL_GEO_ZH, FINAL_GENERAL_EN + FINAL_GENERAL_ZH)


def second_check() -> Slice:
    """The issue's check on texts no setting was chosen with: 64 exam questions (32 English, 32 Chinese) against
    64 news sentences and blog/forum posts, written and committed before the models it judges were trained
    (geo_model_probes.py). Read once, for the model a round chose, never to choose between models."""
    return Slice("second check: exam questions vs news/blog/forum (EN + ZH, read once)",
                 SECOND_CHECK_GEO_EN + SECOND_CHECK_GEO_ZH, SECOND_CHECK_GENERAL_EN + SECOND_CHECK_GENERAL_ZH)


def score_slices(model: Any, slices: list[Slice], normalise: Callable[[str], str] = prepare
                 ) -> list[tuple[Slice, Report]]:
    return [(s, evaluate(geo_scores(model, s.geo + s.general, normalise),
                         [True] * len(s.geo) + [False] * len(s.general))) for s in slices]


def table(rows: list[tuple[str, list[tuple[Slice, Report]]]]) -> str:
    """A Markdown table: one row per slice, AUC and P/R at 0.5 per model (models side by side)."""
    header = "| slice | geo / general texts | " + " | ".join(f"{name} AUC | {name} P / R" for name, _ in rows) + " |"
    lines = [header, "| --- | ---: |" + " ---: | --- |" * len(rows)]
    for i, (piece, _) in enumerate(rows[0][1]):
        cells = " | ".join(f"{r[i][1].auc:.3f} | {r[i][1].precision:.2f} / {r[i][1].recall:.2f}" for _, r in rows)
        lines.append(f"| {piece.name} | {len(piece.geo)} / {len(piece.general)} | {cells} |")
    return "\n".join(lines)
