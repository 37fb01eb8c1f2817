"""`gis_stackexchange`: questions with their accepted and top answers from the Stack Exchange API 2.3.

API (https://api.stackexchange.com/docs): `/questions?site=gis&filter=withbody` pages with `page` while
`has_more`; then `/questions/{ids}/answers` for up to 100 questions at a time. Every response may carry
`backoff` (seconds before the same method may be called again: we wait it out) and `quota_remaining`
(at 0 the crawl stops listing and records it). An error comes as HTTP 400 with `{"error_id", "error_name",
"error_message"}`: it is recorded as `stackexchange_<error_name>`; a `throttle_violation` (error_id 502)
says when more requests are available, and a wait no longer than GEOCORPUS_RETRY_AFTER_MAX is waited out
and the request asked again. Each post states its own `content_license`
("CC BY-SA 4.0"); a Document's licence is the SPDX AND of its posts' licences, and its meta keeps the
attribution CC BY-SA asks for: each post's author, author link and post link.

    geocorpus crawl gis_stackexchange -a site=gis -a tagged=gdal -o crawl/gis_se
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlencode, urlsplit

import lxml.html
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from geocorpus.licenses import UNKNOWN, from_name
from geocorpus.spiders.base import GeoSpider
from geocorpus.spiders.items import CrawlFailure, UnitDone
from geocorpus.spiders.middlewares import sleep

_BATCH = 100  # the API's limit on ids per request and on pagesize
_AVAILABLE_IN = re.compile(r"available in (\d+) seconds?")  # throttle_violation's error_message


class GisStackExchangeSpider(GeoSpider):
    """Arguments: `site` (default gis; e.g. earthscience), `tagged` (semicolon list of tags), `fromdate`
    (unix seconds), `top_answers` (answers kept besides the accepted one, by score, default 2),
    `min_score` (answers below it are dropped, default 1), `key` (API key, default STACKEXCHANGE_KEY)."""

    name = "gis_stackexchange"
    default_base_url = "https://api.stackexchange.com/2.3"

    def __init__(self, site: str = "gis", tagged: str | None = None, fromdate: str | None = None,
                 top_answers: str | int = 2, min_score: str | int = 1, key: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.site = site
        self.top_answers = int(top_answers)
        self.min_score = int(min_score)
        self.common = {"site": site, "filter": "withbody", "pagesize": str(_BATCH),
                       "key": key or os.environ.get("STACKEXCHANGE_KEY")}
        self.question_query = {"order": "desc", "sort": "creation", "tagged": tagged, "fromdate": fromdate}

    def api(self, path: str, **params: Any) -> str:
        query = {k: v for k, v in {**self.common, **params}.items() if v}
        return f"{self.base_url.rstrip('/')}{path}?{urlencode(query)}"

    async def start(self) -> Any:
        yield self.get(self.api("/questions", page="1", **self.question_query), self.parse_questions,
                       cb_kwargs={"page": 1})

    async def parse_questions(self, response: Response, page: int) -> AsyncIterator[Any]:
        data = json.loads(response.body)
        fresh = {q["question_id"]: q for q in data.get("items", [])
                 if q.get("answer_count") and not self.seen(self._key(q["question_id"]))}
        if fresh:
            ids = ";".join(map(str, fresh))
            yield self.get(self.api(f"/questions/{ids}/answers", page="1", sort="votes", order="desc"),
                           self.parse_answers, cb_kwargs={"questions": fresh, "answers": [], "page": 1})
        if data.get("has_more"):
            if failure := await self._pace(response, data):
                yield failure
                return
            yield self.get(self.api("/questions", page=str(page + 1), **self.question_query), self.parse_questions,
                           cb_kwargs={"page": page + 1})

    async def parse_answers(self, response: Response, questions: dict[int, dict], answers: list[dict],
                            page: int) -> AsyncIterator[Any]:
        data = json.loads(response.body)
        answers = answers + data.get("items", [])
        if data.get("has_more"):
            if failure := await self._pace(response, data):
                yield failure
                return
            ids = ";".join(map(str, questions))
            yield self.get(self.api(f"/questions/{ids}/answers", page=str(page + 1), sort="votes", order="desc"),
                           self.parse_answers, cb_kwargs={"questions": questions, "answers": answers, "page": page + 1})
            return
        for question_id, question in questions.items():
            for item in self._thread(question, [a for a in answers if a["question_id"] == question_id]):
                yield item

    def _thread(self, question: dict[str, Any], answers: list[dict[str, Any]]) -> Iterator[Any]:
        key = self._key(question["question_id"])
        accepted = [a for a in answers if a.get("is_accepted")]
        others = sorted((a for a in answers if not a.get("is_accepted") and a.get("score", 0) >= self.min_score),
                        key=lambda a: -a.get("score", 0))[: self.top_answers]
        kept = accepted + others
        if not kept:
            return  # no accepted or good answer: not a Q&A worth keeping (the API will list it again later)
        host = f"{urlsplit(question['link']).scheme}://{urlsplit(question['link']).netloc}"
        posts = [(question, question["link"])] + [(a, f"{host}/a/{a['answer_id']}") for a in kept]
        licences = sorted({from_name(p.get("content_license")) or UNKNOWN for p, _ in posts})
        parts = [f"{_text(question['title'])}\n\n{_text(question['body'])}"]
        for answer in kept:
            label = "Accepted answer" if answer.get("is_accepted") else "Answer"
            parts.append(f"{label} (score {answer.get('score', 0)}):\n\n{_text(answer['body'])}")
        yield self.document(
            key, url=question["link"], license=" AND ".join(licences), path=f"{question['question_id']}.txt",
            text="\n\n".join(parts), kind="qa", title=_text(question["title"]),
            meta={"site": self.site, "question_id": question["question_id"],
                  "answer_ids": [a["answer_id"] for a in kept],
                  "accepted_answer_id": question.get("accepted_answer_id"),
                  "tags": question.get("tags", []), "score": question.get("score"),
                  "date": question.get("creation_date"), "authors": [_owner(p)["author"] for p, _ in posts],
                  "attribution": [{**_owner(p), "url": url, "license": p.get("content_license")} for p, url in posts]},
        )
        yield UnitDone(key)

    async def failed(self, failure: Failure) -> AsyncIterator[Any]:  # type: ignore[override]
        """An API error body is recorded by its `error_name`; a short throttle_violation is waited out."""
        error = _api_error(failure.value)
        if error is None:
            for item in super().failed(failure):
                yield item
            return
        request = failure.request  # type: ignore[attr-defined]
        name = str(error.get("error_name") or "error")
        message = str(error.get("error_message") or "")
        wait = _AVAILABLE_IN.search(message) if name == "throttle_violation" else None
        if wait and int(wait.group(1)) <= self.settings.getfloat("GEOCORPUS_RETRY_AFTER_MAX", 600.0):
            self.logger.info("Stack Exchange throttle_violation: waiting %ss before asking again", wait.group(1))
            await sleep(float(wait.group(1)))
            if retry := get_retry_request(request, spider=self, reason=name):
                yield retry
                return
        yield CrawlFailure(key=request.meta.get("key", request.url), url=request.url, reason=f"stackexchange_{name}",
                           detail=f"{error.get('error_id')}: {message}")

    async def _pace(self, response: Response, data: dict[str, Any]) -> Any:
        """Wait out `backoff` before calling the method again; a failure to yield when the quota is spent."""
        if data.get("quota_remaining", 1) <= 0:
            return self.failure(response, "quota_exhausted", f"quota_max {data.get('quota_max')}")
        if data.get("backoff"):
            self.logger.info("Stack Exchange asks for a %ss backoff", data["backoff"])
            await sleep(float(data["backoff"]))
        return None

    def _key(self, question_id: int) -> str:
        return f"stackexchange:{self.site}:{question_id}"


def _api_error(error: BaseException) -> dict[str, Any] | None:
    """The API's error body (`error_id`, `error_name`, `error_message`) of an HTTP error, else None."""
    if not isinstance(error, HttpError):
        return None
    try:
        body = json.loads(error.response.body)
    except (ValueError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) and "error_name" in body else None


def _text(html: str) -> str:
    """Post bodies and titles are HTML (titles only entity-escaped): their text, code blocks kept as written."""
    return lxml.html.fragment_fromstring(html, create_parent="div").text_content().strip() if html else ""


def _owner(post: dict[str, Any]) -> dict[str, Any]:
    owner = post.get("owner") or {}
    return {"author": _text(owner.get("display_name", "")) or "anonymous", "author_url": owner.get("link"),
            "user_id": owner.get("user_id")}
