#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 geocorpus contributors
"""Monthly precipitation anomalies and a standardized index with xarray.

Reads a gridded NetCDF of daily precipitation (variable 'pr', units mm/day,
dims time/lat/lon), aggregates to monthly totals, builds a 1991-2020
climatology and writes anomalies plus an area-weighted regional series.
"""
import sys

import numpy as np
import xarray as xr


def monthly_totals(ds):
    pr = ds["pr"]
    if pr.attrs.get("units") in ("kg m-2 s-1", "kg/m2/s"):
        pr = pr * 86400.0  # flux to mm/day
    return pr.resample(time="MS").sum(min_count=20).rename("pr_month")


def anomalies(monthly, base=("1991-01-01", "2020-12-31")):
    clim = monthly.sel(time=slice(*base)).groupby("time.month")
    mean = clim.mean("time")
    std = clim.std("time")
    anom = monthly.groupby("time.month") - mean
    z = (monthly.groupby("time.month") - mean).groupby("time.month") / std
    return anom.rename("pr_anom"), z.rename("pr_zscore")


def regional_mean(da, lat_name="lat"):
    weights = np.cos(np.deg2rad(da[lat_name]))
    weights.name = "weights"
    return da.weighted(weights).mean(dim=[lat_name, "lon"])


def main(path, out_path):
    ds = xr.open_dataset(path, chunks={"time": 365})
    monthly = monthly_totals(ds)
    anom, z = anomalies(monthly)
    out = xr.merge([monthly, anom, z])
    out["pr_zscore_regional"] = regional_mean(z)
    out.attrs.update(title="Monthly precipitation anomalies",
                     baseline="1991-2020", source=path)
    encoding = {v: {"zlib": True, "complevel": 4} for v in out.data_vars}
    out.to_netcdf(out_path, encoding=encoding)
    dry = (out["pr_zscore_regional"] < -1.5).sum().item()
    print(f"wrote {out_path}; {dry} months with regional z < -1.5")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "pr_anomalies.nc")
