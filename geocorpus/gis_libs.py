"""Which GIS/geoscience libraries a piece of code uses, read from its imports and library calls.

The extractor tags `meta["gis_libs"]` with it (it knows each file's language), and `gis_relevance` uses it as
its fallback for documents that arrive untagged (JSONL, `hf` sources: language unknown). Only imports and
calls count, never mentions in comments or prose: a web app in a repo about maps is not GIS code. The table
is broader than GIS proper: seismology, meteorology, hydrology and geophysics libraries make geoscience code.
Python is parsed with `ast` (imports are exact); other languages are matched on their import/call idioms.
"""

from __future__ import annotations

import ast
import re
import warnings
from collections.abc import Callable

#: import root (Python module, R package, npm package) -> library tag
LIBRARIES = {
    **dict.fromkeys(("osgeo", "gdal", "ogr", "osr"), "gdal"),
    **{name: name for name in (
        "rasterio", "fiona", "shapely", "geopandas", "pyproj", "cartopy", "netCDF4", "xarray",
        "metpy", "obspy", "pygmt", "folium", "geemap", "leafmap", "whitebox", "richdem", "pysheds", "landlab",
        "flopy", "verde", "harmonica", "pykrige", "gstools", "sentinelsat", "pystac", "pystac_client", "satpy",
        "pyresample", "xesmf", "cfgrib", "pygrib", "iris", "arcpy", "qgis", "osmnx", "momepy", "libpysal", "h3",
        "rtree", "geojson", "earthpy", "xrspatial", "rasterstats", "contextily", "geocube", "pastas", "lasio",
        "welly", "segyio", "bruges", "gempy", "simpeg", "pyrolite", "climlab", "cdsapi", "siphon", "wrf",
        "sf", "sp", "terra", "raster", "stars", "rgdal", "rgeos", "gstat", "tmap", "leaflet", "lidR", "ncdf4",
        "turf", "ol", "proj4", "geotiff", "maplibre-gl", "mapbox-gl")},
    "rioxarray": "xarray", "whitebox_tools": "whitebox",
    "ee": "ee", "@google/earthengine": "ee", "@turf/turf": "turf",
}

_PYTHON_IMPORT_LINE = re.compile(r"^\s*(?:from|import)\s+([A-Za-z_]\w*)", re.M)
_R_PACKAGE = re.compile(r"(?:library|require|requireNamespace)\(\s*['\"]?([A-Za-z][\w.]*)|\b([A-Za-z][\w.]*)::")
_JS_MODULE = re.compile(r"""(?:require\(\s*|from\s+|import\s+)['"]([@\w./-]+)['"]""")
_EARTH_ENGINE_CALL = re.compile(r"\bee\.(?:Image|ImageCollection|Feature|FeatureCollection|Geometry|Reducer|Filter|"
                                r"Number|List|Dictionary|Algorithms|Initialize|data)\b")
_POSTGIS_EXTENSION = re.compile(r"\bCREATE\s+EXTENSION\s+(?:IF\s+NOT\s+EXISTS\s+)?postgis", re.I)
_SQL_ST_CALL = re.compile(r"\bST_[A-Za-z0-9]+\s*\(", re.I)
# outside SQL files only the canonical capitalisation counts: R's sf has st_read(), st_area(), ...
_EMBEDDED_ST_CALL = re.compile(r"\bST_[A-Z][A-Za-z0-9]+\s*\(")
_SHELL_TOOLS = ((re.compile(r"(?:^|[\s;|&(])(?:gdal[a-z_]*|ogr2ogr|ogrinfo)\b", re.M), "gdal"),
                (re.compile(r"\bwhitebox_tools\b"), "whitebox"), (re.compile(r"\bqgis_process\b"), "qgis"))


def detect_gis_libs(code: str, language: str | None = None) -> list[str]:
    """Sorted library tags used by `code`. With its `language` (as `extract` names them) only that language's
    idioms are read, and a language we have no idioms for has none; with None (unknown) every idiom except
    the shell's is tried, each being unambiguous enough on its own."""
    detectors = _ANY_LANGUAGE if language is None else _BY_LANGUAGE.get(language, ())
    return sorted({tag for detect in detectors for tag in detect(code)})


def python_imports(code: str) -> set[str]:
    """Top-level names of the modules `code` imports; a line scan when it does not parse (Python 2)."""
    try:
        tree = parse_python(code)
    except (SyntaxError, ValueError):
        return set(_PYTHON_IMPORT_LINE.findall(code))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def parse_python(code: str) -> ast.AST:
    """`ast.parse` without its warnings: invalid escape sequences in old code are not our concern."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(code)


def _tags(roots: set[str]) -> set[str]:
    return {LIBRARIES[root] for root in roots if root in LIBRARIES}


def _python(code: str) -> set[str]:
    return _tags(python_imports(code))


def _r(code: str) -> set[str]:
    return _tags({a or b for a, b in _R_PACKAGE.findall(code)})


def _javascript(code: str) -> set[str]:
    # scoped packages keep their scope ("@turf/turf"), others are named by their root ("ol/Map" -> "ol")
    modules = {name if name.startswith("@") else name.split("/")[0] for name in _JS_MODULE.findall(code)}
    return _tags(modules) | ({"ee"} if _EARTH_ENGINE_CALL.search(code) else set())


def _sql(code: str) -> set[str]:
    return {"postgis"} if _SQL_ST_CALL.search(code) or _POSTGIS_EXTENSION.search(code) else set()


def _embedded_sql(code: str) -> set[str]:
    return {"postgis"} if _EMBEDDED_ST_CALL.search(code) or _POSTGIS_EXTENSION.search(code) else set()


def _shell(code: str) -> set[str]:
    return {tag for pattern, tag in _SHELL_TOOLS if pattern.search(code)}


_BY_LANGUAGE: dict[str, tuple[Callable[[str], set[str]], ...]] = {
    "python": (_python,), "r": (_r,), "javascript": (_javascript,), "sql": (_sql,), "shell": (_shell,),
}
# shell tool names ("gdalinfo") are words in any prose or comment, so they need to know the file is a script
_ANY_LANGUAGE = (_python, _r, _javascript, _embedded_sql)
