#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 geocorpus contributors
"""Derive slope, aspect and hillshade rasters from a DEM with GDAL.

Usage:
    python gdal_terrain_derivatives.py dem.tif out_dir/ [--scale 1.0]

The DEM must be in a projected CRS with metre units, or pass --scale
(ratio of horizontal to vertical units, e.g. 111120 for a DEM in
geographic degrees with elevations in metres).
"""
import argparse
import os

from osgeo import gdal

gdal.UseExceptions()


def derive(dem_path, out_dir, scale=1.0):
    os.makedirs(out_dir, exist_ok=True)
    creation = ["COMPRESS=DEFLATE", "TILED=YES", "PREDICTOR=3"]
    products = {}
    for processing in ("slope", "aspect", "hillshade"):
        out_path = os.path.join(out_dir, f"{processing}.tif")
        kwargs = dict(format="GTiff", creationOptions=creation, computeEdges=True)
        if processing == "slope":
            kwargs.update(slopeFormat="degree", scale=scale)
        elif processing == "aspect":
            kwargs.update(zeroForFlat=True)
        else:
            # hillshade is 8-bit, so no floating-point predictor
            kwargs.update(azimuth=315, altitude=45, zFactor=1.0, scale=scale)
            kwargs["creationOptions"] = ["COMPRESS=DEFLATE", "TILED=YES"]
        gdal.DEMProcessing(out_path, dem_path, processing, **kwargs)
        products[processing] = out_path
    return products


def summarize(path):
    ds = gdal.Open(path)
    band = ds.GetRasterBand(1)
    stats = band.ComputeStatistics(False)
    print(f"{os.path.basename(path):14s} min={stats[0]:8.2f} max={stats[1]:8.2f} "
          f"mean={stats[2]:8.2f} std={stats[3]:8.2f}")
    ds = None


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("dem")
    p.add_argument("out_dir")
    p.add_argument("--scale", type=float, default=1.0)
    a = p.parse_args()
    for path in derive(a.dem, a.out_dir, a.scale).values():
        summarize(path)
