#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 geocorpus contributors
"""Spatially join groundwater wells to aquifer polygons and summarise levels.

Input: a CSV of wells with columns well_id, lon, lat, date, depth_to_water_m
and a vector file of aquifer outlines with a column 'aquifer'.
Output: a per-aquifer table of well counts, median depth to water and the
linear trend (m/yr) of the annual median water level.
"""
import sys

import geopandas as gpd
import numpy as np
import pandas as pd


def load_wells(csv_path):
    df = pd.read_csv(csv_path, parse_dates=["date"])
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df.lon, df.lat), crs="EPSG:4326")


def trend_m_per_year(group):
    annual = group.groupby(group["date"].dt.year)["depth_to_water_m"].median()
    if len(annual) < 3:
        return np.nan
    slope, _ = np.polyfit(annual.index.values, annual.values, 1)
    return slope


def main(wells_csv, aquifers_path):
    wells = load_wells(wells_csv)
    aquifers = gpd.read_file(aquifers_path).to_crs(wells.crs)
    joined = gpd.sjoin(wells, aquifers[["aquifer", "geometry"]], how="inner", predicate="within")

    summary = joined.groupby("aquifer").agg(
        n_wells=("well_id", "nunique"),
        n_obs=("depth_to_water_m", "size"),
        median_dtw_m=("depth_to_water_m", "median"),
    )
    summary["trend_m_per_yr"] = joined.groupby("aquifer").apply(trend_m_per_year)

    # Area in km2 requires an equal-area CRS (here: World Mollweide).
    area = aquifers.to_crs("ESRI:54009").set_index("aquifer").area / 1e6
    summary["area_km2"] = area.reindex(summary.index)
    summary["wells_per_100km2"] = 100 * summary.n_wells / summary.area_km2
    print(summary.round(2).sort_values("trend_m_per_yr", ascending=False).to_string())
    return summary


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
