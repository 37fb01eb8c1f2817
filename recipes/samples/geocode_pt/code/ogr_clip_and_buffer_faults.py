#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 geocorpus contributors
"""Buffer mapped fault traces and clip them to a study-area polygon with OGR.

Writes a GeoPackage layer 'fault_zones' whose features carry the original
fault name plus the buffer distance. Distances are applied in the layer's
CRS units, so reproject geographic data to a metric CRS first.
"""
import sys

from osgeo import ogr, osr

ogr.UseExceptions()


def buffer_and_clip(faults_path, aoi_path, out_path, distance_m=500.0):
    faults_ds = ogr.Open(faults_path)
    faults = faults_ds.GetLayer(0)
    aoi_ds = ogr.Open(aoi_path)
    aoi_layer = aoi_ds.GetLayer(0)

    # Union all AOI polygons into a single clip geometry.
    clip_geom = ogr.Geometry(ogr.wkbMultiPolygon)
    for feat in aoi_layer:
        clip_geom = clip_geom.Union(feat.GetGeometryRef())

    srs = faults.GetSpatialRef()
    aoi_srs = aoi_layer.GetSpatialRef()
    if srs is not None and aoi_srs is not None and not srs.IsSame(aoi_srs):
        aoi_srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
        srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
        clip_geom.Transform(osr.CoordinateTransformation(aoi_srs, srs))

    driver = ogr.GetDriverByName("GPKG")
    out_ds = driver.CreateDataSource(out_path)
    out_layer = out_ds.CreateLayer("fault_zones", srs, ogr.wkbMultiPolygon)
    out_layer.CreateField(ogr.FieldDefn("name", ogr.OFTString))
    dist_field = ogr.FieldDefn("buffer_m", ogr.OFTReal)
    out_layer.CreateField(dist_field)

    name_idx = faults.GetLayerDefn().GetFieldIndex("name")
    out_layer.StartTransaction()
    n = 0
    for feat in faults:
        geom = feat.GetGeometryRef()
        if geom is None:
            continue
        zone = geom.Buffer(distance_m, 16).Intersection(clip_geom)
        if zone is None or zone.IsEmpty():
            continue
        out_feat = ogr.Feature(out_layer.GetLayerDefn())
        out_feat.SetField("name", feat.GetField(name_idx) if name_idx >= 0 else None)
        out_feat.SetField("buffer_m", distance_m)
        out_feat.SetGeometry(ogr.ForceToMultiPolygon(zone))
        out_layer.CreateFeature(out_feat)
        n += 1
    out_layer.CommitTransaction()
    out_ds = None
    return n


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit("usage: ogr_clip_and_buffer_faults.py faults.shp aoi.gpkg out.gpkg [distance]")
    dist = float(sys.argv[4]) if len(sys.argv) > 4 else 500.0
    print(buffer_and_clip(sys.argv[1], sys.argv[2], sys.argv[3], dist), "fault zones written")
