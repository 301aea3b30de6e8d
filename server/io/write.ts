import { badRequest } from '../http/errors.js'
import { crsByCode } from './crs.js'
import { gaussKrugerZone } from './crs-defs.js'
import { FORMATS } from './formats/index.js'
import { mapGeometry } from './read.js'
import { projectWkb, wkbFeature } from './wkb-runs.js'
import type { FormatName, OutputFile, OutputLayer, WriteOptions } from './types.js'

// Writes a layer of CGCS2000 lon/lat features in a format and CRS.

/** Export targets: CGCS2000 lon/lat and its Gauss-Krüger zones (what county GIS works in). */
export const isExportCrs = (epsg: number) => epsg === 4490 || gaussKrugerZone(epsg) !== null

export async function writeDataset(format: FormatName, layer: OutputLayer, options: WriteOptions): Promise<OutputFile> {
  if (!isExportCrs(options.crs)) throw badRequest('io_crs_unknown', { crs: `EPSG:${options.crs}` })
  const crs = crsByCode(`EPSG:${options.crs}`)
  const features =
    options.crs === 4490
      ? layer.features
      : layer.features.map((feature) =>
          feature.wkb
            ? wkbFeature(projectWkb(feature.wkb, crs.fromLonLat), feature.properties)
            : { ...feature, geometry: mapGeometry(feature.geometry, crs.fromLonLat) },
        )
  return FORMATS[format].write({ ...layer, features }, options)
}
