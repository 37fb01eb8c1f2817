"""Connected components of a duplicate graph whose edges arrive in chunks: memory is one int64 per document.

Union-find over numpy arrays, vectorised per chunk of edges ("hook and compress"): look up both ends' roots,
hook the larger root under the smaller, compress every path by pointer doubling, and repeat until each edge
of the chunk lies inside one component. Parents only ever point to smaller indices, so there are no cycles,
and each component's root is its smallest document index — the same labels whatever order the chunks come
in. Only the parent array and one chunk of edges are in memory; chunks are read from disk one at a time.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


def _compress(parent: np.ndarray) -> None:
    """Point every document straight at its root (pointer doubling: log(depth) passes, not depth)."""
    while True:
        above = parent[parent]
        if np.array_equal(above, parent):
            return
        parent[:] = above


def union_chunk(parent: np.ndarray, left: np.ndarray, right: np.ndarray) -> None:
    """Merge the components joined by the edges (left[i], right[i]); `parent` is compressed before and after."""
    while len(left):
        a, b = parent[left], parent[right]
        apart = a != b
        if not apart.any():
            return
        left, right, a, b = left[apart], right[apart], a[apart], b[apart]
        # Several edges may hook the same root: minimum.at keeps the smallest, the rest retry next round.
        np.minimum.at(parent, np.maximum(a, b), np.minimum(a, b))
        _compress(parent)


def components(count: int, chunks: Iterable[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """Component label (smallest member index) of each of `count` documents."""
    parent = np.arange(count, dtype=np.int64)
    for left, right in chunks:
        union_chunk(parent, left.astype(np.int64), right.astype(np.int64))
    return parent
