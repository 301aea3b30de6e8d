import type { GridIndexBuilder } from './grid-index-builder.js'

// Reads grid geometries as PostGIS sends them (ST_AsBinary / EWKB) straight into the index
// builder's flat arrays, without GeoJSON objects in between.

/**
 * Adds the rings of a WKB Polygon or MultiPolygon (ISO WKB or EWKB, 2D; Z/M ordinates skipped)
 * as parts of the last added grid.
 */
export function addWkb(builder: GridIndexBuilder, wkb: Uint8Array): void {
  const view = new DataView(wkb.buffer, wkb.byteOffset, wkb.byteLength)
  let offset = 0
  let scratch = new Float64Array(256)
  const readGeometry = (): void => {
    const little = view.getUint8(offset) === 1
    offset += 1
    const rawType = view.getUint32(offset, little)
    offset += 4
    // EWKB flags in the high bits; ISO WKB adds 1000/2000/3000 for Z/M/ZM.
    const hasZ = (rawType & 0x80000000) !== 0 || (rawType % 10000 >= 1000 && rawType % 10000 < 2000) || rawType % 10000 >= 3000
    const hasM = (rawType & 0x40000000) !== 0 || (rawType % 10000 >= 2000 && rawType % 10000 < 4000)
    if ((rawType & 0x20000000) !== 0) offset += 4 // SRID
    const type = (rawType & 0x0fffffff) % 1000
    const dims = 2 + (hasZ ? 1 : 0) + (hasM ? 1 : 0)
    if (type === 3) {
      builder.beginPart()
      const rings = view.getUint32(offset, little)
      offset += 4
      for (let r = 0; r < rings; r++) {
        const points = view.getUint32(offset, little)
        offset += 4
        if (scratch.length < points * 2) scratch = new Float64Array(points * 2)
        for (let p = 0; p < points; p++) {
          scratch[p * 2] = view.getFloat64(offset, little)
          scratch[p * 2 + 1] = view.getFloat64(offset + 8, little)
          offset += 8 * dims
        }
        builder.addRing(scratch, 0, points * 2)
      }
    } else if (type === 6 || type === 7) {
      const count = view.getUint32(offset, little)
      offset += 4
      for (let g = 0; g < count; g++) readGeometry()
    } else {
      throw new Error(`unsupported WKB geometry type ${type} in a grid geometry`)
    }
  }
  readGeometry()
}
