"""The `spider` recipe source: a crawl in a subprocess feeding a build, cached, and unreachable sources."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import write_html_corpus, write_recipe
from spider_server import FAST, ReplayServer, Reply, guarded_env, pypi_project, tarball

from geocorpus.build import run_build
from geocorpus.recipe import RecipeError, load_recipe


@pytest.fixture(autouse=True)
def _network_guard(monkeypatch: pytest.MonkeyPatch) -> None:
    """Crawl subprocesses inherit the guard that refuses every non-loopback connection."""
    monkeypatch.setenv("PYTHONPATH", guarded_env()["PYTHONPATH"])


def _settings() -> str:
    return json.dumps(FAST)


def _rows(directory: Path) -> list[dict]:
    return [row for path in sorted(directory.glob("*.parquet")) for row in pq.read_table(path).to_pylist()]


def test_a_spider_feeds_a_build_and_its_crawl_is_reused(tmp_path: Path) -> None:
    with ReplayServer() as server:
        code = b"import rasterio\n\ndef read(path):\n    with rasterio.open(path) as src:\n        return src.read(1)\n"
        sdist = tarball({"geoio-1.0/geoio/read.py": code, "geoio-1.0/geoio/__init__.py": b""})
        server.add("/pypi/geoio/json", Reply(200, pypi_project(server.base, "geoio", "1.0", sdist,
                                                               license_expression="Apache-2.0")))
        server.add("/packages/geoio-1.0.tar.gz", Reply(200, sdist))
        server.add("/pypi/closedgis/json", Reply(200, pypi_project(server.base, "closedgis", "1.0", sdist,
                                                                   license="Proprietary")))
        recipe = write_recipe(tmp_path / "crawl.yaml", f"""\
name: crawl
output: out
sources:
  - spider:
      name: pypi_gis
      args: {{base_url: "{server.base}", packages: [geoio, closedgis]}}
      licenses: [Apache-2.0, MIT]
      settings: {_settings()}
      cache: cache
steps:
  - extract: {{}}
""")
        result = run_build(recipe, output=tmp_path / "out", workers=1)
        hits = len(server.log)
        run_build(recipe, output=tmp_path / "again", workers=1)
        assert len(server.log) == hits, "a finished crawl is reused, not fetched again"

    rows = _rows(tmp_path / "out" / "data")
    assert result.documents == 1 and len(rows) == 1, "the empty __init__.py is rejected by extract"
    row = rows[0]
    assert (row["source"], row["kind"], row["license"]) == ("spider:pypi_gis", "code", "Apache-2.0")
    assert "rasterio.open" in row["text"] and row["url"].endswith("geoio-1.0.tar.gz#geoio/read.py")
    meta = json.loads(row["meta"])
    assert meta["pypi"] == "geoio==1.0" and meta["crawl_key"] == "pypi:geoio==1.0:geoio/read.py"
    rejected = {r["reason"] for r in _rows(tmp_path / "out" / "rejected")}
    assert "spider:license_not_allowed" in rejected
    stats = json.loads((tmp_path / "out" / "stats.json").read_text())
    assert "spider:license_not_allowed" in json.dumps(stats)
    logs = "".join(p.read_text() for p in (tmp_path / "cache").rglob("crawl.log"))
    assert "NETWORK ACCESS BLOCKED" not in logs


def test_an_unreachable_endpoint_is_reported_and_the_rest_is_built(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    write_html_corpus(tmp_path / "pages", 3)
    recipe = write_recipe(tmp_path / "mixed.yaml", f"""\
name: mixed
output: out
sources:
  - spider: {{name: pypi_gis, args: {{base_url: "http://127.0.0.1:{port}", packages: [rasterio]}},
              settings: {_settings()}, cache: cache}}
  - local: {{path: pages}}
steps:
  - extract: {{}}
""")
    result = run_build(recipe, output=tmp_path / "out", workers=1)
    assert result.documents == 3
    assert [u["source"] for u in result.unreachable] == ["spider:pypi_gis"]
    assert f"127.0.0.1:{port}" in result.unreachable[0]["error"]


def test_an_unknown_spider_is_a_recipe_error(tmp_path: Path) -> None:
    recipe = write_recipe(tmp_path / "bad.yaml", "name: x\noutput: out\nsources:\n  - spider: {name: nope}\n")
    with pytest.raises(RecipeError, match="unknown spider 'nope'"):
        load_recipe(recipe)
