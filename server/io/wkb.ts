import type { Geometry, Position } from 'geojson'
import { WkbWriter } from '../geo/ewkb.js'

// Well-known binary (OGC 06-103r4 §8.2) to and from GeoJSON, 2D only: GeoPackage geometry blobs
// carry it after their header. Reads both byte orders, ISO Z/M type codes (1000/2000/3000 + type)
// and EWKB flags; Z and M are dropped and reported. Writes little-endian 2D WKB through the
// shared writer (server/geo/ewkb.ts).

const TYPE_NAMES = ['', 'Point', 'LineString', 'Polygon', 'MultiPoint', 'MultiLineString', 'MultiPolygon', 'GeometryCollection'] as const
const TYPE_CODES: Record<Geometry['type'], number> = {
  Point: 1,
  LineString: 2,
  Polygon: 3,
  MultiPoint: 4,
  MultiLineString: 5,
  MultiPolygon: 6,
  GeometryCollection: 7,
}
const EWKB_Z = 0x80000000
const EWKB_M = 0x40000000
const EWKB_SRID = 0x20000000

export interface WkbReadResult {
  geometry: Geometry
  /** The geometry had Z and/or M values, which were dropped. */
  droppedZm: boolean
}

/** Parses the WKB starting at `offset` of `bytes`. Throws on a truncated or unknown geometry. */
export function readWkb(bytes: Uint8Array, offset = 0): WkbReadResult {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let at = offset
  let droppedZm = false
  const read = (): Geometry => {
    const little = view.getUint8(at) === 1
    const raw = view.getUint32(at + 1, little)
    at += 5
    if (raw & EWKB_SRID) at += 4
    const isoDimension = Math.floor((raw & 0xffff) / 1000)
    const type = (raw & 0xffff) % 1000
    const hasZ = (raw & EWKB_Z) !== 0 || isoDimension === 1 || isoDimension === 3
    const hasM = (raw & EWKB_M) !== 0 || isoDimension === 2 || isoDimension === 3
    const stride = 2 + (hasZ ? 1 : 0) + (hasM ? 1 : 0)
    if (stride > 2) droppedZm = true
    const uint = () => {
      const value = view.getUint32(at, little)
      at += 4
      return value
    }
    const position = (): Position => {
      const result: Position = [view.getFloat64(at, little), view.getFloat64(at + 8, little)]
      at += stride * 8
      return result
    }
    const positions = () => Array.from({ length: uint() }, position)
    const rings = () => Array.from({ length: uint() }, positions)
    const parts = <T>(part: () => T) => Array.from({ length: uint() }, part)
    switch (TYPE_NAMES[type]) {
      case 'Point':
        return { type: 'Point', coordinates: position() }
      case 'LineString':
        return { type: 'LineString', coordinates: positions() }
      case 'Polygon':
        return { type: 'Polygon', coordinates: rings() }
      case 'MultiPoint':
        return { type: 'MultiPoint', coordinates: parts(() => (read() as { coordinates: Position }).coordinates) }
      case 'MultiLineString':
        return { type: 'MultiLineString', coordinates: parts(() => (read() as { coordinates: Position[] }).coordinates) }
      case 'MultiPolygon':
        return { type: 'MultiPolygon', coordinates: parts(() => (read() as { coordinates: Position[][] }).coordinates) }
      case 'GeometryCollection':
        return { type: 'GeometryCollection', geometries: parts(read) }
      default:
        throw new Error(`unsupported WKB geometry type ${raw}`)
    }
  }
  const geometry = read()
  return { geometry, droppedZm }
}

const ringsBytes = (rings: readonly Position[][]) => 4 + rings.reduce((sum, ring) => sum + 4 + ring.length * 16, 0)

function byteLength(geometry: Geometry): number {
  switch (geometry.type) {
    case 'Point':
      return 5 + 16
    case 'LineString':
      return 5 + 4 + geometry.coordinates.length * 16
    case 'Polygon':
      return 5 + ringsBytes(geometry.coordinates)
    case 'MultiPoint':
      return 9 + geometry.coordinates.length * 21
    case 'MultiLineString':
      return 9 + geometry.coordinates.reduce((sum, line) => sum + 9 + line.length * 16, 0)
    case 'MultiPolygon':
      return 9 + geometry.coordinates.reduce((sum, rings) => sum + 5 + ringsBytes(rings), 0)
    case 'GeometryCollection':
      return 9 + geometry.geometries.reduce((sum, inner) => sum + byteLength(inner), 0)
  }
}

/** The parts of a Multi* or collection, as geometries of their own (each has its own WKB header). */
function partsOf(geometry: Geometry): Geometry[] | null {
  switch (geometry.type) {
    case 'MultiPoint':
      return geometry.coordinates.map((coordinates) => ({ type: 'Point', coordinates }))
    case 'MultiLineString':
      return geometry.coordinates.map((coordinates) => ({ type: 'LineString', coordinates }))
    case 'MultiPolygon':
      return geometry.coordinates.map((coordinates) => ({ type: 'Polygon', coordinates }))
    case 'GeometryCollection':
      return geometry.geometries
    default:
      return null
  }
}

function put(out: WkbWriter, geometry: Geometry): void {
  out.header(TYPE_CODES[geometry.type], null)
  const parts = partsOf(geometry)
  if (parts) {
    out.count(parts.length)
    for (const part of parts) put(out, part)
  } else if (geometry.type === 'Point') out.position(geometry.coordinates)
  else if (geometry.type === 'LineString') out.positions(geometry.coordinates)
  else if (geometry.type === 'Polygon') {
    out.count(geometry.coordinates.length)
    for (const ring of geometry.coordinates) out.positions(ring)
  }
}

/** Little-endian 2D WKB of a GeoJSON geometry (z dropped), after `reserved` bytes left for a header. */
export function writeWkb(geometry: Geometry, reserved = 0): Uint8Array {
  const out = new WkbWriter(byteLength(geometry), reserved)
  put(out, geometry)
  return out.bytes()
}

export type Envelope = [minX: number, maxX: number, minY: number, maxY: number]

/** [minX, maxX, minY, maxY] of a geometry (GeoPackage envelope order); null when it has no positions. */
export function envelopeOf(geometry: Geometry): Envelope | null {
  const box: Envelope = [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]
  const positions = (list: readonly Position[]) => {
    for (const position of list) {
      const x = position[0] as number
      const y = position[1] as number
      if (x < box[0]) box[0] = x
      if (x > box[1]) box[1] = x
      if (y < box[2]) box[2] = y
      if (y > box[3]) box[3] = y
    }
  }
  const visit = (inner: Geometry): void => {
    if (inner.type === 'Point') positions([inner.coordinates])
    else if (inner.type === 'MultiPoint' || inner.type === 'LineString') positions(inner.coordinates)
    else if (inner.type === 'MultiLineString' || inner.type === 'Polygon') for (const list of inner.coordinates) positions(list)
    else if (inner.type === 'MultiPolygon') for (const rings of inner.coordinates) for (const list of rings) positions(list)
    else for (const part of inner.geometries) visit(part)
  }
  visit(geometry)
  return box[0] === Number.POSITIVE_INFINITY ? null : box
}

/** The smallest envelope holding both (either may be null). */
export const unionEnvelope = (a: Envelope | null, b: Envelope | null): Envelope | null =>
  a === null ? b : b === null ? a : [Math.min(a[0], b[0]), Math.max(a[1], b[1]), Math.min(a[2], b[2]), Math.max(a[3], b[3])]
