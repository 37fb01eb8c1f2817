"""`dedup_scholarly`: the same work reached through arXiv, EarthArXiv, OpenAlex and a journal is kept once."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import write_recipe
from test_dedup_minhash import rows

from geocorpus.build import run_build

RECIPE = """\
name: scholarly-test
output: out
sources:
  - local: {path: docs.jsonl, rows_per_shard: 3}
steps:
  - extract: {}
  - dedup_scholarly: {buckets: 2}
"""

WORKS = [
    # One work through four sources: arXiv v1 and v2, OpenAlex (DOI as URL), the journal (DOI, journal name).
    {"id": "arxiv-v1", "source": "arxiv", "title": "Ice flow of the Thwaites glacier",
     "meta": {"arxiv_id": "2101.01234v1", "authors": ["Smith, Jane"], "year": 2021}},
    {"id": "arxiv-v2", "source": "arxiv", "title": "Ice flow of the Thwaites glacier",
     "meta": {"arxiv_id": "arXiv:2101.01234v2", "authors": ["Smith, Jane"], "year": 2021}},
    {"id": "openalex", "source": "openalex", "title": "Ice Flow of the Thwaites Glacier.",
     "meta": {"doi": "https://doi.org/10.1029/2021GL000001", "authors": [{"family": "Smith"}], "year": 2022,
              "arxiv_id": "2101.01234"}},
    {"id": "journal", "source": "grl", "title": "Ice flow of the Thwaites glacier",
     "meta": {"doi": "10.1029/2021gl000001", "journal": "Geophysical Research Letters"}},
    # Another work found by title + first author + year only (EarthArXiv preprint and its journal version).
    {"id": "eartharxiv", "source": "eartharxiv", "title": "Groundwater recharge in karst aquifers",
     "meta": {"doi": "10.31223/X5ABCD", "authors": ["Lopez, Maria"], "date": "2020-05-01"}},
    {"id": "z-journal", "source": "hess", "title": "Groundwater Recharge in Karst Aquifers",
     "meta": {"doi": "10.5194/hess-24-1-2020", "journal": "HESS", "authors": ["María López"], "year": 2020}},
    # Not the same work: same title, other first author; same title and author, other year; no identifiers.
    {"id": "other-author", "source": "x", "title": "Groundwater recharge in karst aquifers",
     "meta": {"authors": ["Chen, Wei"], "year": 2020}},
    {"id": "other-year", "source": "x", "title": "Groundwater recharge in karst aquifers",
     "meta": {"authors": ["Lopez, Maria"], "year": 2015}},
    {"id": "nothing", "source": "x", "title": "Notes", "meta": {}},
]


def test_one_work_through_several_sources_is_kept_once_preferring_the_published_version(tmp_path: Path) -> None:
    """OpenAlex's record of the article is published too; the journal's own copy wins on its longer text."""
    with (tmp_path / "docs.jsonl").open("w") as handle:
        for work in WORKS:
            text = "Abstract." if work["id"] != "journal" else "Abstract. Full text of the version of record."
            handle.write(json.dumps({**work, "text": text}) + "\n")
    recipe = write_recipe(tmp_path / "recipe.yaml", RECIPE)
    run_build(recipe, output=tmp_path / "out", workers=1)

    kept = {r["id"] for r in rows(tmp_path / "out")}
    assert kept == {"journal", "z-journal", "other-author", "other-year", "nothing"}
    rejected = {r["id"]: json.loads(r["meta"])["rejection_detail"] for r in rows(tmp_path / "out", "rejected")}
    assert rejected == {"arxiv-v1": "same work of journal", "arxiv-v2": "same work of journal",
                        "openalex": "same work of journal", "eartharxiv": "same work of z-journal"}
    clusters = {r["id"]: json.loads(r["scores"]) for r in rows(tmp_path / "out") + rows(tmp_path / "out", "rejected")}
    assert len({clusters[i]["work_cluster"] for i in ("arxiv-v1", "arxiv-v2", "openalex", "journal")}) == 1
    assert clusters["journal"]["work_cluster_size"] == 4.0
    assert clusters["nothing"]["work_cluster_size"] == 1.0


def test_files_of_one_code_package_are_not_one_work(tmp_path: Path) -> None:
    """Every file of an sdist carries the package's title, authors and year; code is never merged as a work."""
    package = {"authors": ["Gillies, Sean"], "year": 2024, "pypi": "fiona==1.10.1"}
    with (tmp_path / "docs.jsonl").open("w") as handle:
        for number, path in enumerate(["fiona/path.py", "fiona/env.py", "tests/test_env.py"]):
            handle.write(json.dumps({"id": f"file-{number}", "kind": "code", "title": "fiona 1.10.1",
                                     "text": f"# {path}\nimport fiona\n", "meta": package}) + "\n")
        for copy in ("a", "b"):  # the same two prose records are one work
            handle.write(json.dumps({"id": f"paper-{copy}", "kind": "paper", "title": "fiona 1.10.1",
                                     "text": "A paper.", "meta": package}) + "\n")
    run_build(write_recipe(tmp_path / "recipe.yaml", RECIPE), output=tmp_path / "out", workers=1)
    assert {r["id"] for r in rows(tmp_path / "out")} == {"file-0", "file-1", "file-2", "paper-a"}
