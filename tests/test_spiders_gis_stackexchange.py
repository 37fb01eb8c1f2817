"""`gis_stackexchange` over real HTTP against a loopback Stack Exchange API 2.3 (gzip JSON, recorded format)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from urllib.parse import urlencode

from spider_server import DATA, ReplayServer, Reply, crawl, kill_midway, stored_keys

from geocorpus.spiders.store import read_documents, read_failures

# The API always answers gzip-compressed JSON.
GZ = {"Content-Type": "application/json; charset=utf-8", "Content-Encoding": "gzip"}
COMMON = {"site": "gis", "filter": "withbody", "pagesize": "100"}
THROTTLED = "too many requests from this IP, more requests available in 1 second"


def _questions(page: int) -> str:
    return "/2.3/questions?" + urlencode({**COMMON, "order": "desc", "sort": "creation", "page": str(page)})


def _answers(ids: str, page: int) -> str:
    return f"/2.3/questions/{ids}/answers?" + urlencode({**COMMON, "sort": "votes", "order": "desc",
                                                          "page": str(page)})


def _error(error_id: int, name: str, message: str) -> bytes:
    """The API's error body (always with HTTP 400), gzipped like every response."""
    return gzip.compress(json.dumps({"error_id": error_id, "error_name": name, "error_message": message}).encode())


def _body(name: str) -> bytes:
    return gzip.compress((DATA / name).read_bytes())


def test_questions_answers_paging_backoff_attribution_and_faults(tmp_path: Path) -> None:
    with ReplayServer() as server:
        server.add(_questions(1), Reply(200, _body("se_questions_1.json"), GZ))
        server.add(_questions(2), Reply(503, b"busy"), Reply(200, _body("se_questions_2.json"), GZ))
        server.add(_answers("101;102;104", 1), Reply(400, _error(502, "throttle_violation", THROTTLED), GZ),
                   Reply(200, _body("se_answers_1.json"), GZ))
        server.add(_answers("101;102;104", 2), Reply(200, _body("se_answers_2.json"), GZ))
        server.add(_answers("105", 1), Reply(200, gzip.compress(b'{"items": [{"owner": '), GZ))
        result = crawl("gis_stackexchange", tmp_path, {"base_url": f"{server.base}/2.3"})
        assert result.returncode == 0, result.stderr[-3000:]
        first, second = server.hits(_questions(1)), server.hits(_questions(2))
        assert len(second) == 2 and second[0] - first[0] >= 0.9, "backoff: 1 honoured before the next page"
        throttled = server.hits(_answers("101;102;104", 1))
        assert len(throttled) == 2 and throttled[1] - throttled[0] >= 0.9, "throttle_violation: waited, asked again"

    docs = {d.meta["question_id"]: d for d in read_documents(tmp_path, "spider:gis_stackexchange")}
    assert sorted(docs) == [101, 102], "unanswered (103) and only-poor-answers (104) questions are not Q&A"
    dem = docs[101]
    assert dem.title == "Reprojecting a DEM with gdalwarp & keeping NoData"
    assert dem.text.startswith("Reprojecting a DEM") and "gdalwarp -t_srs EPSG:3857 dem.tif out.tif" in dem.text
    assert "Accepted answer (score 9):\n\nPass the NoData values explicitly:" in dem.text
    assert "-srcnodata -9999" in dem.text and "Newer GDAL" in dem.text and "Same problem" not in dem.text
    assert (dem.kind, dem.license, dem.url) == \
        ("qa", "CC-BY-SA-4.0", "https://gis.stackexchange.com/questions/101/reprojecting-a-dem-with-gdalwarp")
    assert (dem.meta["crawl_key"], dem.meta["answer_ids"], dem.meta["accepted_answer_id"]) == \
        ("stackexchange:gis:101", [201, 202], 201)
    assert dem.meta["authors"] == ["Ana Geo", "Rasterio Rémy", "Pyproj Pat"]
    assert dem.meta["attribution"][1] == {
        "author": "Rasterio Rémy", "author_url": "https://gis.stackexchange.com/users/11111/rasterio-remy",
        "user_id": 11111, "url": "https://gis.stackexchange.com/a/201", "license": "CC BY-SA 4.0"}
    assert docs[102].license == "CC-BY-SA-3.0 AND CC-BY-SA-4.0", "each post keeps its own licence"

    failures = read_failures(tmp_path)
    assert [f["reason"] for f in failures] == ["malformed_json"]
    assert "/2.3/questions/105/answers?" in failures[0]["url"], "the URL of the page that did not parse"


def test_api_errors_are_recorded_by_their_error_name(tmp_path: Path) -> None:
    with ReplayServer() as server:
        tagged = "/2.3/questions?" + urlencode({**COMMON, "order": "desc", "sort": "creation", "tagged": "no such tag",
                                                "page": "1"})
        server.add(tagged, Reply(400, _error(400, "bad_parameter", "tagged is not valid"), GZ))
        result = crawl("gis_stackexchange", tmp_path, {"base_url": f"{server.base}/2.3", "tagged": "no such tag"})
        assert result.returncode == 0, result.stderr[-3000:]
        assert len(server.hits(tagged)) == 1, "a 400 is not retried"
    assert [(f["reason"], f["detail"]) for f in read_failures(tmp_path)] == \
        [("stackexchange_bad_parameter", "400: tagged is not valid")]


def test_a_killed_crawl_resumes_without_duplicates_or_losses(tmp_path: Path) -> None:
    question = json.loads((DATA / "se_questions_1.json").read_text(encoding="utf-8"))["items"][0]
    answer = json.loads((DATA / "se_answers_1.json").read_text(encoding="utf-8"))["items"][0]
    pages = [[1000 + 2 * page, 1001 + 2 * page] for page in range(4)]
    with ReplayServer() as server:
        for number, ids in enumerate(pages, start=1):
            questions = [{**question, "question_id": qid, "accepted_answer_id": qid + 5000} for qid in ids]
            server.add(_questions(number), Reply(200, gzip.compress(json.dumps(
                {"items": questions, "has_more": number < len(pages), "quota_max": 300,
                 "quota_remaining": 290}).encode()), GZ))
            answers = [{**answer, "answer_id": qid + 5000, "question_id": qid} for qid in ids]
            server.add(_answers(";".join(map(str, ids)), 1), Reply(200, gzip.compress(json.dumps(
                {"items": answers, "has_more": False, "quota_max": 300, "quota_remaining": 290}).encode()), GZ,
                delay=0.4))
        args = {"base_url": f"{server.base}/2.3"}
        stored_before = kill_midway("gis_stackexchange", tmp_path, args, after=2)
        assert 2 <= stored_before < 8, "the kill landed in the middle of the crawl"
        result = crawl("gis_stackexchange", tmp_path, args)
        assert result.returncode == 0, result.stderr[-3000:]
    keys = stored_keys(tmp_path)
    assert len(keys) == len(set(keys)), "no document stored twice"
    assert set(keys) == {f"stackexchange:gis:{qid}" for ids in pages for qid in ids}, "nothing lost"
