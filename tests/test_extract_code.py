"""Code and notebooks: language, SPDX licence from headers, GIS-library tags, syntax, file traits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from geocorpus.extract import license as licenses
from geocorpus.extract.code import extract_code, file_traits, gis_libs
from geocorpus.extract.dispatch import extract_raw
from geocorpus.extract.errors import ExtractionError
from geocorpus.extract.formats import detect
from geocorpus.extract.notebook import extract_notebook

CODE = Path(__file__).resolve().parent.parent / "recipes" / "samples" / "geocode_pt" / "code"


@pytest.mark.parametrize(("name", "language", "libs", "spdx"), [
    ("gdal_terrain_derivatives.py", "python", ["gdal"], "MIT"),
    ("rasterio_example_rasterio_polygonize.py", "python", ["fiona", "rasterio"], None),
    ("zonal_landcover_stats.py", "python", ["geopandas", "rasterio"], "MIT"),
    ("gee_landcover_change.js", "javascript", ["ee"], "MIT"),
    ("sf_terra_soil_moisture.R", "r", ["sf", "terra"], "MIT"),
    ("postgis_flood_exposure.sql", "sql", ["postgis"], "MIT"),
])
def test_real_scripts(name: str, language: str, libs: list[str], spdx: str | None) -> None:
    path = CODE / name
    fmt, kind = detect(path)
    text, meta = extract_raw(path.read_bytes(), fmt, None, name, {})
    assert kind == "code" and meta["language"] == language and text == path.read_text(encoding="utf-8")
    assert meta["gis_libs"] == libs
    assert meta.get("license") == spdx
    assert not (meta["generated"] or meta["minified"] or meta["vendored"])
    if language == "python":
        assert meta["syntax_ok"] is True


def test_real_notebook_cells_without_outputs() -> None:
    raw = (CODE / "groundwater_trends_idw.ipynb").read_bytes()
    text, meta = extract_notebook(raw)
    notebook = json.loads(raw)
    first_code = next(c for c in notebook["cells"] if c["cell_type"] == "code")
    assert "```python\n" + "".join(first_code["source"]).rstrip() + "\n```" in text
    assert meta["gis_libs"] == ["geopandas", "xarray"] and meta["syntax_ok"] is True
    assert meta["code_cells"] == sum(c["cell_type"] == "code" for c in notebook["cells"])


def test_notebook_outputs_stripped_magics_allowed_and_broken_notebooks_rejected() -> None:
    cells = [{"cell_type": "code", "source": "%matplotlib inline\n!pip list\nimport rioxarray\n",
              "outputs": [{"output_type": "display_data", "data": {"image/png": "iVBORw0KGgo="}}]},
             {"cell_type": "markdown", "source": ["## DEM\n", "Slope from a DEM."]}]
    text, meta = extract_notebook(json.dumps({"cells": cells, "metadata": {}}).encode())
    assert "iVBORw0KGgo" not in text and "## DEM\nSlope from a DEM." in text
    assert meta["syntax_ok"] is True and meta["gis_libs"] == ["xarray"]
    with pytest.raises(ExtractionError, match="nbformat"):
        extract_notebook(b'{"cells": 3}')


def test_python_tags_come_from_imports_not_comments() -> None:
    code = "# uses GDAL and rasterio\nfrom osgeo import gdal\nimport whitebox_tools as wbt\nimport geemap.foliumap\n"
    assert gis_libs("python", code) == ["gdal", "geemap", "whitebox"]
    assert gis_libs("python", "# rasterio is great\nprint('rasterio')\n") == []
    # Python 2 code does not parse; its imports are still found
    _text, meta = extract_code(b"import arcpy\nprint 'done'\n", "python", "old.py")
    assert meta["syntax_ok"] is False and "SyntaxError" in meta["syntax_error"] and meta["gis_libs"] == ["arcpy"]


def test_other_language_idioms() -> None:
    assert gis_libs("shell", "set -e\ngdalwarp -t_srs EPSG:3857 in.tif out.tif\nqgis_process run x\n") == ["gdal",
                                                                                                          "qgis"]
    assert gis_libs("r", "suppressMessages(library('terra'))\nx <- sf::st_read('a.gpkg')\n") == ["sf", "terra"]
    assert gis_libs("javascript", "var s2 = ee.ImageCollection('COPERNICUS/S2');") == ["ee"]
    assert gis_libs("sql", "SELECT name FROM towns;") == []


@pytest.mark.parametrize(("header", "spdx"), [
    ("# SPDX-License-Identifier: GPL-3.0-or-later\n", "GPL-3.0-or-later"),
    ("// SPDX-License-Identifier: MIT OR Apache-2.0\n", "MIT OR Apache-2.0"),
    ("# Licensed under the Apache License, Version 2.0 (the \"License\");\n", "Apache-2.0"),
    ("# This program is free software: you can redistribute it and/or modify it under the terms of the GNU\n"
     "# General Public License as published by the Free Software Foundation, either version 3 of the\n"
     "# License, or (at your option) any later version.\n", "GPL-3.0-or-later"),
    ("# Redistribution and use in source and binary forms, with or without modification, are permitted\n"
     "# 3. Neither the name of the copyright holder nor the names of its contributors may be used\n",
     "BSD-3-Clause"),
    ("# Copyright 2020 ACME. All rights reserved.\n", None),
])
def test_licence_headers(header: str, spdx: str | None) -> None:
    assert licenses.from_code_header(header + "import numpy\n") == spdx


def test_generated_minified_vendored() -> None:
    assert file_traits("pkg/_pb2.py", "# Generated by the protocol buffer compiler.  DO NOT EDIT!\n")["generated"]
    assert file_traits("static/app.min.js", "var a=1;")["minified"]
    assert file_traits("app.js", "var a=1;" * 300)["minified"]
    assert file_traits("src/vendor/leaflet/leaflet.js", "var a = 1;\n")["vendored"]
    assert not any(file_traits("src/model.py", "x = 1\n").values())


def test_binary_file_named_py_is_rejected() -> None:
    zipped = b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256)) * 8
    for data in (zipped, bytes(range(1, 32)) * 100):
        with pytest.raises(ExtractionError) as caught:
            extract_raw(data, "python", None, "setup.py", {})
        assert caught.value.reason == "binary"
