"""Train the geoscience classifier from positive and negative texts, with an honest held-out report.

The split is by document (a stable hash of its text), before long documents are cut into passages, so no
passage of a held-out document is ever seen in training. Held-out documents are scored whole, the way the
`geo_score` step scores them.
"""

from __future__ import annotations

import hashlib
import random
import tempfile
from collections.abc import Iterable
from pathlib import Path

from geocorpus.classify.fasttext import NEGATIVE, POSITIVE, Hyper, geo_scores, load, train
from geocorpus.classify.metrics import Report, evaluate
from geocorpus.classify.text import passages, prepare

MIN_CHARS = 20  # shorter texts say nothing about a topic


def held_out(text: str, fraction: float) -> bool:
    """Deterministic document-level split: the same text always lands on the same side."""
    digest = hashlib.blake2b(text.encode("utf-8", "replace"), digest_size=8).digest()
    return int.from_bytes(digest, "little") / 2**64 < fraction


def split(texts: Iterable[str], fraction: float) -> tuple[list[str], list[str]]:
    train_docs, test_docs = [], []
    for text in texts:
        if len(text.strip()) >= MIN_CHARS:
            (test_docs if held_out(text, fraction) else train_docs).append(text)
    return train_docs, test_docs


def write_training_file(path: Path, positive: list[str], negative: list[str], passage_words: int,
                        seed: int) -> tuple[int, int]:
    """fastText's format (one `__label__x text` per line), classes balanced by repeating the smaller one.

    Each class's texts are read as one stream of words, in order, and cut into passages whose lengths are
    drawn from the same range for both classes (see `passages`): short texts (dictionary entries, messages)
    are joined with their neighbours and long ones are cut. A passage's length then says nothing about its
    class; otherwise fastText learns it through the end-of-line token every example carries, and a short
    geoscience sentence scores as "other" because short training lines mostly were."""
    rng = random.Random(seed)
    pos = passages(" ".join(prepare(text, 10**9) for text in positive), passage_words, rng)
    neg = passages(" ".join(prepare(text, 10**9) for text in negative), passage_words, rng)
    if not positive or not negative:
        raise ValueError("training needs positive and negative texts")
    lines = [f"{POSITIVE} {p}" for p in _balanced(pos, len(neg), rng)]
    lines += [f"{NEGATIVE} {p}" for p in _balanced(neg, len(pos), rng)]
    rng.shuffle(lines)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(pos), len(neg)


def _balanced(items: list[str], other: int, rng: random.Random) -> list[str]:
    if len(items) >= other:
        return items
    return items * (other // len(items)) + rng.sample(items, other % len(items))


def train_classifier(positive: Iterable[str], negative: Iterable[str], output: Path, hyper: Hyper,
                     test_fraction: float = 0.2, passage_words: int = 200) -> Report | None:
    """Train, save to `output`, and report on held-out documents (None when test_fraction is 0)."""
    pos_train, pos_test = split(positive, test_fraction)
    neg_train, neg_test = split(negative, test_fraction)
    with tempfile.TemporaryDirectory() as tmp:
        train_file = Path(tmp) / "train.txt"
        write_training_file(train_file, pos_train, neg_train, passage_words, hyper.seed)
        output.parent.mkdir(parents=True, exist_ok=True)
        train(train_file, output, hyper)
    if not pos_test or not neg_test:
        return None
    scores = geo_scores(load(str(output)), pos_test + neg_test)
    return evaluate(scores, [True] * len(pos_test) + [False] * len(neg_test))
