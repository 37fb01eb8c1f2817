"""The one text normalisation shared by training and scoring: a model only works on text prepared the way
its training text was.

fastText splits on whitespace only, so text is reduced to its words: case is folded, punctuation and markup
are dropped, and CJK characters are spaced out one per token (Chinese has no spaces, and a character model
needs no segmenter). Markup is dropped because it says how a text was stored, not what it is about: extracted
web pages are Markdown (`#` headings, `|` tables, `**bold**`), reStructuredText manuals have `..` and `::`,
and a model that sees those symbols learns the format of its training sources instead of their topic.
Newlines would end a fastText example, so everything becomes one line.

The words that make a text a question or an instruction ("what", "why", "explain", "describe"; 什么, 为什么,
简述, 说明) are dropped too, for the same reason: they tell the form of a text, not its topic. The openly licensed
geoscience text a model can be trained on (manuals, glossaries, docstrings) has almost no questions while general
text (fortunes, tutorials) has many, so a model that kept them learnt "question → other" and scored an exam
question such as "Why do S-waves not travel through the outer core?" as general. Training and scoring both go
through `prepare`, so a model is scored on text reduced the way its training text was. (Models trained before
these words were dropped, the shipped geo.ftz of sha256 8b3d36a5… among them, saw them; retrain such a model.)
"""

from __future__ import annotations

import math
import random
import re
import unicodedata
from itertools import islice

_CJK = re.compile(r"([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af])")
_NON_WORD = re.compile(r"[\W_]+")  # punctuation, symbols, markup and underscores become word breaks
# Interrogatives and the instruction verbs of exam questions. Only words that mark a question's form and carry no
# subject of their own: "name", "state", "list", "compare" are left in (they are also content words, and dropping
# them measured no better: geocorpus/classify/models/README.md).
FORM_WORDS_EN = frozenset({"what", "why", "how", "which", "who", "whom", "whose", "when", "where", "explain",
                           "describe", "define", "outline", "discuss", "briefly"})
FORM_WORDS_ZH = ("为什么", "什么", "如何", "怎样", "怎么", "哪些", "哪个", "简述", "试述", "论述", "阐述",
                 "说明", "请问", "有何", "是否")
_FORM_ZH = re.compile("|".join(sorted(FORM_WORDS_ZH, key=len, reverse=True)))  # 为什么 before 什么
MIN_PASSAGE = 8  # words: a short sentence
MAX_TOKENS = 2000  # the start of a long document says what it is about; scoring stays fast


def words(text: str, max_tokens: int = MAX_TOKENS) -> list[str]:
    """Lower-case tokens: words (letters and digits) and single CJK characters, markup and punctuation gone.
    What `prepare` starts from; evaluation code counts text lengths with it, so that what a slice holds does not
    depend on which words a model's normalisation drops."""
    text = unicodedata.normalize("NFKC", text[: max_tokens * 12]).casefold()
    return _NON_WORD.sub(" ", _CJK.sub(r" \1 ", text)).split()[:max_tokens]


def prepare(text: str, max_tokens: int = MAX_TOKENS) -> str:
    """One line of `words`, without the question and instruction words (FORM_WORDS_EN, FORM_WORDS_ZH)."""
    text = _FORM_ZH.sub(" ", text[: max_tokens * 12])
    kept = (t for t in words(text, 10**9) if t not in FORM_WORDS_EN)
    return " ".join(islice(kept, max_tokens))


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
