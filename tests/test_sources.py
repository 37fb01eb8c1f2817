"""Sources: `hf` (save_to_disk datasets and Parquet, no extract step) and `local` with JSONL documents."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import datasets
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import write_html_corpus, write_recipe

from geocorpus.build import run_build
from geocorpus.recipe import RecipeError

TEXTS = [f"Sample {i}: the {rock} outcrop shows {feature}." for i, (rock, feature) in enumerate(
    [("basalt", "columnar jointing"), ("granite", "feldspar phenocrysts"), ("shale", "fine lamination"),
     ("limestone", "karst dissolution"), ("gneiss", "banded foliation")])]


def build(recipe: Path, output: Path, **options) -> None:
    run_build(recipe, output=output, workers=1, **options)


def kept(output: Path) -> list[dict]:
    shards = sorted((output / "data").glob("*.parquet"))
    return [row for shard in shards for row in pq.read_table(shard).to_pylist()]


def rejected(output: Path) -> list[dict]:
    shards = sorted((output / "rejected").glob("*.parquet"))
    return [row for shard in shards for row in pq.read_table(shard).to_pylist()]


def step_stats(output: Path) -> dict[str, dict]:
    return {s["step"]: s for s in json.loads((output / "stats.json").read_text())["steps"]}


# ---------------------------------------------------------------------------------------------- hf


@pytest.fixture(scope="module")
def hf_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hf")
    # the last row repeats the first text (case and spacing aside): dedup_exact must drop it
    plain = datasets.Dataset.from_dict({
        "text": [*TEXTS, "SAMPLE 0:  the basalt outcrop shows columnar jointing."],
        "abstract": [f"Abstract {i} on field mapping." for i in range(6)],
        "license": ["CC-BY-4.0", "CC0-1.0", None, "CC-BY-4.0", "CC0-1.0", "CC-BY-4.0"],
        "year": list(range(2001, 2007)),
    })
    plain.save_to_disk(str(root / "plain"))
    datasets.DatasetDict({
        "train": datasets.Dataset.from_dict({"text": ["Train row on stratigraphy.", "Train row on petrology."]}),
        "validation": datasets.Dataset.from_dict({"text": ["Validation row on geochronology."]}),
    }).save_to_disk(str(root / "splits"))
    table = pa.table({"text": ["Parquet row on seismic tomography.", "Parquet row on gravimetry.",
                               "Parquet row on magnetotellurics."], "doi": ["10.1/a", "10.1/b", "10.1/c"]})
    pq.write_table(table, root / "papers.parquet", row_group_size=2)
    return root


def test_hf_dataset_and_parquet_without_extract(hf_data: Path, tmp_path: Path) -> None:
    recipe = write_recipe(hf_data / f"recipe-{tmp_path.name}.yaml", """\
name: hf
output: out
sources:
  - hf: {path: plain, license: ODbL-1.0}
  - hf: {path: papers.parquet, kind: paper, name: papers}
steps:
  - dedup_exact: {buckets: 4}
""")
    build(recipe, tmp_path / "a")
    rows = kept(tmp_path / "a")
    assert [r["text"] for r in rows] == [*TEXTS, "Parquet row on seismic tomography.",
                                         "Parquet row on gravimetry.", "Parquet row on magnetotellurics."]
    plain, papers = rows[:5], rows[5:]
    assert {r["source"] for r in plain} == {"hf:plain"} and {r["source"] for r in papers} == {"papers"}
    assert [r["kind"] for r in rows] == ["text"] * 5 + ["paper"] * 3
    # a `license` column wins; rows without one get the recipe's
    assert [r["license"] for r in plain] == ["CC-BY-4.0", "CC0-1.0", "ODbL-1.0", "CC-BY-4.0", "CC0-1.0"]
    assert [r["url"] for r in plain] == [f"plain#{i}" for i in range(5)]
    assert json.loads(plain[0]["meta"]) == {"abstract": "Abstract 0 on field mapping.", "year": 2001}
    assert [json.loads(r["meta"])["doi"] for r in papers] == ["10.1/a", "10.1/b", "10.1/c"]
    assert len({r["id"] for r in rows}) == 8

    (dropped,) = rejected(tmp_path / "a")
    assert dropped["reason"] == "dedup_exact:duplicate" and dropped["rejected_by"] == "01:dedup_exact"
    assert dropped["url"] == "plain#5" and plain[0]["id"] in json.loads(dropped["meta"])["rejection_detail"]
    stats = step_stats(tmp_path / "a")
    assert (stats["hf:plain"]["in"], stats["papers"]["in"]) == (6, 3)
    assert stats["dedup_exact"]["dropped"] == {"dedup_exact:duplicate": 1}

    # ids depend only on the input: a second build elsewhere gives the same rows and ids
    build(recipe, tmp_path / "b")
    assert kept(tmp_path / "b") == rows
    assert [r["id"] for r in rejected(tmp_path / "b")] == [dropped["id"]]


def test_hf_text_field_and_rows_per_shard(hf_data: Path, tmp_path: Path) -> None:
    recipe = write_recipe(hf_data / f"recipe-{tmp_path.name}.yaml",
                          "name: hf\noutput: out\nsources:\n  - hf: {path: plain, text_field: abstract, "
                          "rows_per_shard: 4}\n")
    build(recipe, tmp_path / "out")
    rows = kept(tmp_path / "out")
    assert [r["text"] for r in rows] == [f"Abstract {i} on field mapping." for i in range(6)]
    assert len(list((tmp_path / "out" / "data").glob("*.parquet"))) == 2  # 6 rows, 4 per shard


def test_hf_text_field_missing_rejects_rows(hf_data: Path, tmp_path: Path) -> None:
    recipe = write_recipe(hf_data / f"recipe-{tmp_path.name}.yaml",
                          "name: hf\noutput: out\nsources:\n  - hf: {path: papers.parquet, text_field: body}\n")
    build(recipe, tmp_path / "out")
    assert kept(tmp_path / "out") == []
    bad = rejected(tmp_path / "out")
    assert [r["reason"] for r in bad] == ["bad_record"] * 3
    assert "no string field 'body'" in json.loads(bad[0]["meta"])["rejection_detail"]


@pytest.mark.parametrize(("split", "texts"), [
    (None, ["Train row on stratigraphy.", "Train row on petrology."]),
    ("validation", ["Validation row on geochronology."]),
])
def test_hf_dataset_dict_split(hf_data: Path, tmp_path: Path, split: str | None, texts: list[str]) -> None:
    option = f", split: {split}" if split else ""
    recipe = write_recipe(hf_data / f"recipe-{tmp_path.name}.yaml",
                          f"name: hf\noutput: out\nsources:\n  - hf: {{path: splits{option}}}\n")
    build(recipe, tmp_path / "out")
    assert [r["text"] for r in kept(tmp_path / "out")] == texts


def test_hf_unknown_split_is_a_recipe_error(hf_data: Path, tmp_path: Path) -> None:
    recipe = write_recipe(hf_data / f"recipe-{tmp_path.name}.yaml",
                          "name: hf\noutput: out\nsources:\n  - hf: {path: splits, split: tset}\n")
    with pytest.raises(RecipeError, match=r"sources\[0\]\.hf\.split"):
        build(recipe, tmp_path / "out")


def test_hf_path_problems(hf_data: Path, tmp_path: Path) -> None:
    (hf_data / "notes").mkdir(exist_ok=True)
    (hf_data / "notes" / "a.txt").write_text("not a dataset", encoding="utf-8")
    recipe = write_recipe(hf_data / f"recipe-{tmp_path.name}.yaml",
                          "name: hf\noutput: out\nsources:\n  - hf: {path: nowhere}\n  - hf: {path: notes}\n"
                          "  - hf: {path: plain, kind: poem}\n")
    with pytest.raises(RecipeError) as caught:
        build(recipe, tmp_path / "out")
    messages = str(caught.value)
    assert ":4: sources[0].hf.path: no such file or directory" in messages
    assert ":5: sources[1].hf.path: neither a `datasets` save_to_disk directory nor Parquet files" in messages
    assert ":6: sources[2].hf.kind: unknown kind 'poem'" in messages
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------------------------------------- local JSONL


def write_jsonl(path: Path, rows: int, broken_at: tuple[int, ...] = ()) -> list[str]:
    """`rows` records (texts returned), with a broken line written before each record index in broken_at."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines, texts = [], []
    for i in range(rows):
        if i in broken_at:
            lines.append('{"text": "unterminated')
        text = f"Record {i}: sediment transport in braided river number {i}."
        texts.append(text)
        lines.append(json.dumps({"text": text, "license": "CC-BY-4.0" if i % 2 else None, "station": f"S{i}"}))
        if i == 2:
            lines.append("")  # blank lines are skipped, not records
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return texts


JSONL_RECIPE = """\
name: jsonl
output: out
sources:
  - local: {{path: docs, license: MIT{options}}}
steps:
  - extract: {{}}
"""


def test_local_jsonl_bad_line_is_rejected_rest_kept(tmp_path: Path) -> None:
    texts = write_jsonl(tmp_path / "docs" / "records.jsonl", 8, broken_at=(5,))
    (tmp_path / "docs" / "list.jsonl").write_text('{"text": "fine"}\n[1, 2, 3]\n{"title": "no text"}\n')
    recipe = write_recipe(tmp_path / "recipe.yaml", JSONL_RECIPE.format(options=""))
    build(recipe, tmp_path / "out")
    rows = kept(tmp_path / "out")
    assert [r["text"] for r in rows] == ["fine", *texts]  # files in name order, records in file order
    assert [r["license"] for r in rows[1:4]] == ["MIT", "CC-BY-4.0", "MIT"]
    assert json.loads(rows[1]["meta"]) == {"station": "S0"}
    bad = rejected(tmp_path / "out")
    assert [(r["url"], r["reason"], r["rejected_by"]) for r in bad] == [
        ("docs/list.jsonl#1", "bad_record", "00:local:docs"),
        ("docs/list.jsonl#2", "bad_record", "00:local:docs"),
        ("docs/records.jsonl#5", "bad_record", "00:local:docs"),
    ]
    assert json.loads(bad[2]["meta"])["rejection_detail"].startswith("bad JSON")
    stats = step_stats(tmp_path / "out")["local:docs"]
    assert (stats["in"], stats["out"], stats["dropped"]) == (12, 9, {"bad_record": 3})


def test_local_rows_per_shard_keeps_rows_and_order(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "docs" / "records.jsonl", 23, broken_at=(7,))
    outputs = {}
    for per_shard in (10_000, 5):
        recipe = write_recipe(tmp_path / f"recipe-{per_shard}.yaml",
                              JSONL_RECIPE.format(options=f", rows_per_shard: {per_shard}"))
        outputs[per_shard] = tmp_path / f"out-{per_shard}"
        build(recipe, outputs[per_shard])
    assert len(list((outputs[10_000] / "data").glob("*.parquet"))) == 1
    assert len(list((outputs[5] / "data").glob("*.parquet"))) == 5  # 24 records (one broken) / 5
    whole, split = kept(outputs[10_000]), kept(outputs[5])
    assert len(whole) == 23
    assert [(r["id"], r["text"], r["url"]) for r in split] == [(r["id"], r["text"], r["url"]) for r in whole]
    assert [r["id"] for r in rejected(outputs[5])] == [r["id"] for r in rejected(outputs[10_000])]


def test_cli_limit_reads_exactly_n_documents(tmp_path: Path) -> None:
    texts = write_jsonl(tmp_path / "docs" / "a.jsonl", 6, broken_at=(3,))
    write_jsonl(tmp_path / "docs" / "b.jsonl", 6)
    write_recipe(tmp_path / "recipe.yaml", JSONL_RECIPE.format(options=", rows_per_shard: 2"))
    result = subprocess.run([sys.executable, "-m", "geocorpus.cli", "build", "recipe.yaml", "--limit", "9",
                             "--workers", "1"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    stats = step_stats(tmp_path / "out")["local:docs"]
    assert stats["in"] == 9  # 7 records of a.jsonl (one broken) + 2 of b.jsonl
    rows = kept(tmp_path / "out")
    assert [r["text"] for r in rows] == [*texts, *texts[:2]]
    assert [r["reason"] for r in rejected(tmp_path / "out")] == ["bad_record"]


def test_local_manifest_gives_per_file_provenance(tmp_path: Path) -> None:
    write_html_corpus(tmp_path / "docs" / "web", 2)
    (tmp_path / "docs" / "granite.txt").write_text("Granite is a coarse-grained intrusive igneous rock.\n")
    (tmp_path / "meta").mkdir()
    entries = [
        {"path": "../docs/granite.txt", "license": "CC0-1.0", "url": "https://example.org/granite",
         "title": "Granite", "doi": "10.5555/granite"},
        {"path": "../docs/web/page-0001.html", "license": "CC-BY-SA-4.0", "url": "https://example.org/p1",
         "title": "Manifest title wins", "kind": "paper"},
    ]
    (tmp_path / "meta" / "manifest.jsonl").write_text("\n".join(json.dumps(e) for e in entries) + "\n\n")
    recipe = write_recipe(tmp_path / "recipe.yaml", JSONL_RECIPE.format(options=", manifest: meta/manifest.jsonl"))
    build(recipe, tmp_path / "out")
    rows = {json.loads(r["meta"])["path"]: r for r in kept(tmp_path / "out")}
    assert set(rows) == {"granite.txt", "web/page-0000.html", "web/page-0001.html"}
    granite, covered, uncovered = rows["granite.txt"], rows["web/page-0001.html"], rows["web/page-0000.html"]
    assert (granite["license"], granite["url"], granite["title"]) == ("CC0-1.0", "https://example.org/granite",
                                                                      "Granite")
    assert json.loads(granite["meta"])["doi"] == "10.5555/granite"
    assert (covered["license"], covered["url"], covered["title"], covered["kind"]) == (
        "CC-BY-SA-4.0", "https://example.org/p1", "Manifest title wins", "paper")
    assert (uncovered["license"], uncovered["url"], uncovered["kind"]) == ("MIT", "docs/web/page-0000.html", "web")


def test_local_bad_manifest_is_a_recipe_error(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "docs" / "a.jsonl", 1)
    (tmp_path / "manifest.jsonl").write_text('{"path": "docs/a.jsonl"}\n{"license": "MIT"}\n')
    recipe = write_recipe(tmp_path / "recipe.yaml", JSONL_RECIPE.format(options=", manifest: manifest.jsonl"))
    with pytest.raises(RecipeError, match=r"recipe\.yaml:4: sources\[0\]\.local\.manifest: .*manifest\.jsonl:2: "):
        build(recipe, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_local_files_over_max_file_mb_are_too_large(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "small.txt").write_text("Schist has a strong foliation. " * 20)  # 620 bytes
    (docs / "big.txt").write_text("Moraine deposits are poorly sorted. " * 100)  # 3600 bytes
    recipe = write_recipe(tmp_path / "recipe.yaml", JSONL_RECIPE.format(options=", max_file_mb: 0.002"))
    build(recipe, tmp_path / "out")  # 0.002 MB = 2097 bytes
    assert [json.loads(r["meta"])["path"] for r in kept(tmp_path / "out")] == ["small.txt"]
    (big,) = rejected(tmp_path / "out")
    assert (big["reason"], big["rejected_by"], big["url"]) == ("too_large", "00:local:docs", "docs/big.txt")
    assert big["text"] == "" and "3600 bytes > max_file_mb=0.002" in json.loads(big["meta"])["rejection_detail"]
    assert step_stats(tmp_path / "out")["local:docs"]["dropped"] == {"too_large": 1}
