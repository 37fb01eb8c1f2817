"""Connected components in rounds over node partitions: no task ever holds the whole graph.

Alternating large-star and small-star rounds (Kiveris et al. 2014, "Connected Components in MapReduce and
Beyond"). Every undirected edge is stored in both directions and partitioned by node (`node % parts`), so a
task sees the whole neighbourhood of each of its nodes and nothing else:

- large-star: each node u links its larger neighbours to m(u), the smallest of u and its neighbours;
- small-star: each node u with smaller neighbours links them and itself to the smallest of them.

Both keep every component connected and end, in O(log² n) rounds (a few in practice), with each component a
star around its smallest node. A task counts the nodes of its input that break that shape ("unstable": with
both smaller and larger neighbours, or with several smaller ones); a round whose input has none changed
nothing, and each node's label is then the smallest of itself and its neighbours — the smallest member of
its component, the same label as a union-find that always hooks the larger root under the smaller.
"""

from __future__ import annotations

import numpy as np

_LOW = np.uint64(0xFFFFFFFF)


def _distinct(node: np.ndarray, other: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (node, other) pairs sorted by node, then other (document numbers fit in 32 bits)."""
    packed = np.unique((node.astype(np.uint64) << np.uint64(32)) | other.astype(np.uint64))
    return (packed >> np.uint64(32)).astype(np.int64), (packed & _LOW).astype(np.int64)


def _groups(node: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(start of each node's run, run number of each entry) of a node-sorted array."""
    first = np.ones(len(node), dtype=bool)
    first[1:] = node[1:] != node[:-1]
    return np.flatnonzero(first), np.cumsum(first) - 1


def unstable(node: np.ndarray, other: np.ndarray) -> int:
    """Nodes that are neither a star's centre nor a leaf with a single (smaller) centre."""
    node, other = _distinct(node, other)
    starts, run = _groups(node)
    smaller = np.bincount(run, weights=other < node, minlength=len(starts))
    larger = np.bincount(run, weights=other > node, minlength=len(starts))
    return int(np.count_nonzero(((smaller > 0) & (larger > 0)) | (smaller > 1)))


def star_round(node: np.ndarray, other: np.ndarray, large: bool) -> tuple[np.ndarray, np.ndarray]:
    """One large- or small-star step over the full neighbourhoods in (node, other): the new undirected edges.

    Returns (low, high) pairs, distinct, low < high; the caller stores them in both directions.
    """
    node, other = _distinct(node, other)
    if len(node) == 0:
        return node, other
    starts, run = _groups(node)
    smallest = other[starts][run]  # sorted by other within a node: the first entry is its smallest neighbour
    if large:
        pick = other > node
        left, right = other[pick], np.minimum(node, smallest)[pick]
    else:
        pick = (other < node) & (other != smallest)  # the node's other smaller neighbours, then the node itself
        has_smaller = smallest < node
        left = np.concatenate([other[pick], node[starts][has_smaller[starts]]])
        right = np.concatenate([smallest[pick], smallest[starts][has_smaller[starts]]])
    low, high = _distinct(np.minimum(left, right), np.maximum(left, right))
    return low, high


def labels(node: np.ndarray, other: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(node, label) of every node in (node, other) once the graph is stars: label = smallest of node and neighbours."""
    node, other = _distinct(node, other)
    starts, _ = _groups(node)
    return node[starts], np.minimum(node[starts], other[starts])
