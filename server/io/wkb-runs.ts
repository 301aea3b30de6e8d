import type { Geometry } from 'geojson'
import type { IoFeature, PropertyValue } from './types.js'
import { type Envelope, readWkb } from './wkb.js'

// Export geometries kept as the little-endian 2D WKB PostGIS returns (ST_AsBinary(geom, 'NDR'))
// rather than GeoJSON: a county's 100,000 grids of 40 vertices are 4 million positions, each a
// JavaScript array to build and later collect. The shapefile and GeoPackage writers read the
// doubles straight from these bytes; the other writers get GeoJSON decoded on demand.

/** A run of XY positions in a WKB: its byte offset, its length and whether it is a polygon's outer ring. */
export interface WkbRun {
  offset: number
  count: number
  outer: boolean
}

const TYPE_NAMES = ['', 'Point', 'LineString', 'Polygon', 'MultiPoint', 'MultiLineString', 'MultiPolygon', 'GeometryCollection'] as const

export const viewOf = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)

/** The GeoJSON type name of a little-endian 2D WKB. */
export function wkbTypeName(wkb: Uint8Array): Geometry['type'] {
  const name = TYPE_NAMES[viewOf(wkb).getUint32(1, true)]
  if (!name) throw new Error(`unsupported WKB geometry type ${viewOf(wkb).getUint32(1, true)}`)
  return name
}

/**
 * Every run of positions in a little-endian 2D WKB, in order (a point is a run of one). A loop
 * over a stack of part counts rather than nested closures: it runs for every exported grid.
 */
export function wkbRuns(wkb: Uint8Array): WkbRun[] {
  const view = viewOf(wkb)
  const runs: WkbRun[] = []
  // Geometries still to read at each level of collections (a MultiPolygon: 1, then its polygon count).
  const pending = [1]
  let at = 0
  while (pending.length > 0) {
    const left = pending.length - 1
    if (pending[left] === 0) {
      pending.pop()
      continue
    }
    pending[left] = (pending[left] as number) - 1
    const type = view.getUint32(at + 1, true)
    if (view.getUint8(at) !== 1 || type < 1 || type > 7) throw new Error(`not a little-endian 2D WKB (type ${type})`)
    at += 5
    if (type === 1) {
      runs.push({ offset: at, count: 1, outer: false })
      at += 16
    } else if (type === 2 || type === 3) {
      const rings = type === 2 ? 1 : view.getUint32(at, true)
      if (type === 3) at += 4
      for (let ring = 0; ring < rings; ring++) {
        const count = view.getUint32(at, true)
        runs.push({ offset: at + 4, count, outer: type === 3 && ring === 0 })
        at += 4 + 16 * count
      }
    } else {
      pending.push(view.getUint32(at, true))
      at += 4
    }
  }
  return runs
}

/** Twice the signed area of a run read as a ring (positive: counter-clockwise). */
export function runSignedArea(view: DataView, run: WkbRun): number {
  let sum = 0
  const last = run.offset + 16 * (run.count - 1)
  let ax = view.getFloat64(last, true)
  let ay = view.getFloat64(last + 8, true)
  for (let at = run.offset; at <= last; at += 16) {
    const bx = view.getFloat64(at, true)
    const by = view.getFloat64(at + 8, true)
    sum += ax * by - bx * ay
    ax = bx
    ay = by
  }
  return sum
}

/** [minX, maxX, minY, maxY] of a WKB's positions (GeoPackage envelope order); null when it has none. */
export function wkbEnvelope(wkb: Uint8Array, runs = wkbRuns(wkb)): Envelope | null {
  const view = viewOf(wkb)
  const box: Envelope = [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]
  for (const run of runs)
    for (let at = run.offset, end = run.offset + 16 * run.count; at < end; at += 16) {
      const x = view.getFloat64(at, true)
      const y = view.getFloat64(at + 8, true)
      if (x < box[0]) box[0] = x
      if (x > box[1]) box[1] = x
      if (y < box[2]) box[2] = y
      if (y > box[3]) box[3] = y
    }
  return box[0] === Number.POSITIVE_INFINITY ? null : box
}

/** A copy of the WKB with every position mapped (a reprojection keeps the layout). */
export function projectWkb(wkb: Uint8Array, map: (position: readonly number[]) => readonly number[]): Uint8Array {
  const copy = new Uint8Array(wkb)
  const view = viewOf(copy)
  const position = [0, 0]
  for (const run of wkbRuns(copy))
    for (let at = run.offset, end = run.offset + 16 * run.count; at < end; at += 16) {
      position[0] = view.getFloat64(at, true)
      position[1] = view.getFloat64(at + 8, true)
      const mapped = map(position)
      view.setFloat64(at, mapped[0] as number, true)
      view.setFloat64(at + 8, mapped[1] as number, true)
    }
  return copy
}

/** A feature whose geometry is the WKB, decoded to GeoJSON only when a writer asks for it. */
export function wkbFeature(wkb: Uint8Array | null, properties: Record<string, PropertyValue>): IoFeature {
  if (wkb === null) return { geometry: null, properties }
  let decoded: Geometry | undefined
  return {
    wkb,
    properties,
    get geometry() {
      decoded ??= readWkb(wkb).geometry
      return decoded
    },
  }
}

/** The GeoJSON type of a feature's geometry, read from its WKB when it has one; null without geometry. */
export const geometryTypeOf = (feature: IoFeature): Geometry['type'] | null =>
  feature.wkb ? wkbTypeName(feature.wkb) : (feature.geometry?.type ?? null)
