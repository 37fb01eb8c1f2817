"""`pypi_gis` over real HTTP against a loopback PyPI: what is collected, what is recorded, and resuming."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import tarfile
import time
from pathlib import Path

from spider_server import ReplayServer, Reply, crawl, crawl_command, guarded_env, pypi_project, tarball

from geocorpus.spiders.store import read_documents, read_failures

JSON = {"Content-Type": "application/json"}


def _serve(server: ReplayServer, name: str, sdist: bytes, *sdist_replies: Reply, json_replies: tuple = (),
           **info: object) -> None:
    server.add(f"/pypi/{name}/json", *json_replies, Reply(200, pypi_project(server.base, name, "1.0", sdist, **info),
                                                          JSON))
    server.add(f"/packages/{name}-1.0.tar.gz", *sdist_replies, Reply(200, sdist))


def _header_bomb() -> bytes:
    header = tarfile.TarInfo("bombgis-1.0/setup.py")
    header.size = 700 * 1024 * 1024
    return gzip.compress(header.tobuf())


def test_packages_faults_and_licences(tmp_path: Path) -> None:
    with ReplayServer() as server:
        core = b"import shapely\n\ndef area(g):\n    return g.area\n"
        geoshapes = tarball({"geoshapes-1.0/src/geoshapes/core.py": core,
                             "geoshapes-1.0/README.md": b"# geoshapes\n", "geoshapes-1.0/data/dem.tif": b"II*\x00",
                             "geoshapes-1.0/src/geoshapes/big.py": b"#" * 3000},
                            links={"geoshapes-1.0/src/geoshapes/alias.py": "core.py"})
        _serve(server, "geoshapes", geoshapes, Reply(500, b"oops"),
               json_replies=(Reply(429, b"slow down", {"Retry-After": "1"}),), license_expression="MIT")
        _serve(server, "rastertools", tarball({"rastertools-1.0/rt.py": b"import rasterio\n"}),
               classifiers=["License :: OSI Approved :: BSD License"], license="BSD-3-Clause")
        relative = server.routes[("/pypi/rastertools/json", ())][0]  # as mirrors serve it: "../../packages/..."
        relative.body = relative.body.replace(f"{server.base}/packages/".encode(), b"../../packages/")
        _serve(server, "closedgis", tarball({"closedgis-1.0/x.py": b"secret = 1\n"}), license="Proprietary")
        _serve(server, "slipgis", tarball({"slipgis-1.0/ok.py": b"1\n", "slipgis-1.0/../../../evil.py": b"2\n"}),
               license_expression="MIT")
        _serve(server, "bombgis", _header_bomb(), license_expression="MIT")
        truncgis = tarball({"truncgis-1.0/t.py": b"t = 1\n" * 500})
        _serve(server, "truncgis", truncgis, license_expression="MIT")
        server.add("/packages/truncgis-1.0.tar.gz", Reply(200, truncgis, truncate=100))  # always cut short
        _serve(server, "badsum", tarball({"badsum-1.0/b.py": b"b = 1\n"}), license_expression="MIT")
        server.add("/packages/badsum-1.0.tar.gz", Reply(200, tarball({"badsum-1.0/b.py": b"tampered = 1\n"})))
        server.add("/pypi/brokenjson/json", Reply(200, b'{"info": {"name": "brokenjson", ', JSON))
        server.add("/pypi/slowgis/json", Reply(200, b"{}", JSON, delay=1.6))
        packages = "geoshapes,rastertools,closedgis,slipgis,bombgis,truncgis,badsum,brokenjson,slowgis,gone"
        started = time.monotonic()
        result = crawl("pypi_gis", tmp_path, {"base_url": server.base, "packages": packages, "max_file_kb": "2"},
                       settings={"DOWNLOAD_TIMEOUT": "1"})
        assert time.monotonic() - started < 40
        assert result.returncode == 0, result.stderr[-3000:]
        json_hits = server.hits("/pypi/geoshapes/json")
        assert len(json_hits) == 2 and json_hits[1] - json_hits[0] >= 0.9, "Retry-After: 1 was honoured"
        assert len(server.hits("/packages/geoshapes-1.0.tar.gz")) == 2, "500 then success"
        assert server.hits("/packages/closedgis-1.0.tar.gz") == [], "a refused licence downloads nothing"
        assert len(server.hits("/packages/truncgis-1.0.tar.gz")) == 3, "a truncated body is retried"

    docs = {d.meta["crawl_key"]: d for d in read_documents(tmp_path, "spider:pypi_gis")}
    assert sorted(docs) == ["pypi:geoshapes==1.0:README.md", "pypi:geoshapes==1.0:src/geoshapes/core.py",
                            "pypi:rastertools==1.0:rt.py"]
    core = docs["pypi:geoshapes==1.0:src/geoshapes/core.py"]
    assert core.raw is not None and core.raw.startswith(b"import shapely")
    assert (core.kind, core.license, core.meta["format"]) == ("code", "MIT", "python")
    assert core.meta["authors"] == ["Ana Geo", "Bo Map"] and core.meta["pypi"] == "geoshapes==1.0"
    assert core.meta["date"] == "2024-05-02T10:11:14.654321Z" and len(core.meta["sdist_sha256"]) == 64
    assert core.url.endswith("/packages/geoshapes-1.0.tar.gz#src/geoshapes/core.py") and core.retrieved_at
    assert docs["pypi:rastertools==1.0:rt.py"].license == "BSD-3-Clause"

    failures = {(f["key"], f["reason"]) for f in read_failures(tmp_path)}
    assert failures == {
        ("pypi:geoshapes==1.0:src/geoshapes/alias.py", "archive_member_skipped"),
        ("pypi:geoshapes==1.0:src/geoshapes/big.py", "archive_member_skipped"),
        ("pypi:closedgis==1.0", "license_not_allowed"),
        ("pypi:slipgis==1.0", "archive_path_traversal"),
        ("pypi:bombgis==1.0", "archive_bomb"),
        ("pypi:truncgis==1.0", "truncated"),
        ("pypi:badsum==1.0", "checksum_mismatch"),
        ("pypi:brokenjson", "malformed_json"),
        ("pypi:slowgis", "timeout"),
        ("pypi:gone", "http_404"),
    }
    summary = json.loads((tmp_path / "crawl.json").read_text())
    assert summary["reason"] == "finished" and summary["documents"] == 3


def test_a_killed_crawl_resumes_without_duplicates_or_losses(tmp_path: Path) -> None:
    packages = [f"geo{n}" for n in range(8)]
    expected = {f"pypi:{p}==1.0:{p}/m{i}.py" for p in packages for i in range(6)}
    with ReplayServer() as server:
        for package in packages:
            sdist = tarball({f"{package}-1.0/{package}/m{i}.py": f"# {package} {i}\n".encode() for i in range(6)})
            _serve(server, package, sdist, Reply(200, sdist, delay=0.4), license_expression="MIT")
        args = {"base_url": server.base, "packages": ",".join(packages)}
        process = subprocess.Popen(crawl_command("pypi_gis", tmp_path, args, settings={"CONCURRENT_REQUESTS": "2"}),
                                   env=guarded_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        documents = tmp_path / "documents.jsonl"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and (not documents.exists() or documents.read_bytes().count(b"\n") < 3):
            time.sleep(0.02)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        stored_before = documents.read_bytes().count(b"\n")
        assert 3 <= stored_before < len(expected), "the kill landed in the middle of the crawl"
        assert json.loads((tmp_path / "crawl.json").read_text())["reason"] == "running"

        result = crawl("pypi_gis", tmp_path, args)
        assert result.returncode == 0, result.stderr[-3000:]
    keys = [json.loads(line)["key"] for line in documents.read_text().splitlines()]
    assert len(keys) == len(set(keys)), "no document stored twice"
    assert set(keys) == expected, "nothing lost"
    assert all(d.raw for d in read_documents(tmp_path, "s")), "every stored document has its bytes"


def test_limit_stops_the_crawl_and_a_rerun_without_it_completes(tmp_path: Path) -> None:
    with ReplayServer() as server:
        sdist = tarball({f"geolim-1.0/m{i}.py": f"m = {i}\n".encode() for i in range(6)})
        _serve(server, "geolim", sdist, license_expression="MIT")
        args = {"base_url": server.base, "packages": "geolim"}
        first = crawl("pypi_gis", tmp_path, args, limit=2)
        summary = json.loads((tmp_path / "crawl.json").read_text())
        assert first.returncode == 0 and (summary["reason"], summary["documents"]) == ("limit", 2)
        crawl("pypi_gis", tmp_path, args)
    assert sorted(d.meta["path"] for d in read_documents(tmp_path, "s")) == [f"m{i}.py" for i in range(6)]


def test_crawl_command_rejects_bad_input() -> None:
    from click.testing import CliRunner

    from geocorpus.cli import main

    unknown = CliRunner().invoke(main, ["crawl", "nope", "-o", "out"])
    assert unknown.exit_code == 2 and "unknown spider 'nope'" in unknown.output
    malformed = CliRunner().invoke(main, ["crawl", "pypi_gis", "-a", "packages", "-o", "out"])
    assert malformed.exit_code == 2 and "expected KEY=VALUE" in malformed.output
