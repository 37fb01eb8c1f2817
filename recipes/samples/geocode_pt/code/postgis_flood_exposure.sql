-- SPDX-License-Identifier: MIT
-- Copyright (c) 2026 geocorpus contributors
--
-- PostGIS: estimate population and building exposure to a 1%-annual-chance
-- (100-year) flood zone, by municipality.
-- Tables (all in EPSG:25832, ETRS89 / UTM zone 32N):
--   flood_zones(id, return_period int, depth_class text, geom MultiPolygon)
--   buildings(id, use text, floors int, geom Polygon)
--   municipalities(code text, name text, population int, geom MultiPolygon)

CREATE EXTENSION IF NOT EXISTS postgis;

CREATE INDEX IF NOT EXISTS flood_zones_gix ON flood_zones USING GIST (geom);
CREATE INDEX IF NOT EXISTS buildings_gix ON buildings USING GIST (geom);
CREATE INDEX IF NOT EXISTS municipalities_gix ON municipalities USING GIST (geom);

-- Dissolve the 100-year zone once, then fix any invalid rings.
DROP TABLE IF EXISTS hq100;
CREATE TABLE hq100 AS
SELECT ST_MakeValid(ST_Union(geom))::geometry(MultiPolygon, 25832) AS geom
FROM flood_zones
WHERE return_period = 100;
CREATE INDEX hq100_gix ON hq100 USING GIST (geom);

-- Buildings whose footprint overlaps the zone by at least 10 %.
DROP TABLE IF EXISTS exposed_buildings;
CREATE TABLE exposed_buildings AS
SELECT b.id,
       b.use,
       b.floors,
       ST_Area(ST_Intersection(b.geom, z.geom)) / NULLIF(ST_Area(b.geom), 0) AS share_flooded,
       b.geom
FROM buildings b
JOIN hq100 z ON ST_Intersects(b.geom, z.geom)
WHERE ST_Area(ST_Intersection(b.geom, z.geom)) >= 0.1 * ST_Area(b.geom);

-- Per-municipality summary; population exposure is approximated by
-- allocating population in proportion to residential floor area.
WITH res AS (
  SELECT m.code, m.name, m.population,
         SUM(ST_Area(b.geom) * GREATEST(b.floors, 1)) AS res_floor_area
  FROM municipalities m
  JOIN buildings b ON ST_Within(ST_PointOnSurface(b.geom), m.geom)
  WHERE b.use = 'residential'
  GROUP BY m.code, m.name, m.population
),
exp AS (
  SELECT m.code,
         COUNT(*) AS n_exposed,
         SUM(CASE WHEN e.use = 'residential'
                  THEN ST_Area(e.geom) * GREATEST(e.floors, 1) ELSE 0 END) AS exp_floor_area
  FROM municipalities m
  JOIN exposed_buildings e ON ST_Within(ST_PointOnSurface(e.geom), m.geom)
  GROUP BY m.code
)
SELECT r.code,
       r.name,
       COALESCE(x.n_exposed, 0) AS buildings_exposed,
       ROUND((r.population * COALESCE(x.exp_floor_area, 0) / NULLIF(r.res_floor_area, 0))::numeric, 0)
         AS est_population_exposed,
       ROUND((ST_Area(ST_Intersection(m.geom, z.geom)) / 1e6)::numeric, 2) AS flood_area_km2
FROM res r
JOIN municipalities m USING (code)
CROSS JOIN hq100 z
LEFT JOIN exp x USING (code)
ORDER BY est_population_exposed DESC NULLS LAST;
