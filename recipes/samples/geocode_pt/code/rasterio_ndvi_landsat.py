#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 geocorpus contributors
"""Compute NDVI from Landsat 8/9 Collection 2 Level-2 surface reflectance.

Band 4 is red and band 5 is near infrared. Collection 2 Level-2 surface
reflectance is stored as scaled integers: reflectance = DN * 0.0000275 - 0.2.
QA_PIXEL bits 1-4 flag dilated cloud, cirrus, cloud and cloud shadow.
"""
import argparse

import numpy as np
import rasterio

SCALE, OFFSET = 0.0000275, -0.2
# dilated cloud (1), cirrus (2), cloud (3), cloud shadow (4)
CLOUD_BITS = (1 << 1) | (1 << 2) | (1 << 3) | (1 << 4)


def read_reflectance(path):
    with rasterio.open(path) as src:
        dn = src.read(1).astype("float32")
        nodata = dn == 0
        profile = src.profile
    refl = dn * SCALE + OFFSET
    refl[nodata] = np.nan
    return refl, profile


def main(red_path, nir_path, qa_path, out_path):
    red, profile = read_reflectance(red_path)
    nir, _ = read_reflectance(nir_path)
    with rasterio.open(qa_path) as qa_src:
        qa = qa_src.read(1)
    cloudy = (qa & CLOUD_BITS) != 0

    with np.errstate(divide="ignore", invalid="ignore"):
        ndvi = (nir - red) / (nir + red)
    ndvi[cloudy] = np.nan
    ndvi = np.clip(ndvi, -1.0, 1.0)

    profile.update(dtype="float32", count=1, nodata=np.nan, compress="deflate",
                   predictor=3, tiled=True, blockxsize=512, blockysize=512)
    with rasterio.open(out_path, "w", **profile) as dst:
        dst.write(ndvi.astype("float32"), 1)
        dst.set_band_description(1, "NDVI")

    valid = np.isfinite(ndvi)
    print(f"valid pixels: {valid.mean():.1%}; mean NDVI {np.nanmean(ndvi):.3f}")
    for lo, hi, label in [(-1, 0, "water/bare"), (0, 0.2, "sparse"),
                          (0.2, 0.5, "moderate"), (0.5, 1.01, "dense")]:
        share = ((ndvi >= lo) & (ndvi < hi)).sum() / max(valid.sum(), 1)
        print(f"  {label:10s} {share:6.1%}")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description="Landsat C2L2 NDVI")
    p.add_argument("red"); p.add_argument("nir"); p.add_argument("qa"); p.add_argument("out")
    a = p.parse_args()
    main(a.red, a.nir, a.qa, a.out)
