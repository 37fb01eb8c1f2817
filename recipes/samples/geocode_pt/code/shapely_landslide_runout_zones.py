#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 geocorpus contributors
"""Build simple landslide runout hazard zones with shapely.

Each source area (polygon) gets a runout zone: the source buffered by a
distance derived from an empirical travel-angle rule (runout length L is
approximately H / tan(alpha), with H the fall height). Zones are then
intersected with building footprints to count exposed structures.
All coordinates are in a projected CRS with metre units.
"""
import math

from shapely import STRtree, unary_union
from shapely.geometry import Point, Polygon
from shapely.validation import make_valid


def runout_length(fall_height_m, travel_angle_deg=11.0):
    """Horizontal runout for a given fall height and travel (Fahrboeschung) angle."""
    return fall_height_m / math.tan(math.radians(travel_angle_deg))


def runout_zone(source, fall_height_m, downslope_azimuth_deg, angle=11.0):
    length = runout_length(fall_height_m, angle)
    az = math.radians(downslope_azimuth_deg)
    dx, dy = math.sin(az) * length, math.cos(az) * length
    c = source.centroid
    tip = Point(c.x + dx, c.y + dy)
    # convex hull of the source and a buffered runout tip approximates a fan
    fan = unary_union([source, tip.buffer(length * 0.25)]).convex_hull
    return make_valid(fan)


def main():
    sources = [
        (Polygon([(0, 0), (60, 0), (60, 40), (0, 40)]), 120.0, 135.0),
        (Polygon([(300, 50), (340, 50), (345, 95), (295, 90)]), 80.0, 180.0),
    ]
    buildings = [Point(x, y).buffer(6, cap_style="square")
                 for x, y in [(250, -300), (420, -200), (330, -250), (600, 100), (80, -120)]]
    zones = [runout_zone(src, h, az) for src, h, az in sources]
    hazard = unary_union(zones)
    tree = STRtree(buildings)
    hits = tree.query(hazard, predicate="intersects")
    print(f"hazard area: {hazard.area / 1e4:.1f} ha")
    print(f"exposed buildings: {len(hits)} of {len(buildings)} -> indices {sorted(hits.tolist())}")
    for i, (src, h, _) in enumerate(sources):
        print(f"source {i}: H={h:.0f} m, runout L={runout_length(h):.0f} m")


if __name__ == "__main__":
    main()
