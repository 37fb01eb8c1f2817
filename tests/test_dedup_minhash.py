"""`dedup_minhash` in real builds: near-duplicates found, others kept apart, keep policy, edge cases, determinism."""

from __future__ import annotations

import json
import random
from itertools import combinations
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import TOPICS, article, write_recipe

from geocorpus.build import run_build
from geocorpus.dedup import minhash

RECIPE = """\
name: minhash-test
output: out
sources:
  - local: {{path: docs.jsonl, rows_per_shard: {rows}}}
steps:
  - extract: {{}}
  - dedup_minhash: {{buckets: 4{extra}}}
"""


def write_docs(directory: Path, docs: list[dict], rows: int = 40, extra: str = "") -> Path:
    """A JSONL corpus and a recipe that dedups it; returns the recipe path."""
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / "docs.jsonl").open("w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(doc) + "\n" for doc in docs)
    return write_recipe(directory / "recipe.yaml", RECIPE.format(rows=rows, extra=extra))


def edit(rng: random.Random, text: str, changes: int) -> str:
    """Replace `changes` words: a near-duplicate whose Jaccard falls with the number of changes."""
    words = text.split()
    for _ in range(changes):
        words[rng.randrange(len(words))] = rng.choice(["basalt", "granite", "shale", "quartz", "mica"])
    return " ".join(words)


def shingles(text: str, n: int = 5) -> set[tuple[str, ...]]:
    words = text.lower().replace(".", " ").split()
    return {tuple(words[i:i + n]) for i in range(max(len(words) - n + 1, 1))}


def jaccard(a: str, b: str) -> float:
    first, second = shingles(a), shingles(b)
    return len(first & second) / len(first | second)


def family_corpus(families: int, seed: int = 3) -> list[dict]:
    """Families of an original and 0-3 light edits (Jaccard ≥ 0.8 to the original), shuffled."""
    rng = random.Random(seed)
    docs = []
    for family in range(families):
        original = article(rng, sorted(TOPICS)[family % len(TOPICS)], 250)
        docs.append({"id": f"f{family:03d}-0", "text": original})
        for variant in range(1, rng.randint(1, 4)):
            docs.append({"id": f"f{family:03d}-{variant}", "text": edit(rng, original, 3)})
    rng.shuffle(docs)
    return docs


def rows(output: Path, directory: str = "data") -> list[dict]:
    files = sorted((output / directory).glob("*.parquet"))
    return pa.concat_tables(pq.read_table(f) for f in files).to_pylist() if files else []


def clusters(output: Path) -> dict[str, float]:
    """Document id → dup_cluster, over kept and rejected documents."""
    return {r["id"]: json.loads(r["scores"])["dup_cluster"] for r in rows(output) + rows(output, "rejected")}


@pytest.fixture(scope="module")
def families(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict], Path]:
    docs = family_corpus(60)
    root = tmp_path_factory.mktemp("families")
    recipe = write_docs(root, docs)
    run_build(recipe, output=root / "w1", workers=1)
    return docs, root


def test_near_duplicates_are_found_and_different_documents_kept_apart(families: tuple[list[dict], Path]) -> None:
    docs, root = families
    by_id = {d["id"]: d["text"] for d in docs}
    found = clusters(root / "w1")
    assert set(found) == set(by_id), "every document, kept or rejected, carries a dup_cluster score"
    for a, b in combinations(sorted(by_id), 2):
        same_family = a.split("-")[0] == b.split("-")[0]
        if same_family and jaccard(by_id[a], by_id[b]) >= 0.8:
            assert found[a] == found[b], f"{a} and {b} are near-duplicates but were not clustered"
        if not same_family:
            assert found[a] != found[b], f"{a} and {b} are unrelated but were clustered"
    kept = rows(root / "w1")
    assert len(kept) == 60, "one document per family"
    rejected = rows(root / "w1", "rejected")
    assert {r["reason"] for r in rejected} == {"dedup_minhash:near_duplicate"}
    kept_ids = {r["id"] for r in kept}
    for record in rejected:
        kept_id = json.loads(record["meta"])["rejection_detail"].removeprefix("near duplicate of ")
        assert kept_id in kept_ids and kept_id.split("-")[0] == record["id"].split("-")[0]
    stats = json.loads((root / "w1" / "stats.json").read_text())["steps"][-1]
    dropped = {"dedup_minhash:near_duplicate": len(docs) - 60}
    assert (stats["in"], stats["out"], stats["dropped"]) == (len(docs), 60, dropped)


def test_output_is_the_same_for_two_workers_and_a_rerun(families: tuple[list[dict], Path]) -> None:
    _, root = families
    run_build(root / "recipe.yaml", output=root / "w2", workers=2)
    run_build(root / "recipe.yaml", output=root / "again", workers=1, fresh=True)
    reference = rows(root / "w1") + rows(root / "w1", "rejected")
    assert rows(root / "w2") + rows(root / "w2", "rejected") == reference
    assert rows(root / "again") + rows(root / "again", "rejected") == reference


def test_small_batches_and_verification_chunks_give_the_same_output(families: tuple[list[dict], Path],
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Shingle sets written batch by batch and candidates verified a few pairs at a time change nothing."""
    _, root = families
    monkeypatch.setattr(minhash, "_BATCH_ROWS", 7)  # several record batches per shard's shingle-set file
    monkeypatch.setattr(minhash, "_VERIFY_CHUNK_PAIRS", 3)
    run_build(root / "recipe.yaml", output=root / "small", workers=1)
    assert rows(root / "small") + rows(root / "small", "rejected") == rows(root / "w1") + rows(root / "w1", "rejected")


def test_keep_policy_published_then_open_licence_then_quality_then_longer_then_smallest_id(tmp_path: Path) -> None:
    rng = random.Random(5)
    bases = [article(rng, "seismology", 200) for _ in range(5)]
    docs = [
        # 0: the journal version wins over a longer preprint with an open licence
        {"id": "a-preprint", "text": bases[0] + " extra words here", "license": "CC-BY-4.0",
         "meta": {"arxiv_id": "2101.00001v2"}},
        {"id": "z-journal", "text": bases[0], "meta": {"doi": "10.1029/2021GL000001", "journal": "GRL"}},
        # 1: an open licence wins over unknown
        {"id": "a-unknown", "text": bases[1] + " more", "license": "unknown"},
        {"id": "z-open", "text": bases[1], "license": "CC-BY-4.0"},
        # 2: a higher quality score wins (quality_score: geo_score)
        {"id": "a-low", "text": bases[2] + " more", "scores": {"geo_score": 0.2}},
        {"id": "z-high", "text": bases[2], "scores": {"geo_score": 0.9}},
        # 3: the longer text wins
        {"id": "a-short", "text": bases[3]},
        {"id": "z-long", "text": bases[3] + " and a longer ending"},
        # 4: everything equal: the smallest id
        {"id": "b-same", "text": bases[4]},
        {"id": "a-same", "text": bases[4]},
    ]
    recipe = write_docs(tmp_path, docs, extra=", quality_score: geo_score")
    run_build(recipe, output=tmp_path / "out", workers=1)
    assert sorted(r["id"] for r in rows(tmp_path / "out")) == ["a-same", "z-high", "z-journal", "z-long", "z-open"]


def test_empty_and_one_word_documents(tmp_path: Path) -> None:
    docs = [{"id": "e1", "text": ""}, {"id": "e2", "text": "   "}, {"id": "w1", "text": "Basalt"},
            {"id": "w2", "text": "basalt!"}, {"id": "w3", "text": "granite"}, {"id": "t1", "text": "two words"}]
    recipe = write_docs(tmp_path, docs, rows=4)
    run_build(recipe, output=tmp_path / "out", workers=1)
    kept = {r["id"] for r in rows(tmp_path / "out")}
    # Documents without words have nothing to compare (dedup_exact merges identical ones); the same single
    # word is a duplicate (the longer text is kept); different short texts are not.
    assert kept == {"e1", "e2", "w2", "w3", "t1"}
    assert all("dup_cluster" in json.loads(r["scores"]) for r in rows(tmp_path / "out"))


def test_a_corpus_of_copies_keeps_one_document(tmp_path: Path) -> None:
    text = article(random.Random(9), "glaciology", 300)
    docs = [{"id": f"copy-{i:03d}", "text": text if i % 2 else text.upper()} for i in range(150)]
    recipe = write_docs(tmp_path, docs, rows=20)
    run_build(recipe, output=tmp_path / "out", workers=1)
    assert [r["id"] for r in rows(tmp_path / "out")] == ["copy-000"]
    sizes = {json.loads(r["scores"])["dup_cluster_size"] for r in rows(tmp_path / "out", "rejected")}
    assert sizes == {150.0}


def test_code_keeps_case_and_symbols_apart(tmp_path: Path) -> None:
    """As prose these two programs are one text; as code (`kind: code`) they differ in every line."""
    lines = [f"value_{i} = compute(data[{i}], axis={i % 3})" for i in range(40)]
    lower = "\n".join(lines)
    docs = [{"id": "c1", "text": lower, "kind": "code"},
            {"id": "c2", "text": lower.replace("compute(", "Compute.").replace(")", ""), "kind": "code"},
            {"id": "p1", "text": lower, "kind": "text"},
            {"id": "p2", "text": lower.replace("compute(", "Compute.").replace(")", ""), "kind": "text"}]
    recipe = write_docs(tmp_path, docs)
    run_build(recipe, output=tmp_path / "out", workers=1)
    assert {r["id"] for r in rows(tmp_path / "out")} == {"c1", "c2", "p1"}
