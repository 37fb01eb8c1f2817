"""A server's request to slow down holds only that server: its downloader slot waits, other hosts go on."""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import urlencode

from spider_server import DATA, ReplayServer, Reply, crawl, pdf_bytes

from geocorpus.spiders.store import read_documents

JSON = {"Content-Type": "application/json"}
PDF = {"Content-Type": "application/pdf"}
QUERY = {"filter": "primary_topic.field.id:19,is_oa:true", "per-page": "200", "mailto": "geo@example.org"}


def _works(cursor: str) -> str:
    return "/works?" + urlencode({**QUERY, "cursor": cursor})


def test_a_spent_quota_pauses_its_host_and_not_the_others(tmp_path: Path) -> None:
    """The API (127.0.0.1) answers with `X-RateLimit-Remaining: 0`: its next page waits for the reset, while
    the full texts on another host (localhost) are fetched at once."""
    work = json.loads((DATA / "openalex_works_1.json").read_text(encoding="utf-8"))["results"][0]
    with ReplayServer() as server:
        elsewhere = server.base.replace("127.0.0.1", "localhost")
        works = [{**work, "id": f"https://openalex.org/W8000{n}",
                  "best_oa_location": {**work["best_oa_location"], "pdf_url": f"{elsewhere}/pdf/{n}.pdf"}}
                 for n in range(3)]
        quota_spent = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": lambda: str(int(time.time()) + 2), **JSON}
        server.add(_works("*"), Reply(200, json.dumps({"meta": {"next_cursor": "c2"}, "results": works}).encode(),
                                      quota_spent))
        server.add(_works("c2"), Reply(200, json.dumps({"meta": {"next_cursor": None}, "results": []}).encode(), JSON))
        for n in range(3):
            server.add(f"/pdf/{n}.pdf", Reply(200, pdf_bytes(), PDF))
        result = crawl("openalex", tmp_path, {"base_url": server.base, "mailto": "geo@example.org"})
        assert result.returncode == 0, result.stderr[-3000:]
        first_page, next_page = server.hits(_works("*"))[0], server.hits(_works("c2"))[0]
        fulltexts = [at for n in range(3) for at in server.hits(f"/pdf/{n}.pdf")]
    assert next_page - first_page >= 1.9, "the API host waited for X-RateLimit-Reset (1-2 s ahead, plus 1 s)"
    assert len(fulltexts) == 3 and max(fulltexts) - first_page < 1.5, "the other host was not held up"
    assert len(list(read_documents(tmp_path, "s"))) == 3
