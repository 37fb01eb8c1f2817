# SPDX-License-Identifier: MIT
# Copyright (c) 2026 geocorpus contributors
#
# Terrain-based soil wetness: compute the topographic wetness index (TWI)
# from a DEM with terra and summarise it for soil sampling sites with sf.
# TWI = ln(a / tan(beta)), with a the specific catchment area (m2 per m of
# contour width) and beta the local slope.

library(sf)
library(terra)

dem <- rast("dem_utm.tif")               # projected DEM, metres
sites <- st_read("soil_sites.gpkg", quiet = TRUE)
sites <- st_transform(sites, crs(dem))

# Fill small sinks crudely by a 3x3 focal max where a cell is a local pit.
pit <- dem < focal(dem, w = 3, fun = "min", na.policy = "omit", na.rm = TRUE)
dem_f <- ifel(pit, focal(dem, w = 3, fun = "mean", na.rm = TRUE), dem)

slope_rad <- terrain(dem_f, v = "slope", unit = "radians")
flowdir <- terrain(dem_f, v = "flowdir")
acc <- flowAccumulation(flowdir)          # number of upstream cells
cell <- res(dem_f)[1]
sca <- (acc + 1) * cell                  # specific catchment area
twi <- log(sca / tan(max(slope_rad, 0.001)))
names(twi) <- "twi"

writeRaster(twi, "twi.tif", overwrite = TRUE,
            gdal = c("COMPRESS=DEFLATE", "PREDICTOR=3"))

# Extract TWI and slope at sites (mean in a 30 m buffer).
buf <- st_buffer(sites, dist = 30)
vals <- extract(c(twi, slope_rad * 180 / pi), vect(buf), fun = mean, na.rm = TRUE)
sites$twi <- vals$twi
sites$slope_deg <- vals$slope

# Does measured volumetric water content follow terrain wetness?
if ("vwc" %in% names(sites)) {
  fit <- lm(vwc ~ twi + slope_deg, data = st_drop_geometry(sites))
  print(summary(fit))
}

classes <- cut(sites$twi, breaks = c(-Inf, 6, 9, 12, Inf),
               labels = c("dry ridge", "mid-slope", "footslope", "wet hollow"))
print(table(classes))
st_write(sites, "soil_sites_twi.gpkg", delete_dsn = TRUE, quiet = TRUE)
