"""Duplicate questions inside one benchmark, found by a hash of the normalised stem and options.

Benchmarks assembled from exam banks repeat questions (K2's NPEE lists some terms several times); a
repeated item counts twice in the accuracy, so the evaluator reports the groups and scores with and
without the repeats. Normalisation: NFKC (full-width → ASCII), case folding, punctuation and whitespace
removed; options are sorted, so the same question with shuffled options is still a duplicate.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence

from geocorpus.evaluate.mcq_items import MCQItem

_NOISE = re.compile(r"[\W_]+")


def normalise(text: str) -> str:
    return _NOISE.sub("", unicodedata.normalize("NFKC", text).casefold())


def item_key(item: MCQItem) -> str:
    """The same key for the same question, whatever its spacing, punctuation, case or option order."""
    parts = [normalise(item.stem), *sorted(normalise(o) for o in item.options)]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


def duplicate_groups(items: Sequence[MCQItem]) -> list[list[str]]:
    """Ids of items sharing a key, one list per repeated question, in first-seen order."""
    groups: dict[str, list[str]] = defaultdict(list)
    for item in items:
        groups[item_key(item)].append(item.item_id)
    return [ids for ids in groups.values() if len(ids) > 1]


def first_occurrences(items: Sequence[MCQItem]) -> list[bool]:
    """True for the first item of each key: the mask that scores the benchmark without its repeats."""
    seen: set[str] = set()
    mask = []
    for item in items:
        key = item_key(item)
        mask.append(key not in seen)
        seen.add(key)
    return mask
