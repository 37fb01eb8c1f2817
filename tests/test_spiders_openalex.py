"""`openalex` over real HTTP against a loopback OpenAlex API (recorded-format JSON) and OA full-text hosts."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlencode

from spider_server import DATA, ReplayServer, Reply, crawl, kill_midway, pdf_bytes, stored_keys

from geocorpus.spiders.openalex import openalex_license
from geocorpus.spiders.store import read_documents, read_failures

JSON = {"Content-Type": "application/json"}
PDF = {"Content-Type": "application/pdf"}
QUERY = {"filter": "primary_topic.field.id:19,is_oa:true", "per-page": "200", "mailto": "geo@example.org"}
CURSOR_2 = "IlsxMDAuMCwgMTY5MzA2MjUwMDAwMCwgJ2h0dHBzOi8vb3BlbmFsZXgub3JnL1c0Mzg1MjQ1NDA0J10i"
CURSOR_3 = "IlsxMDAuMCwgMTY4MDAwMDAwMDAwMCwgJ2h0dHBzOi8vb3BlbmFsZXgub3JnL1c0MzkwMDAwMDA2J10i"


def _works(cursor: str) -> str:
    return "/works?" + urlencode({**QUERY, "cursor": cursor})


def _page(name: str, base: str) -> bytes:
    return (DATA / name).read_text(encoding="utf-8").replace("BASE", base).encode()


def test_cursor_paging_best_oa_locations_licences_and_faults(tmp_path: Path) -> None:
    pdf = pdf_bytes()
    html = b"<html><head><title>Permafrost</title></head><body><article><p>Thaw.</p></article></body></html>"
    with ReplayServer() as server:
        server.add(_works("*"), Reply(200, _page("openalex_works_1.json", server.base), JSON))
        server.add(_works(CURSOR_2), Reply(429, b'{"error": "rate limited"}', {"Retry-After": "1", **JSON}),
                   Reply(200, _page("openalex_works_2.json", server.base), JSON))
        server.add(_works(CURSOR_3), Reply(200, _page("openalex_works_3.json", server.base), JSON))
        server.add("/articles/esurf-11-1-2023.pdf", Reply(200, pdf, PDF))
        server.add("/repository/view/7003/", Reply(200, html, {"Content-Type": "text/html; charset=utf-8"}))
        server.add("/pdfdirect/2023GL100006", Reply(500, b"oops"), Reply(200, pdf, PDF))
        licences = "CC-BY-4.0,CC-BY-SA-4.0,CC0-1.0,CC-BY-NC-ND-4.0"
        result = crawl("openalex", tmp_path, {"base_url": server.base, "mailto": "geo@example.org",
                                              "licenses": licences})
        assert result.returncode == 0, result.stderr[-3000:]
        hits = server.hits(_works(CURSOR_2))
        assert len(hits) == 2 and hits[1] - hits[0] >= 0.9, "429 + Retry-After honoured"
        assert server.hits("/nc/3.pdf") == [], "a refused licence downloads nothing"
        assert len(server.hits("/pdfdirect/2023GL100006")) == 2, "500 then success"

    docs = {d.meta["openalex_id"]: d for d in read_documents(tmp_path, "spider:openalex")}
    assert sorted(docs) == ["W4385245404", "W4390000002", "W4390000006"]
    paper = docs["W4385245404"]
    assert (paper.raw, paper.license, paper.kind, paper.meta["format"]) == (pdf, "CC-BY-4.0", "paper", "pdf")
    assert (paper.meta["doi"], paper.meta["authors"], paper.meta["date"]) == \
        ("10.5194/esurf-11-1-2023", ["Lucia Ortiz", "Jonas Becker"], "2023-01-12")
    assert (paper.meta["source_name"], paper.meta["openalex_license"], paper.meta["crawl_key"]) == \
        ("Earth Surface Dynamics", "cc-by", "openalex:W4385245404")
    assert paper.url == f"{server.base}/articles/esurf-11-1-2023.pdf" and paper.title.startswith("Bedload")
    page = docs["W4390000002"]
    assert (page.license, page.meta["format"], page.raw, page.meta["version"]) == \
        ("CC-BY-SA-4.0", "html", html, "submittedVersion")
    assert docs["W4390000006"].license == "CC-BY-NC-ND-4.0"

    failures = {(f["key"], f["reason"], f["detail"]) for f in read_failures(tmp_path)}
    assert {(k, r) for k, r, _ in failures} == {("openalex:W4390000003", "license_not_allowed"),
                                               ("openalex:W4390000004", "no_fulltext"),
                                               ("openalex:W4390000005", "http_404")}
    assert ("openalex:W4390000003", "license_not_allowed", "CC-BY-NC-4.0") in failures


def test_openalex_licence_vocabulary() -> None:
    assert [openalex_license(v) for v in ("cc-by", "cc-by-sa", "cc-by-nc-sa", "cc0", "public-domain", "mit",
                                          "other-oa", None)] == \
        ["CC-BY-4.0", "CC-BY-SA-4.0", "CC-BY-NC-SA-4.0", "CC0-1.0", "LicenseRef-public-domain", "MIT", "unknown",
         "unknown"]


def test_a_killed_crawl_resumes_without_duplicates_or_losses(tmp_path: Path) -> None:
    work = json.loads((DATA / "openalex_works_1.json").read_text(encoding="utf-8"))["results"][0]
    pdf = pdf_bytes()
    with ReplayServer() as server:
        works = [{**work, "id": f"https://openalex.org/W90000{n:02d}",
                  "best_oa_location": {**work["best_oa_location"], "pdf_url": f"{server.base}/pdf/{n}.pdf"}}
                 for n in range(8)]
        server.add(_works("*"), Reply(200, json.dumps({"meta": {"count": 8, "next_cursor": None},
                                                       "results": works}).encode(), JSON))
        for n in range(8):
            server.add(f"/pdf/{n}.pdf", Reply(200, pdf, PDF, delay=0.4))
        args = {"base_url": server.base, "mailto": "geo@example.org"}
        stored_before = kill_midway("openalex", tmp_path, args)
        assert 3 <= stored_before < len(works), "the kill landed in the middle of the crawl"
        result = crawl("openalex", tmp_path, args)
        assert result.returncode == 0, result.stderr[-3000:]
    keys = stored_keys(tmp_path)
    assert len(keys) == len(set(keys)), "no document stored twice"
    assert set(keys) == {f"openalex:W90000{n:02d}" for n in range(8)}, "nothing lost"
