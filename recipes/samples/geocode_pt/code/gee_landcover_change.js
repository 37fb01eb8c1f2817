// SPDX-License-Identifier: MIT
// Copyright (c) 2026 geocorpus contributors
//
// Google Earth Engine (Code Editor) script: forest-loss and NDVI change in a
// region of interest using Sentinel-2 surface reflectance and the
// Hansen Global Forest Change dataset.

var roi = ee.Geometry.Rectangle([-62.5, -10.5, -61.5, -9.5]); // Rondonia, Brazil
Map.centerObject(roi, 9);

// Cloud mask using the Scene Classification Layer (SCL) of Sentinel-2 L2A.
function maskS2(img) {
  var scl = img.select('SCL');
  // 3 cloud shadow, 8 cloud medium prob., 9 cloud high prob., 10 cirrus
  var clear = scl.neq(3).and(scl.neq(8)).and(scl.neq(9)).and(scl.neq(10));
  return img.updateMask(clear).divide(10000)
            .copyProperties(img, ['system:time_start']);
}

function addNDVI(img) {
  return img.addBands(img.normalizedDifference(['B8', 'B4']).rename('NDVI'));
}

function dryseasonComposite(year) {
  return ee.ImageCollection('COPERNICUS/S2_SR_HARMONIZED')
    .filterBounds(roi)
    .filterDate(year + '-06-01', year + '-09-30')
    .filter(ee.Filter.lt('CLOUDY_PIXEL_PERCENTAGE', 40))
    .map(maskS2)
    .map(addNDVI)
    .median()
    .clip(roi);
}

var before = dryseasonComposite(2019);
var after = dryseasonComposite(2024);
var dNDVI = after.select('NDVI').subtract(before.select('NDVI')).rename('dNDVI');

var gfc = ee.Image('UMD/hansen/global_forest_change_2024_v1_12');
var loss = gfc.select('lossyear').gte(19).and(gfc.select('lossyear').lte(24))
              .selfMask().clip(roi);

Map.addLayer(before, {bands: ['B4', 'B3', 'B2'], min: 0, max: 0.15}, 'S2 2019');
Map.addLayer(after, {bands: ['B4', 'B3', 'B2'], min: 0, max: 0.15}, 'S2 2024');
Map.addLayer(dNDVI, {min: -0.5, max: 0.5, palette: ['d7191c', 'ffffbf', '1a9641']}, 'dNDVI');
Map.addLayer(loss, {palette: ['ff00ff']}, 'Hansen loss 2019-2024');

// Area of forest loss in km2.
var lossArea = loss.multiply(ee.Image.pixelArea()).divide(1e6).reduceRegion({
  reducer: ee.Reducer.sum(),
  geometry: roi,
  scale: 30,
  maxPixels: 1e10
});
print('Forest loss 2019-2024 (km2):', lossArea.get('lossyear'));

// Mean NDVI change inside vs outside mapped loss pixels.
var stats = dNDVI.addBands(loss.unmask(0).rename('loss')).reduceRegion({
  reducer: ee.Reducer.mean().group({groupField: 1, groupName: 'loss'}),
  geometry: roi,
  scale: 30,
  maxPixels: 1e10
});
print('Mean dNDVI by loss flag:', stats);

Export.image.toDrive({
  image: dNDVI.toFloat(),
  description: 'dNDVI_2019_2024',
  region: roi,
  scale: 20,
  crs: 'EPSG:32720',
  maxPixels: 1e10
});
