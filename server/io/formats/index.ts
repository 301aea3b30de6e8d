import type { FormatName, FormatReader, FormatWriter } from '../types.js'
import { readCsv, writeCsv } from './csv.js'
import { readFlatGeobuf, writeFlatGeobuf } from './flatgeobuf.js'
import { readGeoPackage, writeGeoPackage } from './geopackage.js'
import { readGeoJson, writeGeoJson } from './geojson.js'
import { readKml, writeKml } from './kml.js'
import { readShapefile, writeShapefile } from './shapefile.js'
import { readXlsx, writeXlsx } from './xlsx.js'

// Every format's reader and writer, by name; server/io/read.ts and write.ts dispatch through this.
export const FORMATS: Record<FormatName, { read: FormatReader; write: FormatWriter; extensions: readonly string[] }> = {
  geojson: { read: readGeoJson, write: writeGeoJson, extensions: ['.geojson', '.json'] },
  shp: { read: readShapefile, write: writeShapefile, extensions: ['.shp', '.dbf', '.shx', '.prj', '.cpg', '.qix', '.sbn', '.sbx'] },
  gpkg: { read: readGeoPackage, write: writeGeoPackage, extensions: ['.gpkg'] },
  kml: { read: readKml, write: writeKml, extensions: ['.kml', '.kmz'] },
  fgb: { read: readFlatGeobuf, write: writeFlatGeobuf, extensions: ['.fgb'] },
  csv: { read: readCsv, write: writeCsv, extensions: ['.csv', '.txt'] },
  xlsx: { read: readXlsx, write: writeXlsx, extensions: ['.xlsx'] },
}
