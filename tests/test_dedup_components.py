"""Connected components in star rounds over node partitions: the same labels as a textbook union-find.

The rounds are driven here as the runner drives them (every task of a round, then the convergence check), on
graphs that are hard for star rounds (long paths in any numbering), easy ones (stars), and random ones; then
through a real build whose duplicate graph is one long chain spread over many shards.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest
from conftest import write_recipe
from test_dedup_minhash import rows

from geocorpus.build import run_build
from geocorpus.dedup.components import labels, star_round, unstable


def _find(parent: list[int], x: int) -> int:
    while parent[x] != x:
        x = parent[x]
    return x


def union_find(count: int, edges: np.ndarray) -> list[int]:
    """Smallest member of each document's component, the textbook way."""
    parent = list(range(count))
    for a, b in edges.tolist():
        low, high = sorted((_find(parent, a), _find(parent, b)))
        parent[high] = low
    return [_find(parent, i) for i in range(count)]


def star_components(count: int, edges: np.ndarray, parts: int) -> tuple[list[int], int]:
    """(label per document, rounds) with every round run partition by partition, as the build's tasks do."""
    node, other = np.concatenate([edges[:, 0], edges[:, 1]]), np.concatenate([edges[:, 1], edges[:, 0]])
    keep = node != other
    node, other = node[keep], other[keep]
    for number in range(200):
        tasks = [(node[node % parts == p], other[node % parts == p]) for p in range(parts)]
        stable = sum(unstable(n, o) for n, o in tasks) == 0
        outputs = [star_round(n, o, large=number % 2 == 0) for n, o in tasks]
        low = np.concatenate([low for low, _ in outputs])
        high = np.concatenate([high for _, high in outputs])
        node, other = np.concatenate([low, high]), np.concatenate([high, low])
        if stable:
            break
    found = list(range(count))
    for p in range(parts):
        members, label = labels(node[node % parts == p], other[node % parts == p])
        for member, value in zip(members.tolist(), label.tolist(), strict=True):
            found[member] = value
    return found, number + 1


def test_random_graphs_match_a_textbook_union_find_for_any_partition_count() -> None:
    rng = np.random.default_rng(3)
    for _ in range(60):
        count = int(rng.integers(1, 300))
        edges = rng.integers(0, count, size=(int(rng.integers(0, 400)), 2))
        found, _ = star_components(count, edges, int(rng.integers(1, 7)))
        assert found == union_find(count, edges)


@pytest.mark.parametrize("numbering", ["ascending", "descending", "shuffled"])
def test_a_long_path_becomes_one_star_in_few_rounds(numbering: str) -> None:
    """A path is the worst case for star rounds: still O(log² n) rounds, here ~2 log₂ n."""
    count = 10_000
    order = {"ascending": np.arange(count), "descending": np.arange(count)[::-1],
             "shuffled": np.random.default_rng(5).permutation(count)}[numbering]
    found, rounds = star_components(count, np.stack([order[:-1], order[1:]], axis=1), parts=4)
    assert set(found) == {0}
    assert rounds <= 2 * int(np.log2(count)) + 4, f"{rounds} rounds for a path of {count}"


def test_stars_need_a_single_round_whatever_the_centre() -> None:
    leaves = np.arange(1, 500)
    centred_on_smallest = np.stack([np.zeros_like(leaves), leaves], axis=1)
    assert star_components(500, centred_on_smallest, parts=3) == ([0] * 500, 1)
    centred_on_largest = np.stack([np.full(499, 499), np.arange(499)], axis=1)
    found, rounds = star_components(500, centred_on_largest, parts=3)
    assert found == [0] * 500 and rounds <= 3


def test_many_small_components_keep_their_own_smallest_member() -> None:
    rng = np.random.default_rng(8)
    count = 3000
    cluster = rng.integers(0, 400, count)  # ~400 clusters, documents scattered over the numbering
    members = [np.flatnonzero(cluster == c) for c in range(400)]
    edges_array = np.concatenate([np.stack([m[:-1], m[1:]], axis=1) for m in members])  # each cluster a path
    found, _ = star_components(count, edges_array, parts=5)
    assert found == union_find(count, edges_array)
    assert len(set(found)) == len(set(cluster.tolist()))


CHAIN_RECIPE = """\
name: chain-test
output: out
sources:
  - local: {path: docs.jsonl, rows_per_shard: 4}
steps:
  - extract: {}
  - dedup_scholarly: {buckets: 4, match: [doi, arxiv]}
"""


def test_a_chain_of_records_across_shards_is_one_cluster_with_the_smallest_document_as_id(tmp_path: Path) -> None:
    """Record i shares its DOI with i+1 or its arXiv id with i-1: a path through 81 documents in 21 shards."""
    length = 81
    chain = [{"id": f"w{i:03d}", "source": "x", "title": f"Work {i}", "text": "Abstract.",
              "meta": {"doi": f"10.1000/d{(i + 1) // 2}", "arxiv_id": f"2101.{i // 2:05d}"}} for i in range(length)]
    random.Random(4).shuffle(chain)  # the path visits the shards in random order
    with (tmp_path / "docs.jsonl").open("w") as handle:
        handle.writelines(json.dumps(record) + "\n" for record in chain)
        handle.write(json.dumps({"id": "alone", "source": "x", "title": "Alone", "text": "Abstract.",
                                 "meta": {"doi": "10.1000/other"}}) + "\n")
    run_build(write_recipe(tmp_path / "recipe.yaml", CHAIN_RECIPE), output=tmp_path / "out", workers=1)

    scores = {r["id"]: json.loads(r["scores"]) for r in rows(tmp_path / "out") + rows(tmp_path / "out", "rejected")}
    assert {scores[record["id"]]["work_cluster"] for record in chain} == {0.0}, "id: the first document's number"
    assert {scores[record["id"]]["work_cluster_size"] for record in chain} == {float(length)}
    assert scores["alone"] == {"work_cluster": float(length), "work_cluster_size": 1.0}
    assert {r["id"] for r in rows(tmp_path / "out")} == {"alone", min(record["id"] for record in chain)}
    work = tmp_path / "out" / "_work" / "s2-dedup_scholarly"
    rounds = json.loads((work / "components" / "rounds.json").read_text())["rounds"]
    assert rounds > 3 and sorted(p.name for p in work.glob("components-r*")) == [
        f"components-r{n:02d}" for n in range(rounds)]
