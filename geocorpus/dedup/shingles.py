"""Word n-gram shingles of many documents at once, as 64-bit hashes in one flat array.

Tokenising and hashing one shingle at a time in Python is what makes MinHash dedup slow elsewhere. Here
prose is normalised and split by Arrow kernels (NFKC, lower case, split on non-letters/digits), each
distinct token of a batch is hashed once, and n-gram hashes are combined with numpy over the whole batch.
Code (`kind=code`) keeps case and punctuation tokens (`a.b(c)` → `a . b ( c )`): in code, operators carry
meaning and identifiers are case-sensitive, so prose normalisation would merge different programs.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from datasketch.minhash import _fmix

_NON_WORD = r"[^\pL\pN\s]"  # RE2 (Arrow) syntax: one character that is not a letter, digit or space
_CODE_TOKEN = re.compile(r"\w+|[^\w\s]")
_MIX = np.uint64(0x9E3779B97F4A7C15)  # odd 64-bit constant (golden ratio) that spreads the previous state
_TOKEN_CACHE: dict[str, int] = {}
_TOKEN_CACHE_MAX = 200_000  # the frequent words (seen first); a bigger dict costs more RSS than it saves time


@dataclass(frozen=True)
class Shingles:
    """Shingle hashes of a batch: `hashes[i]` belongs to document `doc[i]` (non-decreasing)."""

    hashes: np.ndarray  # uint64
    doc: np.ndarray  # int64
    count: int  # documents in the batch (some may have no shingles: no tokens at all)


def tokens(texts: pa.Array | list[str], code: np.ndarray | list[bool]) -> tuple[pa.Array, np.ndarray]:
    """All tokens of the batch in one Arrow string array, and each document's token offsets."""
    texts = texts if isinstance(texts, pa.Array) else pa.array(texts, pa.string())
    # Blanking single characters then splitting on whitespace is ~3× faster in Arrow than one regex split.
    lowered = pc.utf8_lower(pc.utf8_normalize(texts, "NFKC"))
    prose = pc.utf8_split_whitespace(pc.replace_substring_regex(lowered, _NON_WORD, " "))
    values = prose.flatten()
    doc = np.repeat(np.arange(len(texts)), np.diff(prose.offsets.to_numpy()))
    is_code = np.asarray(code, dtype=bool)
    keep = (pc.utf8_length(values).to_numpy(zero_copy_only=False) > 0) & ~is_code[doc]
    flat, doc = values.filter(pa.array(keep)), doc[keep]
    if is_code.any():
        pieces = [(index, _CODE_TOKEN.findall(texts[int(index)].as_py())) for index in np.flatnonzero(is_code)]
        code_doc = np.concatenate([np.full(len(words), index) for index, words in pieces])
        flat = pa.concat_arrays([flat, pa.array([w for _, words in pieces for w in words], pa.string())])
        doc = np.concatenate([doc, code_doc.astype(doc.dtype)])
        order = np.argsort(doc, kind="stable")
        flat, doc = flat.take(pa.array(order)), doc[order]
    counts = np.bincount(doc, minlength=len(texts))
    return flat, np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)


def token_hashes(flat: pa.Array) -> np.ndarray:
    """64-bit hash per token; each distinct token of the batch is hashed once (and cached per process)."""
    encoded = pc.dictionary_encode(flat)
    unique = encoded.dictionary.to_pylist()
    values = np.empty(len(unique), dtype=np.uint64)
    for position, word in enumerate(unique):
        value = _TOKEN_CACHE.get(word)
        if value is None:
            value = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")
            if len(_TOKEN_CACHE) < _TOKEN_CACHE_MAX:
                _TOKEN_CACHE[word] = value
        values[position] = value
    return values[encoded.indices.to_numpy(zero_copy_only=False)]


def _combine(state: np.ndarray, token: np.ndarray) -> np.ndarray:
    """One step of an order-sensitive hash over a token sequence (`a b` and `b a` differ)."""
    return _fmix(state * _MIX + token, 64)


def shingle(texts: pa.Array | list[str], code: np.ndarray | list[bool], n: int) -> Shingles:
    """Hashes of every word n-gram; a document with 1..n-1 tokens is one shingle of all its tokens."""
    flat, offsets = tokens(texts, code)
    words = token_hashes(flat) if len(flat) else np.zeros(0, dtype=np.uint64)
    lengths = np.diff(offsets)
    starts = offsets[:-1]
    with np.errstate(over="ignore"):
        grams = words[: max(len(words) - n + 1, 0)].copy()
        for k in range(1, n):
            grams = _combine(grams, words[k: k + len(grams)])
    # A gram starting at position p is valid when the document of p still has n tokens from p on.
    doc_of_token = np.repeat(np.arange(len(texts)), lengths)
    valid = np.arange(len(grams)) + n <= offsets[1:][doc_of_token[: len(grams)]]
    hashes, doc = grams[valid], doc_of_token[: len(grams)][valid]
    short = np.flatnonzero((lengths > 0) & (lengths < n))
    if len(short):
        extra = np.empty(len(short), dtype=np.uint64)
        with np.errstate(over="ignore"):
            for position, index in enumerate(short):
                state = words[starts[index]: starts[index] + 1].copy()
                for k in range(1, lengths[index]):
                    state = _combine(state, words[starts[index] + k: starts[index] + k + 1])
                extra[position] = state[0] ^ np.uint64(lengths[index])  # not equal to a longer gram's prefix
        hashes, doc = np.concatenate([hashes, extra]), np.concatenate([doc, short])
        order = np.argsort(doc, kind="stable")
        hashes, doc = hashes[order], doc[order]
    return Shingles(hashes, doc.astype(np.int64), len(texts))


def unique_per_doc(shingles: Shingles) -> tuple[np.ndarray, np.ndarray]:
    """Each document's distinct shingle hashes, sorted: flat values and per-document offsets."""
    if shingles.count <= np.iinfo(np.uint16).max:
        # Sort by hash, then stably by document: a stable sort of 16-bit numbers is a radix sort, and the two
        # together are ~3× faster than lexsort's two passes.
        order = np.argsort(shingles.hashes)
        order = order[np.argsort(shingles.doc[order].astype(np.uint16), kind="stable")]
    else:
        order = np.lexsort((shingles.hashes, shingles.doc))
    hashes, doc = shingles.hashes[order], shingles.doc[order]
    keep = np.ones(len(hashes), dtype=bool)
    keep[1:] = (hashes[1:] != hashes[:-1]) | (doc[1:] != doc[:-1])
    hashes, doc = hashes[keep], doc[keep]
    counts = np.bincount(doc, minlength=shingles.count)
    return hashes, np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
