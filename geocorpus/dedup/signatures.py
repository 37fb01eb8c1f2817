"""MinHash signatures of a batch of documents, vectorised over datasketch's permutations, and LSH band keys.

The permutations, the pre-mix and the arithmetic are datasketch's ("affine32" scheme: `a * fmix32(h) + b`
in uint32), applied to all shingles of many documents at once with numpy instead of one `MinHash` per
document; `tests/test_dedup_minhash.py` checks the result equals `datasketch.MinHash` exactly. The LSH
shape (bands × rows) is datasketch's optimum for the threshold unless the recipe gives it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from datasketch import MinHash, MinHashLSH
from datasketch.minhash import _fmix

from geocorpus.dedup.shingles import Shingles

SCHEME = "affine32"
EMPTY = np.uint32(0xFFFFFFFF)  # datasketch's value for "no shingle seen"
_CHUNK = 8192  # shingles permuted at once: (chunk × num_perm) uint32 temporaries stay a few MB


@dataclass(frozen=True)
class LshShape:
    num_perm: int
    seed: int
    bands: int
    rows: int

    @classmethod
    def choose(cls, threshold: float, num_perm: int, seed: int, bands: int | None, rows: int | None,
               miss_weight: float = 0.5) -> LshShape:
        """Explicit bands × rows, or datasketch's choice weighing missed pairs by `miss_weight` against
        false candidates by `1 - miss_weight`."""
        if bands is None or rows is None:
            lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, weights=(1.0 - miss_weight, miss_weight))
            bands, rows = lsh.b, lsh.r
        if bands * rows > num_perm:
            raise ValueError(f"bands × rows = {bands * rows} exceeds num_perm = {num_perm}")
        return cls(num_perm, seed, bands, rows)

    @cached_property
    def permutations(self) -> tuple[np.ndarray, np.ndarray]:
        a, b = MinHash(num_perm=self.num_perm, seed=self.seed, scheme=SCHEME).permutations
        return a.astype(np.uint32), b.astype(np.uint32)


def signatures(shingles: Shingles, shape: LshShape) -> np.ndarray:
    """(documents × num_perm) uint32 minimums; a document without shingles keeps `EMPTY` everywhere."""
    a, b = shape.permutations
    a, b = a[:, None], b[:, None]
    result = np.full((shingles.count, shape.num_perm), EMPTY, dtype=np.uint32)
    mixed = _fmix(shingles.hashes.astype(np.uint32), 32)  # low 32 bits, as datasketch's 32-bit hashfunc
    # Permutations × shingles, reduced along the contiguous axis into one buffer: ~10× faster than
    # shingles × permutations reduced across rows.
    buffer = np.empty((shape.num_perm, _CHUNK), dtype=np.uint32)
    for start in range(0, len(mixed), _CHUNK):
        docs, chunk = shingles.doc[start: start + _CHUNK], mixed[start: start + _CHUNK]
        permuted = buffer[:, : len(chunk)]
        np.multiply(a, chunk[None, :], out=permuted)
        permuted += b
        firsts = np.flatnonzero(np.concatenate([[True], docs[1:] != docs[:-1]]))
        owners = docs[firsts]
        result[owners] = np.minimum(result[owners], np.minimum.reduceat(permuted, firsts, axis=1).T)
    return result


def band_keys(signature: np.ndarray, shape: LshShape) -> np.ndarray:
    """(documents × bands) uint64: one hash per band of `rows` values; equal bands give equal keys."""
    keys = np.empty((len(signature), shape.bands), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for band in range(shape.bands):
            state = np.full(len(signature), band + 1, dtype=np.uint64)
            for column in range(band * shape.rows, (band + 1) * shape.rows):
                state = _fmix(state * np.uint64(0x9E3779B97F4A7C15) + signature[:, column].astype(np.uint64), 64)
            keys[:, band] = state
    return keys
