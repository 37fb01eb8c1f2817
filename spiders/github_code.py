"""`github_code`: source files of GIS repositories on GitHub, from each repository's tarball at a pinned commit.

REST API (https://docs.github.com/en/rest): `GET /search/repositories?q=…&sort=stars&per_page=100` finds
repositories (pages follow the `Link: <…>; rel="next"` header); each item carries the licence GitHub detected
(`license.spdx_id`; `NOASSERTION` and `null` mean none we can name → `unknown`), stars, topics and the
default branch. `GET /repos/{o}/{r}/branches/{branch}` pins the branch's head commit, and
`GET /repos/{o}/{r}/tarball/{sha}` (a 302 to codeload.github.com) gives the files at exactly that commit,
read with the safe archive reader; each wanted file becomes a Document keyed `github:o/r@sha:path`.

Search returns at most 1,000 results per query: a query that matches more is recorded as
`search_truncated`; split it with `slices` (e.g. `created:<2019-01-01;created:>=2019-01-01`). A token
(`GITHUB_TOKEN`, sent as `Authorization: Bearer …`, never logged and dropped by Scrapy on the redirect to
codeload) raises the limits from 60 to 5,000 requests an hour and search from 10 to 30 a minute; the
rate-limit headers are obeyed by the retry middleware (settings), not here.

    GITHUB_TOKEN=… geocorpus crawl github_code -a libraries=rasterio,geopandas -a languages=python -o crawl/gh
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

from scrapy.http import Response

from geocorpus.licenses import UNKNOWN, from_name, spdx_id
from geocorpus.spiders.files import ArchiveSpider

# One search per library: a topic where the community tags with one, else the name in name/description/README.
LIBRARY_QUERIES = {
    "gdal": "topic:gdal",
    "osgeo": "osgeo in:name,description,readme",
    "rasterio": "topic:rasterio",
    "geopandas": "topic:geopandas",
    "shapely": "topic:shapely",
    "pyproj": "pyproj in:name,description,readme",
    "xarray": "topic:xarray",
    "earthengine": "topic:google-earth-engine language:python",  # the `ee` Python API
    "gee-javascript": "topic:google-earth-engine language:javascript",  # Code Editor scripts
    "arcpy": "arcpy in:name,description,readme",
    "pyqgis": "topic:pyqgis",
    "whitebox": "whiteboxtools in:name,description,readme",
    "r-sf": "topic:r-spatial language:r",
    "r-terra": "terra in:name,description,readme language:r",
}
SEARCH_CAP = 1000  # GitHub search never returns more results than this for one query
_NO_LICENCE = {"", "noassertion", "other"}
_LINK = re.compile(r'<([^>]*)>\s*;\s*rel="?([^";]+)"?')  # one link-value of an RFC 8288 Link header


def github_license(license: dict[str, Any] | None) -> str:
    """The SPDX id of the licence GitHub detected (`GPL-3.0` → `GPL-3.0-only`); `unknown` when none was."""
    value = ((license or {}).get("spdx_id") or "").strip()
    if value.casefold() in _NO_LICENCE:
        return UNKNOWN
    return spdx_id(value) or from_name(value) or UNKNOWN


def license_keyword(spdx: str) -> str | None:
    """GitHub's `license:` search keyword for an SPDX id (`GPL-3.0-or-later` → `gpl-3.0`); None for ids
    GitHub does not detect (LicenseRef-*, `unknown`)."""
    if spdx.startswith("LicenseRef-") or spdx.casefold() == UNKNOWN:
        return None
    return spdx.removesuffix("-only").removesuffix("-or-later").casefold()


def search_queries(queries: list[str], languages: list[str], licences: list[str] | None,
                   slices: list[str]) -> list[str]:
    """Every query × language × licence × slice, as GitHub search strings (one qualifier of each kind per
    query: several `license:` in one query do not reliably mean "any of")."""
    keywords = [license_keyword(spdx) for spdx in licences] if licences else []
    if None in keywords:  # an allow-list with `unknown` (or a LicenseRef) cannot be searched by licence
        keywords = []
    variants = [[query] for query in queries]
    for extra in ([f"language:{lang}" for lang in languages], [f"license:{k}" for k in dict.fromkeys(keywords)],
                  slices):
        if extra:
            variants = [parts + [qualifier] for parts in variants for qualifier in extra]
    return [" ".join(parts) for parts in variants]


class GithubCodeSpider(ArchiveSpider):
    """Arguments: `libraries` (comma list of LIBRARY_QUERIES keys, default all), `queries` (`;` list of
    GitHub search queries, replacing the libraries'), `languages` (comma list: one search per `language:`),
    `slices` (`;` list of qualifiers such as `created:<2019-01-01`, each searched separately: the way past
    the 1,000-result cap), `sort` (stars), `per_page` (100), `suffixes` (comma list of file suffixes, default
    code + .md/.rst), `max_file_kb` (1024), `max_tarball_mb` (DOWNLOAD_MAXSIZE when unset), `api` (same as
    `base_url`). With `licenses`, searches carry `license:` qualifiers."""

    name = "github_code"
    default_base_url = "https://api.github.com"

    def __init__(self, libraries: str | None = None, queries: str | None = None, languages: str | None = None,
                 slices: str | None = None, sort: str = "stars", per_page: str | int = 100,
                 max_tarball_mb: str | None = None, api: str | None = None, **kwargs: Any) -> None:
        # suffixes and max_file_kb go on to ArchiveSpider
        super().__init__(base_url=api or kwargs.pop("base_url", None), **kwargs)
        chosen = _split(libraries, ",") or list(LIBRARY_QUERIES)
        unknown = [name for name in chosen if name not in LIBRARY_QUERIES]
        if unknown:
            raise ValueError(f"unknown libraries {', '.join(unknown)}; known: {', '.join(LIBRARY_QUERIES)}")
        self.queries = _split(queries, ";") or [LIBRARY_QUERIES[name] for name in chosen]
        self.languages = _split(languages, ",")
        self.slices = _split(slices, ";")
        self.sort = sort
        self.per_page = str(per_page)
        self.max_tarball = int(float(max_tarball_mb) * 1024 * 1024) if max_tarball_mb else None
        token = os.environ.get("GITHUB_TOKEN", "").strip()
        self.api_headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28",
                        **({"Authorization": f"Bearer {token}"} if token else {})}

    def api(self, path: str, **query: str) -> str:
        return f"{self.base_url.rstrip('/')}{path}" + (f"?{urlencode(query)}" if query else "")

    async def start(self) -> Any:
        licences = self._licenses.split(",") if self._licenses else None
        for query in search_queries(self.queries, self.languages, licences, self.slices):
            url = self.api("/search/repositories", q=query, sort=self.sort, order="desc", per_page=self.per_page)
            yield self.get(url, self.parse_search, headers=self.api_headers, cb_kwargs={"query": query, "first": True})

    def parse_search(self, response: Response, query: str, first: bool = False) -> Iterator[Any]:
        data = json.loads(response.body)
        if first and data.get("total_count", 0) > SEARCH_CAP:
            yield self.failure(response, "search_truncated",
                               f"{data['total_count']} repositories match {query!r}; search returns the first "
                               f"{SEARCH_CAP}: split it with -a slices=…")
        if data.get("incomplete_results"):
            self.logger.warning("GitHub search timed out for %r: this page may miss repositories", query)
        for repo in data.get("items", []):
            yield from self.parse_repo(repo)
        if link := _next_link(response.headers.get(b"Link")):
            yield self.get(response.urljoin(link), self.parse_search, headers=self.api_headers,
                           cb_kwargs={"query": query})

    def parse_repo(self, repo: dict[str, Any]) -> Iterator[Any]:
        full_name = repo["full_name"]
        license = github_license(repo.get("license"))
        if refused := self.licence_refused(f"github:{full_name}", repo["html_url"], license):
            yield refused
            return
        info = {
            "repo": full_name, "license": license, "html_url": repo["html_url"], "branch": repo["default_branch"],
            "meta": {"repo": full_name, "branch": repo["default_branch"], "stars": repo.get("stargazers_count"),
                     "forks": repo.get("forks_count"), "topics": repo.get("topics") or [],
                     "language": repo.get("language"), "description": repo.get("description"),
                     "github_license": (repo.get("license") or {}).get("spdx_id"),
                     "authors": [repo["owner"]["login"]] if repo.get("owner") else [],
                     "created_at": repo.get("created_at"), "pushed_at": repo.get("pushed_at")},
        }
        url = self.api(f"/repos/{full_name}/branches/{quote(repo['default_branch'], safe='/')}")
        yield self.get(url, self.parse_branch, key=f"github:{full_name}", headers=self.api_headers,
                       cb_kwargs={"info": info})

    def parse_branch(self, response: Response, info: dict[str, Any]) -> Iterator[Any]:
        head = json.loads(response.body)["commit"]
        sha = head["sha"]
        unit = f"github:{info['repo']}@{sha}"
        if self.seen(unit):
            return
        committed = (head.get("commit") or {}).get("committer") or {}
        info = {**info, "sha": sha, "meta": {**info["meta"], "commit": sha, "date": committed.get("date")}}
        meta = {"download_maxsize": self.max_tarball} if self.max_tarball else {}
        yield self.get(self.api(f"/repos/{info['repo']}/tarball/{sha}"), self.parse_tarball, key=unit,
                       headers=self.api_headers, meta=meta, cb_kwargs={"info": info})

    def parse_tarball(self, response: Response, info: dict[str, Any]) -> Iterator[Any]:
        unit = response.meta["key"]
        meta = {**info["meta"], "repo_commit": unit.removeprefix("github:"), "tarball_url": response.url}
        yield from self.archive_items(response, unit, lambda path, raw: self.document(
            f"{unit}:{path}", url=f"{info['html_url']}/blob/{info['sha']}/{quote(path)}", license=info["license"],
            path=path, raw=raw, title=f"{info['repo']}: {path}", meta=meta))


def _next_link(header: bytes | None) -> str | None:
    """The `rel="next"` target of a Link header (GitHub's pagination), None on the last page."""
    for target, rels in _LINK.findall((header or b"").decode("latin-1")):
        if "next" in rels.split():
            return target
    return None


def _split(value: str | None, separator: str) -> list[str]:
    return [part.strip() for part in value.split(separator) if part.strip()] if value else []
