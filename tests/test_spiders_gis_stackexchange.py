"""`gis_stackexchange` over real HTTP against a loopback Stack Exchange API 2.3 (gzip JSON, recorded format)."""

from __future__ import annotations

import gzip
from pathlib import Path
from urllib.parse import urlencode

from spider_server import DATA, ReplayServer, Reply, crawl

from geocorpus.spiders.store import read_documents, read_failures

# The API always answers gzip-compressed JSON.
GZ = {"Content-Type": "application/json; charset=utf-8", "Content-Encoding": "gzip"}
COMMON = {"site": "gis", "filter": "withbody", "pagesize": "100"}


def _questions(page: int) -> str:
    return "/2.3/questions?" + urlencode({**COMMON, "order": "desc", "sort": "creation", "page": str(page)})


def _answers(ids: str, page: int) -> str:
    return f"/2.3/questions/{ids}/answers?" + urlencode({**COMMON, "sort": "votes", "order": "desc",
                                                          "page": str(page)})


def _body(name: str) -> bytes:
    return gzip.compress((DATA / name).read_bytes())


def test_questions_answers_paging_backoff_attribution_and_faults(tmp_path: Path) -> None:
    with ReplayServer() as server:
        server.add(_questions(1), Reply(200, _body("se_questions_1.json"), GZ))
        server.add(_questions(2), Reply(503, b"busy"), Reply(200, _body("se_questions_2.json"), GZ))
        server.add(_answers("101;102;104", 1), Reply(200, _body("se_answers_1.json"), GZ))
        server.add(_answers("101;102;104", 2), Reply(200, _body("se_answers_2.json"), GZ))
        server.add(_answers("105", 1), Reply(200, gzip.compress(b'{"items": [{"owner": '), GZ))
        result = crawl("gis_stackexchange", tmp_path, {"base_url": f"{server.base}/2.3"})
        assert result.returncode == 0, result.stderr[-3000:]
        first, second = server.hits(_questions(1)), server.hits(_questions(2))
        assert len(second) == 2 and second[0] - first[0] >= 0.9, "backoff: 1 honoured before the next page"

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
