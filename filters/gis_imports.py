"""Which GIS/geoscience libraries a piece of code uses, read from its imports — the fallback for
`gis_relevance` when the extractor did not tag `meta["gis_libs"]` (documents from JSONL or `hf` sources).

Only imports and library calls count, not mentions in comments or prose. The list is broader than GIS
proper: seismology, meteorology, hydrology and geophysics libraries make geoscience code too.
"""

from __future__ import annotations

import re

#: import root (Python, R, JavaScript) -> library tag
LIBRARIES = {
    **dict.fromkeys(("osgeo", "gdal", "ogr", "osr"), "gdal"),
    **{name: name for name in (
        "rasterio", "fiona", "shapely", "geopandas", "pyproj", "cartopy", "rioxarray", "netCDF4", "xarray",
        "metpy", "obspy", "pygmt", "folium", "geemap", "leafmap", "whitebox", "richdem", "pysheds", "landlab",
        "flopy", "verde", "harmonica", "pykrige", "gstools", "sentinelsat", "pystac", "pystac_client", "satpy",
        "pyresample", "xesmf", "cfgrib", "pygrib", "iris", "arcpy", "qgis", "osmnx", "momepy", "libpysal", "h3",
        "rtree", "geojson", "earthpy", "xrspatial", "rasterstats", "contextily", "geocube", "pastas", "lasio",
        "welly", "segyio", "bruges", "gempy", "simpeg", "pyrolite", "climlab", "cdsapi", "siphon", "wrf",
        "sf", "sp", "terra", "raster", "stars", "rgdal", "rgeos", "gstat", "tmap", "leaflet", "lidR", "ncdf4",
        "turf", "ol", "proj4", "geotiff", "maplibre-gl", "mapbox-gl")},
    "ee": "earthengine", "@google/earthengine": "earthengine", "@turf/turf": "turf",
}
_PYTHON = re.compile(r"^\s*(?:from|import)\s+([A-Za-z_][\w]*)", re.M)
_R = re.compile(r"(?:library|require|requireNamespace)\(\s*['\"]?([A-Za-z][\w.]*)|\b([A-Za-z][\w.]*)::")
_JS = re.compile(r"""(?:require\(\s*|from\s+|import\s+)['"]([@\w./-]+)['"]""")
_CALLS = ((re.compile(r"\bee\.(?:Image|ImageCollection|FeatureCollection|Geometry|Reducer)\b"), "earthengine"),
          (re.compile(r"\bST_[A-Z][A-Za-z0-9]+\s*\("), "postgis"),  # case-sensitive: R's sf has st_read()
          (re.compile(r"CREATE\s+EXTENSION\s+(?:IF\s+NOT\s+EXISTS\s+)?postgis", re.I), "postgis"))


def detect_gis_libs(code: str) -> list[str]:
    """Sorted library tags used by `code`, whatever its language (each idiom is unambiguous enough)."""
    roots = set(_PYTHON.findall(code))
    roots |= {a or b for a, b in _R.findall(code)}
    roots |= {name if name.startswith("@") else name.split("/")[0] for name in _JS.findall(code)}
    found = {LIBRARIES[root] for root in roots if root in LIBRARIES}
    found |= {tag for pattern, tag in _CALLS if pattern.search(code)}
    return sorted(found)
