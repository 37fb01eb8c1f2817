"""Labeled near-duplicate corpora for `benchmarks/dedup.py`: real text with controlled edits, or synthetic text.

Real text, all available offline: docstrings of the installed Python packages and the standard library (read
with `ast`), and the text of the repository's sample pages. Passages become originals only if most of their
word 5-grams are new, so unrelated families do not overlap by accident. Each family is an original plus edited
copies — word substitutions, deleted or inserted spans, a boilerplate header, swapped halves, case/whitespace
noise — at strengths that fall on both sides of the 0.8 threshold. Truth: two members of a family are
duplicates when the exact Jaccard of their word 5-gram sets is ≥ 0.8 (clusters are the connected components).
"""

from __future__ import annotations

import ast
import itertools
import random
import re
import sysconfig
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WORD = re.compile(r"[^\W_]+")
BOILERPLATE = ["Copyright notice: all rights reserved by the respective authors.",
               "This page was generated automatically; see the project website for updates.",
               "Share this article on social media or download it as a PDF file."]


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


def shingle_set(text: str, n: int = 5) -> set[int]:
    tokens = words(text)
    return {hash(tuple(tokens[i:i + n])) for i in range(max(len(tokens) - n + 1, 1))} if tokens else set()


def jaccard(a: set[int], b: set[int]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def real_passages() -> Iterator[str]:
    """Docstrings (≥ 60 words) of installed packages and the standard library, then sample page text."""
    roots = [Path(sysconfig.get_paths()["purelib"]), Path(sysconfig.get_paths()["stdlib"])]
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            try:
                tree = ast.parse(path.read_text(encoding="utf-8"))
            except (SyntaxError, UnicodeDecodeError, ValueError, OSError):
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                    doc = ast.get_docstring(node)
                    if doc and len(doc.split()) >= 60:
                        yield doc
    for page in sorted((REPO / "recipes" / "samples").rglob("*.html")):
        yield re.sub(r"<[^>]+>", " ", page.read_text(encoding="utf-8", errors="replace"))


def originals(count: int, min_words: int = 80, max_words: int = 400) -> list[str]:
    """`count` passages, each sharing under 20% of its 5-grams with the passages taken before it."""
    seen: set[int] = set()
    taken = []
    for passage in real_passages():
        text = " ".join(passage.split()[:max_words])
        if len(text.split()) < min_words:
            continue
        grams = shingle_set(text)
        if len(grams & seen) > 0.2 * len(grams):
            continue
        seen |= grams
        taken.append(text)
        if len(taken) == count:
            return taken
    raise SystemExit(f"only {len(taken)} distinct passages of real text found; ask for fewer families")


def edited(rng: random.Random, text: str, vocabulary: list[str]) -> str:
    """A copy with one or two controlled edits of random strength (some stay ≥ 0.8 Jaccard, some fall below)."""
    tokens = text.split()
    for _ in range(rng.choice((1, 1, 2))):
        edit = rng.choice(("substitute", "delete", "insert", "boilerplate", "swap", "noise"))
        strength = rng.choice((0.01, 0.02, 0.03, 0.05, 0.08, 0.12))
        span = max(1, int(len(tokens) * strength))
        if edit == "substitute":
            for _ in range(span):
                tokens[rng.randrange(len(tokens))] = rng.choice(vocabulary)
        elif edit == "delete" and len(tokens) > span + 10:
            start = rng.randrange(len(tokens) - span)
            del tokens[start:start + span]
        elif edit == "insert":
            start = rng.randrange(len(tokens))
            tokens[start:start] = [rng.choice(vocabulary) for _ in range(span)]
        elif edit == "boilerplate":
            tokens = rng.choice(BOILERPLATE).split() + tokens
        elif edit == "swap":
            middle = len(tokens) // 2
            tokens = tokens[middle:] + tokens[:middle]
        else:
            tokens = [t.upper() if rng.random() < 0.3 else t for t in tokens]
    return (" " if rng.random() < 0.5 else "\n").join(tokens)


def labeled_corpus(families: int, seed: int = 13) -> tuple[list[dict], list[int]]:
    """Documents (id, text, family) and, per document, its truth cluster (an index into the list)."""
    rng = random.Random(seed)
    bases = originals(families)
    vocabulary = sorted({w for text in bases[:200] for w in text.split()})
    docs = []
    for family, base in enumerate(bases):
        docs.append({"id": f"{family:06d}-0", "text": base, "family": family})
        for copy in range(1, rng.choice((1, 2, 2, 3, 3, 4, 5))):
            docs.append({"id": f"{family:06d}-{copy}", "text": edited(rng, base, vocabulary), "family": family})
    rng.shuffle(docs)
    return docs, truth_clusters(docs)


def truth_clusters(docs: list[dict], threshold: float = 0.8) -> list[int]:
    """Connected components of 'same family and exact 5-gram Jaccard ≥ threshold'."""
    parent = list(range(len(docs)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    by_family: dict[int, list[int]] = {}
    for index, doc in enumerate(docs):
        by_family.setdefault(doc["family"], []).append(index)
    for members in by_family.values():
        sets = {i: shingle_set(docs[i]["text"]) for i in members}
        for position, a in enumerate(members):
            for b in members[position + 1:]:
                if jaccard(sets[a], sets[b]) >= threshold:
                    parent[find(max(a, b))] = find(min(a, b))
    return [find(i) for i in range(len(docs))]


def synthetic_corpus(count: int, seed: int = 5, words_per_doc: int = 200) -> Iterator[dict]:
    """Zipf-like random text, 30% of documents light edits of an earlier one (for scale runs, no truth)."""
    rng = random.Random(seed)
    vocabulary = [f"w{i}" for i in range(50_000)]
    cumulative = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(vocabulary))))
    recent: list[str] = []
    for index in range(count):
        if recent and rng.random() < 0.3:
            text = edited(rng, rng.choice(recent), vocabulary[:2000])
        else:
            text = " ".join(rng.choices(vocabulary, cum_weights=cumulative, k=words_per_doc))
            recent = (recent + [text])[-1000:]
        yield {"id": f"s{index:08d}", "text": text}
