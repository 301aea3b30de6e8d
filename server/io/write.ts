import { crsByCode } from './crs.js'
import { FORMATS } from './formats/index.js'
import { mapGeometry } from './read.js'
import type { FormatName, OutputFile, OutputLayer, WriteOptions } from './types.js'

// Writes a layer of CGCS2000 lon/lat features in a format and CRS.

export async function writeDataset(format: FormatName, layer: OutputLayer, options: WriteOptions): Promise<OutputFile> {
  const crs = crsByCode(`EPSG:${options.crs}`)
  const features = layer.features.map((feature) => ({ ...feature, geometry: mapGeometry(feature.geometry, crs.fromLonLat) }))
  return FORMATS[format].write({ ...layer, features }, options)
}
