"""`github_code` over real HTTP against a loopback GitHub REST API (recorded-shape JSON) and codeload host."""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import urlencode

from spider_server import DATA, ReplayServer, Reply, crawl, kill_midway, stored_keys, tarball

from geocorpus.spiders.github_code import github_license, search_queries
from geocorpus.spiders.store import read_documents, read_failures

GITHUB = DATA / "github"
JSON = {"Content-Type": "application/json; charset=utf-8"}
TOKEN = "ghp_loopbackTestToken0123456789"
SECONDARY = (b'{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",'
             b'"documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api","status":"403"}')
EXHAUSTED = (b'{"message":"API rate limit exceeded for user ID 1.","documentation_url":'
             b'"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api","status":"403"}')
SHA = {name: f"{n:x}" * 40 for n, name in enumerate(["dem-tools", "rasterkit", "slipgis", "ogr-scripts"], start=10)}


def _search(query: str, page: int | None = None) -> str:
    params = {"q": query, "sort": "stars", "order": "desc", "per_page": "100", **({"page": str(page)} if page else {})}
    return "/search/repositories?" + urlencode(params)


def _branch(full_name: str, branch: str, sha: str) -> bytes:
    owner, repo = full_name.split("/")
    text = (GITHUB / "github_branch.json").read_text(encoding="utf-8")
    return text.replace("OWNER", owner).replace("REPO", repo).replace("BRANCH", branch).replace("SHA", sha).encode()


def _serve_repo(server: ReplayServer, full_name: str, branch: str, sha: str, members: dict[str, bytes],
                *replies: Reply, links: dict[str, str] | None = None) -> None:
    """Branch → pinned sha → tarball API URL → 302 to a codeload host (`localhost`: another host than the API)."""
    server.add(f"/repos/{full_name}/branches/{branch}", Reply(200, _branch(full_name, branch, sha), JSON))
    codeload = f"/codeload/{full_name}/legacy.tar.gz/{sha}"
    location = f"{server.base.replace('127.0.0.1', 'localhost')}{codeload}"
    server.add(f"/repos/{full_name}/tarball/{sha}", Reply(302, b"", {"Location": location}))
    top = f"{full_name.replace('/', '-')}-{sha[:7]}"
    body = tarball({f"{top}/{path}": data for path, data in members.items()},
                   links={f"{top}/{path}": target for path, target in (links or {}).items()})
    server.add(codeload, *replies, Reply(200, body, {"Content-Type": "application/x-gzip"}))


def test_search_pinned_tarballs_licences_rate_limits_and_faults(tmp_path: Path) -> None:
    slope = b"from osgeo import gdal\nimport numpy as np\n\ndef slope(dem):\n    return np.gradient(dem)\n"
    with ReplayServer() as server:
        page_2 = f"{server.base}{_search('topic:gdal', 2)}"
        next_page = f'<{page_2}>; rel="next", <{page_2}>; rel="last"'
        server.add(_search("topic:gdal"), Reply(403, SECONDARY, {"Retry-After": "1", **JSON}),
                   Reply(200, (GITHUB / "github_search_1.json").read_bytes(), {"Link": next_page, **JSON}))
        server.add(_search("topic:gdal", 2), Reply(403, SECONDARY, JSON),  # no Retry-After: the secondary wait
                   Reply(200, (GITHUB / "github_search_2.json").read_bytes(),
                         {"Link": f'<{server.base}{_search("topic:gdal", 1)}>; rel="prev"', **JSON}))
        server.add(_search("topic:rasterio"), Reply(200, b'{"total_count": 3, "items": [{"id": ', JSON))
        server.add(_search("topic:xarray"), Reply(200, (GITHUB / "github_search_capped.json").read_bytes(), JSON))
        _serve_repo(server, "geoform/dem-tools", "main", SHA["dem-tools"],
                    {"dem_tools/slope.py": slope, "README.md": b"# dem-tools\n", "R/terrain.R": b"library(terra)\n",
                     "data/dem.tif": b"II*\x00"}, Reply(500, b"oops"), links={"dem_tools/alias.py": "slope.py"})
        _serve_repo(server, "terrascope/rasterkit", "master", SHA["rasterkit"],
                    {"rasterkit/io.py": b"import rasterio\n", "docs/guide.rst": b"Guide\n=====\n"})
        server.routes[("/repos/terrascope/rasterkit/branches/master", ())].insert(0, Reply(  # quota spent
            403, EXHAUSTED, {"X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": "0",
                             "X-RateLimit-Reset": lambda: str(int(time.time()) + 2), **JSON}))
        _serve_repo(server, "evil-gis/slipgis", "main", SHA["slipgis"],
                    {"ok.py": b"1\n", "../../../.bashrc": b"rm -rf ~\n"})
        _serve_repo(server, "cutgis/ogr-scripts", "main", SHA["ogr-scripts"],
                    {"to_gpkg.sh": b"ogr2ogr out.gpkg in.shp\n" * 300})
        cut = server.routes[(f"/codeload/cutgis/ogr-scripts/legacy.tar.gz/{SHA['ogr-scripts']}", ())]
        cut[-1].truncate = len(cut[-1].body) // 2  # always cut short
        result = crawl("github_code", tmp_path, {"base_url": server.base, "libraries": "gdal,rasterio,xarray"},
                       settings={"GEOCORPUS_SECONDARY_LIMIT_WAIT": "0.5"}, env={"GITHUB_TOKEN": TOKEN})
        assert result.returncode == 0, result.stderr[-3000:]

        first, second = server.hits(_search("topic:gdal")), server.hits(_search("topic:gdal", 2))
        assert len(first) == 2 and first[1] - first[0] >= 0.9, "secondary limit: Retry-After: 1 honoured"
        assert len(second) == 2 and second[1] - second[0] >= 0.45, "secondary limit without Retry-After: waited"
        branch = server.hits("/repos/terrascope/rasterkit/branches/master")
        assert len(branch) == 2 and branch[1] - branch[0] >= 1.9, "X-RateLimit-Remaining: 0 waits for the reset"
        assert len(server.hits("/repos/geoform/dem-tools/branches/main")) == 1, "a repo found twice is fetched once"
        assert len(server.hits(f"/codeload/geoform/dem-tools/legacy.tar.gz/{SHA['dem-tools']}")) == 2, "500, success"
        assert server.hits("/repos/hydrolab/watershed-notes/branches/main") == [], "a refused licence fetches nothing"
        api, codeload = server.requests("/search/") + server.requests("/repos/"), server.requests("/codeload/")
        assert api and all(headers.get("Authorization") == f"Bearer {TOKEN}" for _, _, headers in api)
        assert all(headers["Accept"] == "application/vnd.github+json" for _, _, headers in api)
        assert codeload and all("Authorization" not in headers for _, _, headers in codeload), "not sent to codeload"
        assert all(headers["Host"].startswith("localhost:") for _, _, headers in codeload)
        assert TOKEN not in result.stderr, "the token is never logged"

    docs = {d.meta["crawl_key"]: d for d in read_documents(tmp_path, "spider:github_code")}
    dem, kit = f"github:geoform/dem-tools@{SHA['dem-tools']}", f"github:terrascope/rasterkit@{SHA['rasterkit']}"
    assert sorted(docs) == [f"{dem}:R/terrain.R", f"{dem}:README.md", f"{dem}:dem_tools/slope.py",
                            f"{kit}:docs/guide.rst", f"{kit}:rasterkit/io.py"]
    code = docs[f"{dem}:dem_tools/slope.py"]
    assert (code.raw, code.kind, code.license, code.meta["format"]) == (slope, "code", "MIT", "python")
    assert code.url == f"https://github.com/geoform/dem-tools/blob/{SHA['dem-tools']}/dem_tools/slope.py"
    assert (code.meta["repo"], code.meta["commit"], code.meta["path"], code.meta["branch"]) == \
        ("geoform/dem-tools", SHA["dem-tools"], "dem_tools/slope.py", "main")
    assert code.meta["repo_commit"] == f"geoform/dem-tools@{SHA['dem-tools']}" and code.meta["stars"] == 412
    assert code.meta["topics"] == ["dem", "gdal", "python", "rasterio", "terrain-analysis"]
    assert (code.meta["date"], code.meta["authors"], code.meta["github_license"]) == \
        ("2025-09-30T17:02:41Z", ["geoform"], "MIT")
    assert code.title == "geoform/dem-tools: dem_tools/slope.py" and code.retrieved_at
    assert docs[f"{dem}:R/terrain.R"].meta["format"] == "r" and docs[f"{dem}:README.md"].kind == "text"
    assert docs[f"{kit}:rasterkit/io.py"].license == "Apache-2.0"

    failures = {(f["key"], f["reason"]): f for f in read_failures(tmp_path)}
    assert set(failures) == {
        ("github:hydrolab/watershed-notes", "license_not_allowed"),
        ("github:gee-lab/gee-scripts", "license_not_allowed"),
        (f"{dem}:dem_tools/alias.py", "archive_member_skipped"),
        (f"github:evil-gis/slipgis@{SHA['slipgis']}", "archive_path_traversal"),
        (f"github:cutgis/ogr-scripts@{SHA['ogr-scripts']}", "truncated"),
        (f"{server.base}{_search('topic:rasterio')}", "malformed_json"),
        (f"{server.base}{_search('topic:xarray')}", "search_truncated"),
    }
    assert failures[("github:hydrolab/watershed-notes", "license_not_allowed")]["detail"] == "unknown"
    assert failures[("github:gee-lab/gee-scripts", "license_not_allowed")]["detail"] == "unknown", "NOASSERTION"
    assert "1734 repositories match 'topic:xarray'" in failures[
        (f"{server.base}{_search('topic:xarray')}", "search_truncated")]["detail"]


def test_recorded_github_bodies_parse_and_unknown_licences_can_be_allowed(tmp_path: Path) -> None:
    repo = json.loads((GITHUB / "pygithub_repo.json").read_text(encoding="utf-8"))
    sha = json.loads((GITHUB / "pygithub_branch.json").read_text(encoding="utf-8"))["commit"]["sha"]
    page = json.loads((GITHUB / "github_search_1.json").read_text(encoding="utf-8"))
    unlicensed = page["items"][2]
    with ReplayServer() as server:
        items = [{**repo, "score": 1.0}, unlicensed]
        server.add(_search("topic:pygithub"), Reply(200, json.dumps({"total_count": 2, "incomplete_results": False,
                                                                      "items": items}).encode(), JSON))
        server.add("/repos/PyGithub/PyGithub/branches/main", Reply(200, (GITHUB / "pygithub_branch.json").read_bytes()))
        server.add(f"/repos/PyGithub/PyGithub/tarball/{sha}",
                   Reply(200, tarball({f"PyGithub-PyGithub-{sha[:7]}/github/MainClass.py": b"class Github: ...\n"})))
        _serve_repo(server, "hydrolab/watershed-notes", "main", "ab" * 20, {"delineate.py": b"import rasterio\n"})
        result = crawl("github_code", tmp_path, {"api": server.base, "queries": "topic:pygithub",
                                                 "licenses": "LGPL-3.0-only,unknown"})
        assert result.returncode == 0, result.stderr[-3000:]
        assert all("Authorization" not in headers for _, _, headers in server.requests()), "no token, no header"

    docs = {d.meta["repo"]: d for d in read_documents(tmp_path, "spider:github_code")}
    assert sorted(docs) == ["PyGithub/PyGithub", "hydrolab/watershed-notes"]
    pygithub = docs["PyGithub/PyGithub"]
    assert (pygithub.license, pygithub.meta["github_license"], pygithub.meta["commit"]) == \
        ("LGPL-3.0-only", "LGPL-3.0", sha)
    assert (pygithub.meta["stars"], pygithub.meta["topics"], pygithub.meta["branch"]) == \
        (7549, ["github", "github-api", "pygithub", "python"], "main")
    assert pygithub.meta["date"] == "2024-11-23T10:19:47Z"
    assert docs["hydrolab/watershed-notes"].license == "unknown", "collected for the recipe's licence gate to decide"
    assert read_failures(tmp_path) == []


def test_a_killed_crawl_resumes_without_duplicates_or_losses(tmp_path: Path) -> None:
    template = json.dumps(json.loads((GITHUB / "github_search_1.json").read_text(encoding="utf-8"))["items"][0])
    names = [f"geo{n}/tools{n}" for n in range(8)]
    expected = {f"github:{name}@{n:040x}:mod{i}.py" for n, name in enumerate(names, start=1) for i in range(5)}
    with ReplayServer() as server:
        items = [json.loads(template.replace("geoform/dem-tools", name).replace('"geoform"', f'"{name.split("/")[0]}"'))
                 for name in names]
        server.add(_search("topic:gdal"), Reply(200, json.dumps({"total_count": 8, "items": items}).encode(), JSON))
        for n, name in enumerate(names, start=1):
            files = {f"mod{i}.py": f"# {name} {i}\n".encode() for i in range(5)}
            _serve_repo(server, name, "main", f"{n:040x}", files)
            route = server.routes[(f"/codeload/{name}/legacy.tar.gz/{n:040x}", ())]
            route[0].delay = 0.4
        args = {"base_url": server.base, "libraries": "gdal"}
        stored_before = kill_midway("github_code", tmp_path, args)
        assert 3 <= stored_before < len(expected), "the kill landed in the middle of the crawl"

        result = crawl("github_code", tmp_path, args)
        assert result.returncode == 0, result.stderr[-3000:]
    keys = stored_keys(tmp_path)
    assert len(keys) == len(set(keys)), "no document stored twice"
    assert set(keys) == expected, "nothing lost"


def test_search_queries_licence_keywords_and_github_licences() -> None:
    assert search_queries(["topic:gdal"], ["python", "r"], ["MIT", "GPL-3.0-only", "GPL-3.0-or-later"],
                          ["created:<2019-01-01"]) == [
        "topic:gdal language:python license:mit created:<2019-01-01",
        "topic:gdal language:python license:gpl-3.0 created:<2019-01-01",
        "topic:gdal language:r license:mit created:<2019-01-01",
        "topic:gdal language:r license:gpl-3.0 created:<2019-01-01"]
    assert search_queries(["topic:gdal"], [], ["MIT", "unknown"], []) == ["topic:gdal"], "unknown: no license:"
    assert [github_license(v) for v in (None, {"spdx_id": "NOASSERTION"}, {"spdx_id": "GPL-3.0"},
                                        {"spdx_id": "MIT"}, {"spdx_id": "EUPL-1.2"})] == \
        ["unknown", "unknown", "GPL-3.0-only", "MIT", "EUPL-1.2"]
