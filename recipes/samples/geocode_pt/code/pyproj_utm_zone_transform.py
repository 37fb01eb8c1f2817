#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 geocorpus contributors
"""Pick the UTM zone for a point and transform coordinates with pyproj.

Demonstrates always_xy axis order, CRS lookup by area of interest, and the
geodesic vs. projected (grid) distance difference.
"""
from pyproj import CRS, Geod, Proj, Transformer
from pyproj.aoi import AreaOfInterest
from pyproj.database import query_utm_crs_info


def utm_crs_for(lon, lat, datum="WGS 84"):
    infos = query_utm_crs_info(
        datum_name=datum,
        area_of_interest=AreaOfInterest(lon, lat, lon, lat),
    )
    return CRS.from_epsg(infos[0].code)


def main():
    # Two GNSS stations (lon, lat) about 40 km apart, in Iceland.
    a = (-21.94, 64.15)
    b = (-21.20, 64.00)
    utm = utm_crs_for(*a)
    print("Selected CRS:", utm.name, utm.to_epsg())

    fwd = Transformer.from_crs("EPSG:4326", utm, always_xy=True)
    inv = Transformer.from_crs(utm, "EPSG:4326", always_xy=True)
    xa, ya = fwd.transform(*a)
    xb, yb = fwd.transform(*b)
    print(f"A: E={xa:.2f} N={ya:.2f}\nB: E={xb:.2f} N={yb:.2f}")

    grid = ((xb - xa) ** 2 + (yb - ya) ** 2) ** 0.5
    _, _, geodesic = Geod(ellps="WGS84").inv(a[0], a[1], b[0], b[1])
    print(f"grid distance {grid:.1f} m, geodesic {geodesic:.1f} m, "
          f"ratio {grid / geodesic:.6f}")

    lon, lat = inv.transform(xa, ya)
    assert abs(lon - a[0]) < 1e-9 and abs(lat - a[1]) < 1e-9

    zone = utm.utm_zone  # e.g. "27N"
    central_meridian = -183 + 6 * int(zone[:-1])
    factors = Proj(utm).get_factors(*a)
    print(f"zone {zone}, central meridian {central_meridian} deg, "
          f"point scale factor at A {factors.meridional_scale:.6f}")


if __name__ == "__main__":
    main()
