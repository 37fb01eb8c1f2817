#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 geocorpus contributors
"""Land-cover class fractions per watershed (zonal statistics).

Rasterio masks a categorical land-cover raster (e.g. ESA WorldCover classes
10 tree cover, 20 shrubland, 30 grassland, 40 cropland, 50 built-up,
60 bare, 70 snow/ice, 80 water, 90 wetland, 95 mangrove, 100 moss/lichen)
with each watershed polygon from a GeoPackage and tallies pixel counts.
"""
import sys

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
from rasterio.mask import mask

CLASSES = {10: "tree", 20: "shrub", 30: "grass", 40: "crop", 50: "built",
           60: "bare", 70: "snow_ice", 80: "water", 90: "wetland",
           95: "mangrove", 100: "moss_lichen"}


def class_fractions(src, geom):
    data, _ = mask(src, [geom], crop=True, filled=True, nodata=0)
    values, counts = np.unique(data[0][data[0] != 0], return_counts=True)
    total = counts.sum()
    return {CLASSES.get(int(v), f"class_{v}"): c / total for v, c in zip(values, counts)} if total else {}


def main(raster_path, sheds_path, id_col="huc"):
    with rasterio.open(raster_path) as src:
        sheds = gpd.read_file(sheds_path).to_crs(src.crs)
        rows = []
        for _, shed in sheds.iterrows():
            fr = class_fractions(src, shed.geometry.__geo_interface__)
            fr[id_col] = shed[id_col]
            rows.append(fr)
    table = pd.DataFrame(rows).set_index(id_col).fillna(0.0)
    table["impervious_proxy"] = table.get("built", 0.0)
    print(table.round(3).to_string())
    table.to_csv("landcover_fractions.csv")


if __name__ == "__main__":
    main(*sys.argv[1:3])
