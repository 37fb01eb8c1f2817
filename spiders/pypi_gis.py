"""`pypi_gis`: source files of GIS and geoscience packages, from their PyPI sdists.

PyPI JSON API (https://docs.pypi.org/api/json/): `GET {base}/pypi/{project}/json` gives the latest
release's `info` (licence expression, classifiers, authors) and its files under `urls`; the sdist is
downloaded, its sha256 checked against the API's digest, read with the safe archive reader, and each
source file becomes a Document (raw bytes for `extract`) keyed by project==version:path.

    geocorpus crawl pypi_gis -a packages=rasterio,shapely -o crawl/pypi
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from email.utils import getaddresses
from typing import Any

from scrapy.http import Response

from geocorpus.licenses import UNKNOWN, from_pypi
from geocorpus.spiders.files import ArchiveSpider

# Widely used GIS / geoscience libraries with pure-Python (or mostly Python) sdists.
GIS_PACKAGES = (
    "shapely", "pyproj", "fiona", "rasterio", "geopandas", "rioxarray", "xarray", "earthengine-api", "geemap",
    "whitebox", "osmnx", "geopy", "folium", "cartopy", "momepy", "mapclassify", "libpysal", "pyogrio",
    "rasterstats", "contextily", "metpy", "salem", "leafmap", "pysheds", "gdal",
)


class PypiGisSpider(ArchiveSpider):
    """Arguments: `packages` (comma list, default GIS_PACKAGES), and ArchiveSpider's `suffixes` and
    `max_file_kb`."""

    name = "pypi_gis"
    default_base_url = "https://pypi.org"

    def __init__(self, packages: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.packages = [p.strip() for p in packages.split(",") if p.strip()] if packages else list(GIS_PACKAGES)

    async def start(self) -> Any:
        base = self.base_url.rstrip("/")
        for package in self.packages:
            yield self.get(f"{base}/pypi/{package}/json", self.parse_project, key=f"pypi:{package}")

    def parse_project(self, response: Response) -> Iterator[Any]:
        data = json.loads(response.body)
        info = data["info"]
        unit = f"pypi:{info['name']}=={info['version']}"
        if self.seen(unit):
            return
        license = from_pypi(info) or UNKNOWN
        if refused := self.licence_refused(unit, info.get("project_url") or response.url, license):
            yield refused
            return
        sdists = [f for f in data.get("urls") or [] if f.get("packagetype") == "sdist" and not f.get("yanked")]
        if not sdists:
            yield self.failure(response, "no_sdist", f"{info['name']} {info['version']} has no sdist", key=unit)
            return
        sdist = sdists[0]
        release = {
            "package": info["name"], "version": info["version"], "license": license, "summary": info.get("summary"),
            "authors": _authors(info), "date": sdist.get("upload_time_iso_8601"),
            "sha256": sdist.get("digests", {}).get("sha256"), "filename": sdist.get("filename"),
            "project_urls": info.get("project_urls") or {},
        }
        # pypi.org gives absolute URLs; mirrors and proxies often relative ones ("../../packages/...")
        yield self.get(response.urljoin(sdist["url"]), self.parse_sdist, key=unit, cb_kwargs={"release": release})

    def parse_sdist(self, response: Response, release: dict[str, Any]) -> Iterator[Any]:
        unit = response.meta["key"]
        digest = hashlib.sha256(response.body).hexdigest()
        if release["sha256"] and digest != release["sha256"]:
            yield self.failure(response, "checksum_mismatch", f"sha256 {digest} != {release['sha256']}", key=unit)
            return
        meta = {"package": release["package"], "version": release["version"], "pypi": unit.removeprefix("pypi:"),
                "sdist_sha256": digest, "authors": release["authors"], "date": release["date"],
                "summary": release["summary"], "project_urls": release["project_urls"]}
        yield from self.archive_items(response, unit, lambda path, raw: self.document(
            f"{unit}:{path}", url=f"{response.url}#{path}", license=release["license"], path=path, raw=raw,
            title=f"{release['package']} {release['version']}: {path}", meta=meta))



def _authors(info: dict[str, Any]) -> list[str]:
    """Author and maintainer names; PEP 621 projects often only fill `author_email` ("Name <mail>")."""
    names = [info.get("author"), info.get("maintainer")]
    for field in ("author_email", "maintainer_email"):
        names += [name for name, _ in getaddresses([info.get(field) or ""])]
    seen: list[str] = []
    for name in names:
        if name and name.strip() and name.strip() not in seen:
            seen.append(name.strip())
    return seen
