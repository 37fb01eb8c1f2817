"""`wikipedia` over real HTTP against a loopback MediaWiki API (formatversion=2 JSON, recorded format)."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlencode

from spider_server import DATA, ReplayServer, Reply, crawl, kill_midway, stored_keys

from geocorpus.spiders.store import read_documents, read_failures

JSON = {"Content-Type": "application/json; charset=utf-8"}
PAGE = {"action": "query", "prop": "extracts|info|revisions", "explaintext": "1", "exsectionformat": "wiki",
        "inprop": "url", "rvprop": "ids|timestamp"}


def _api(**params: str) -> str:
    return "/w/api.php?" + urlencode({"format": "json", "formatversion": "2", **params})


def _members(category: str, **cont: str) -> str:
    return _api(action="query", list="categorymembers", cmtitle=category, cmtype="page|subcat", cmlimit="500", **cont)


def _page(pageid: int, title: str, revid: int) -> bytes:
    body = (DATA / "wikipedia_page.json").read_text(encoding="utf-8")
    return body.replace("PAGEID", str(pageid)).replace("REVID", str(revid)).replace("TITLE", title).encode()


def test_categories_to_a_depth_with_continuation_licence_and_faults(tmp_path: Path) -> None:
    with ReplayServer() as server:
        server.add(_api(action="query", meta="siteinfo", siprop="general|rightsinfo"),
                   Reply(200, (DATA / "wikipedia_siteinfo.json").read_bytes(), JSON))
        server.add(_members("Category:Volcanology"), Reply(200, (DATA / "wikipedia_members_volcanology_1.json")
                                                           .read_bytes(), JSON))
        server.add(_members("Category:Volcanology", cmcontinue="page|4c4156412044454c5441|2201", **{"continue": "-||"}),
                   Reply(429, b"", {"Retry-After": "1"}),
                   Reply(200, (DATA / "wikipedia_members_volcanology_2.json").read_bytes(), JSON))
        server.add(_members("Category:Volcanic landforms"),
                   Reply(200, (DATA / "wikipedia_members_landforms.json").read_bytes(), JSON))
        for pageid, title, revid in [(32637, "Volcanology", 1255000001), (18842, "Magma", 1255000002),
                                     (5755, "Caldera", 1255000004)]:
            server.add(_api(**PAGE, pageids=str(pageid)), Reply(200, _page(pageid, title, revid), JSON))
        server.add(_api(**PAGE, pageids="17653"), Reply(200, b'{"batchcomplete": true, "query": {"pages": [', JSON))
        server.add(_api(**PAGE, pageids="99999"), Reply(200, (DATA / "wikipedia_missing.json").read_bytes(), JSON))
        result = crawl("wikipedia", tmp_path, {"base_url": f"{server.base}/w/api.php", "categories": "Volcanology",
                                               "depth": "1"})
        assert result.returncode == 0, result.stderr[-3000:]
        assert server.hits(_members("Category:Volcanic cones")) == [], "depth 1 stops below the first subcategory"
        assert len(server.hits(_api(**PAGE, pageids="18842"))) == 1, "a page in two categories is fetched once"
        hits = server.hits(_members("Category:Volcanology", cmcontinue="page|4c4156412044454c5441|2201",
                                    **{"continue": "-||"}))
        assert len(hits) == 2 and hits[1] - hits[0] >= 0.9, "429 + Retry-After honoured on a continuation"

    docs = {d.title: d for d in read_documents(tmp_path, "spider:wikipedia")}
    assert sorted(docs) == ["Caldera", "Magma", "Volcanology"]
    magma = docs["Magma"]
    assert magma.text.startswith("Magma is studied") and "== Formation ==" in magma.text
    assert "=== Composition ===" in magma.text and magma.raw is None
    assert (magma.license, magma.kind, magma.url) == ("CC-BY-SA-4.0", "text", "https://en.wikipedia.org/wiki/Magma")
    assert (magma.meta["crawl_key"], magma.meta["revision_id"], magma.meta["date"]) == \
        ("wikipedia:enwiki:18842", 1255000002, "2024-11-02T16:20:45Z")
    assert magma.meta["attribution"]["oldid_url"] == "https://en.wikipedia.org/wiki/Magma?oldid=1255000002"
    assert magma.meta["attribution"]["rights"]["url"] == "https://creativecommons.org/licenses/by-sa/4.0/"
    assert docs["Caldera"].meta["category"] == "Category:Volcanic landforms"

    failures = {(f["key"], f["reason"]) for f in read_failures(tmp_path)}
    assert failures == {("wikipedia:enwiki:17653", "malformed_json"), ("wikipedia:enwiki:99999", "no_text")}


def test_a_licence_off_the_allow_list_downloads_no_page(tmp_path: Path) -> None:
    with ReplayServer() as server:
        server.add(_api(action="query", meta="siteinfo", siprop="general|rightsinfo"),
                   Reply(200, (DATA / "wikipedia_siteinfo.json").read_bytes(), JSON))
        server.add(_members("Category:Geology"), Reply(200, (DATA / "wikipedia_members_landforms.json")
                                                       .read_bytes(), JSON))
        result = crawl("wikipedia", tmp_path, {"base_url": f"{server.base}/w/api.php", "categories": "Geology",
                                               "depth": "0", "licenses": "CC0-1.0"})
        assert result.returncode == 0, result.stderr[-3000:]
        assert server.hits(_api(**PAGE, pageids="5755")) == []
    assert {(f["key"], f["reason"], f["detail"]) for f in read_failures(tmp_path)} == {
        ("wikipedia:enwiki:5755", "license_not_allowed", "CC-BY-SA-4.0"),
        ("wikipedia:enwiki:18842", "license_not_allowed", "CC-BY-SA-4.0")}


def test_a_killed_crawl_resumes_without_duplicates_or_losses(tmp_path: Path) -> None:
    pages = {pageid: f"Landform {pageid}" for pageid in range(7001, 7009)}
    members = {"batchcomplete": True, "query": {"categorymembers": [
        {"pageid": pageid, "ns": 0, "title": title} for pageid, title in pages.items()]}}
    with ReplayServer() as server:
        server.add(_api(action="query", meta="siteinfo", siprop="general|rightsinfo"),
                   Reply(200, (DATA / "wikipedia_siteinfo.json").read_bytes(), JSON))
        server.add(_members("Category:Geomorphology"), Reply(200, json.dumps(members).encode(), JSON))
        for pageid, title in pages.items():
            server.add(_api(**PAGE, pageids=str(pageid)),
                       Reply(200, _page(pageid, title, pageid * 10), JSON, delay=0.3))
        args = {"base_url": f"{server.base}/w/api.php", "categories": "Geomorphology", "depth": "0"}
        stored_before = kill_midway("wikipedia", tmp_path, args)
        assert 3 <= stored_before < len(pages), "the kill landed in the middle of the crawl"
        result = crawl("wikipedia", tmp_path, args)
        assert result.returncode == 0, result.stderr[-3000:]
    keys = stored_keys(tmp_path)
    assert len(keys) == len(set(keys)), "no document stored twice"
    assert set(keys) == {f"wikipedia:enwiki:{pageid}" for pageid in pages}, "nothing lost"
