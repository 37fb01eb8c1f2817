"""End-to-end builds through the Python API: determinism, reuse of finished work, recipe changes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import REPO, write_recipe

from geocorpus.build import run_build
from geocorpus.pipeline.registry import register_source
from geocorpus.pipeline.step import Params
from geocorpus.sources.base import Partition, Source, SourceUnavailable

RECIPE = """\
name: build-test
output: out
sources:
  - local: {{path: pages, files_per_shard: 7, license: CC-BY-4.0}}
steps:
  - extract: {{}}
  - gopher_quality: {{min_words: {min_words}}}
  - dedup_exact: {{}}
"""


def read(directory: Path) -> pa.Table:
    return pa.concat_tables(pq.read_table(f) for f in sorted(directory.glob("*.parquet")))


@pytest.fixture
def recipe(html_corpus: Path) -> Path:
    return write_recipe(html_corpus.parent / "recipe.yaml", RECIPE.format(min_words=50))


def test_output_is_identical_for_one_and_two_workers(recipe: Path, tmp_path: Path) -> None:
    run_build(recipe, output=tmp_path / "w1", workers=1)
    run_build(recipe, output=tmp_path / "w2", workers=2)
    one, two = read(tmp_path / "w1" / "data"), read(tmp_path / "w2" / "data")
    assert one.num_rows == 55  # 60 pages, 5 of them repeat an earlier article
    assert one.equals(two)
    assert read(tmp_path / "w1" / "rejected").equals(read(tmp_path / "w2" / "rejected"))


def test_documents_carry_provenance_and_stable_ids(recipe: Path, tmp_path: Path) -> None:
    run_build(recipe, output=tmp_path / "a", workers=1)
    run_build(recipe, output=tmp_path / "b", workers=1)
    rows = read(tmp_path / "a" / "data").to_pylist()
    assert [r["id"] for r in rows] == read(tmp_path / "b" / "data")["id"].to_pylist()
    assert len({r["id"] for r in rows}) == len(rows)
    first = rows[0]
    assert first["kind"] == "web" and first["license"] == "CC-BY-4.0"
    assert first["url"] == "pages/page-0000.html"
    assert first["title"].endswith(" 0")  # the page's <title>, found by trafilatura
    assert first["retrieved_at"] is not None
    assert json.loads(first["scores"])["gopher_words"] >= 50
    assert json.loads(first["meta"])["format"] == "html"


def test_duplicates_and_rejections_are_recorded_with_reasons(recipe: Path, tmp_path: Path) -> None:
    (recipe.parent / "pages" / "empty.html").write_bytes(b"")
    (recipe.parent / "pages" / "short.html").write_text("<html><body><p>Page moved.</p></body></html>")
    result = run_build(recipe, output=tmp_path / "out", workers=1)
    rejected = read(tmp_path / "out" / "rejected").to_pylist()
    reasons = sorted(r["reason"] for r in rejected)
    assert reasons.count("dedup_exact:duplicate") == 5
    assert "extract:empty_file" in reasons
    assert any(r.startswith(("gopher_quality:", "extract:no_text")) for r in reasons)
    duplicate = next(r for r in rejected if r["reason"] == "dedup_exact:duplicate")
    assert duplicate["rejected_by"] == "03:dedup_exact"
    assert json.loads(duplicate["meta"])["rejection_detail"].startswith("same text as ")
    stats = json.loads((tmp_path / "out" / "stats.json").read_text())
    assert stats["documents"] == result.documents == 55
    assert stats["rejected"] == len(rejected)
    assert [s["step"] for s in stats["steps"]] == ["local:pages", "extract", "gopher_quality", "dedup_exact"]
    assert stats["steps"][3]["dropped"] == {"dedup_exact:duplicate": 5}


def test_rerun_reuses_finished_work_and_a_changed_threshold_redoes_it(recipe: Path, tmp_path: Path) -> None:
    output = tmp_path / "out"
    run_build(recipe, output=output, workers=1)
    shard = output / "data" / "part-00000.parquet"
    marker = output / "_work" / "s1-stream" / "stream" / "_done" / "00000.json"
    before = (shard.stat().st_mtime_ns, marker.stat().st_mtime_ns)
    run_build(recipe, output=output, workers=1)
    assert (shard.stat().st_mtime_ns, marker.stat().st_mtime_ns) == before, "a finished task ran again"

    write_recipe(recipe, RECIPE.format(min_words=295))
    result = run_build(recipe, output=output, workers=1)
    assert marker.stat().st_mtime_ns != before[1], "a changed step parameter did not redo its stage"
    assert 0 < result.documents < 55
    assert all(json.loads(s)["gopher_words"] >= 295 for s in read(output / "data")["scores"].to_pylist())


def test_fresh_discards_earlier_progress(recipe: Path, tmp_path: Path) -> None:
    output = tmp_path / "out"
    run_build(recipe, output=output, workers=1)
    stale = output / "_work" / "s1-stream" / "stream" / "_done" / "00000.json"
    stale.write_text('{"forged": true}')
    run_build(recipe, output=output, workers=1, fresh=True)
    assert "forged" not in stale.read_text()


def test_flagship_recipe_builds_offline_from_the_shipped_samples(tmp_path: Path, monkeypatch) -> None:
    """As on a machine without internet: the crawls are refused any connection, the samples still build."""
    # the crawl cache lands beside the recipe: a developer's own crawl cache must not make the sources reachable
    shutil.copytree(REPO / "recipes", tmp_path / "recipes", ignore=shutil.ignore_patterns(".cache"))
    monkeypatch.setenv("PYTHONPATH", str(REPO / "tests" / "data" / "spiders" / "netguard"))
    result = run_build(tmp_path / "recipes" / "geocode_pt.yaml", output=tmp_path / "pt", workers=2)
    assert sorted(s["source"] for s in result.unreachable) == ["spider:arxiv", "spider:pypi_gis"]
    rows = read(tmp_path / "pt" / "data").to_pylist()
    assert result.documents == len(rows) > 20
    assert {"web", "paper", "code"} <= {r["kind"] for r in rows}
    assert all(r["license"] != "unknown" for r in rows), "every shipped sample has a known licence"
    rejected = read(tmp_path / "pt" / "rejected").to_pylist()
    assert {"dedup_exact:duplicate", "gopher_quality:too_few_words"} <= {r["reason"] for r in rejected}


class _OfflineParams(Params):
    url: str = "https://api.example.org/oai"


@register_source
class _OfflineSource(Source):
    """A network source whose server cannot be reached, as on a machine without internet."""

    name = "test_offline"
    Params = _OfflineParams

    def partitions(self, limit: int | None = None) -> list[Partition]:
        raise SourceUnavailable(f"cannot connect to {self.params.url}")


def test_unreachable_source_is_reported_and_the_rest_is_built(html_corpus: Path, tmp_path: Path) -> None:
    recipe = write_recipe(html_corpus.parent / "mixed.yaml", """\
name: mixed
output: out
sources:
  - test_offline: {}
  - local: {path: pages}
steps:
  - extract: {}
""")
    result = run_build(recipe, output=tmp_path / "out", workers=1)
    assert result.documents == 60
    assert result.unreachable == [{"source": "test_offline", "error": "cannot connect to https://api.example.org/oai"}]
    stats = json.loads((tmp_path / "out" / "stats.json").read_text())
    assert stats["unreachable_sources"] == result.unreachable


def test_input_files_resolve_from_the_recipe_and_editing_one_redoes_its_stage(html_corpus: Path,
                                                                             tmp_path: Path) -> None:
    evals = html_corpus.parent / "evals.jsonl"
    evals.write_text(json.dumps({"Instruction": "Name the lowest layer of the atmosphere",
                                 "Input": "", "Output": "The troposphere is the lowest layer"}) + "\n")
    recipe = write_recipe(html_corpus.parent / "decontam.yaml", """\
name: decontam
output: out
sources:
  - local: {path: pages}
steps:
  - extract: {}
  - decontaminate: {eval_sets: [evals.jsonl], n: 8}
""")
    output = tmp_path / "out"
    assert run_build(recipe, output=output, workers=1).documents == 60
    page = read(output / "data").to_pylist()[7]
    planted = " ".join(page["text"].split()[40:70])  # a benchmark item that leaked into the corpus
    with evals.open("a") as handle:
        handle.write(json.dumps({"Instruction": planted, "Input": "", "Output": "yes"}) + "\n")
    result = run_build(recipe, output=output, workers=1)  # same recipe, edited eval file: no --fresh needed
    assert result.documents == 59
    rejected = read(output / "rejected").to_pylist()
    assert [r["id"] for r in rejected] == [page["id"]]
    assert rejected[0]["reason"].startswith("decontaminate")
