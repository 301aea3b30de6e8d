import type { Geometry, Position } from 'geojson'
import { badRequest } from '../../http/errors.js'
import { runSignedArea, viewOf, wkbRuns, wkbTypeName } from '../wkb-runs.js'
import { ringsToPolygon, signedArea } from './rings.js'

// The .shp/.shx geometry codec (ESRI Shapefile Technical Description, 1998). Our own rather than
// the `shapefile` package: that one reads record by record through promises (2.7 s of CPU for
// 100,000 polygons of 40 vertices against 1.0 s here, docs/data-io.md) and ignores the .shx, which
// we need to check the record count against the .dbf.

const FILE_CODE = 9994
const HEADER_BYTES = 100

/** Shape type numbers → the family they belong to; Z (11–18) and M (21–28) share the XY layout. */
const FAMILY: Record<number, 'point' | 'multipoint' | 'line' | 'polygon'> = {
  1: 'point',
  11: 'point',
  21: 'point',
  8: 'multipoint',
  18: 'multipoint',
  28: 'multipoint',
  3: 'line',
  13: 'line',
  23: 'line',
  5: 'polygon',
  15: 'polygon',
  25: 'polygon',
}

export interface ShpContent {
  shapeType: number
  geometries: (Geometry | null)[]
  /** The file's shapes carry Z or M values (dropped). */
  hasZOrM: boolean
}

/** Reads every record of a .shp through its .shx index. `file` names the .shp in messages. */
export function readShp(shp: Uint8Array, shx: Uint8Array, file: string): ShpContent {
  const shpView = viewOf(shp)
  const shxView = viewOf(shx)
  if (shp.length < HEADER_BYTES || shpView.getInt32(0) !== FILE_CODE) throw badRequest('io_shp_broken', { file, detail: 'not a .shp file' })
  if (shx.length < HEADER_BYTES || shxView.getInt32(0) !== FILE_CODE) throw badRequest('io_shp_broken', { file, detail: 'not a .shx file' })
  const shapeType = shpView.getInt32(32, true)
  const count = Math.floor((shx.length - HEADER_BYTES) / 8)
  const geometries: (Geometry | null)[] = new Array(count)
  for (let index = 0; index < count; index++) {
    const offset = shxView.getInt32(HEADER_BYTES + index * 8) * 2
    const length = shxView.getInt32(HEADER_BYTES + index * 8 + 4) * 2
    if (offset < HEADER_BYTES || offset + 8 + length > shp.length || length < 4) {
      throw badRequest('io_shp_broken', { file, detail: `record ${index + 1} lies outside the file (truncated?)` })
    }
    geometries[index] = readRecord(shpView, offset + 8, length, file, index)
  }
  return { shapeType, geometries, hasZOrM: shapeType > 10 && shapeType !== 31 }
}

function readRecord(view: DataView, start: number, length: number, file: string, index: number): Geometry | null {
  const type = view.getInt32(start, true)
  if (type === 0) return null
  const family = FAMILY[type]
  if (family === undefined)
    throw badRequest('io_shp_broken', { file, detail: `record ${index + 1} has shape type ${type} (multipatch is not supported)` })
  if (family === 'point') return { type: 'Point', coordinates: [view.getFloat64(start + 4, true), view.getFloat64(start + 12, true)] }
  const partCount = family === 'multipoint' ? 0 : view.getInt32(start + 36, true)
  const pointCount = view.getInt32(start + (family === 'multipoint' ? 36 : 40), true)
  const pointsAt = start + (family === 'multipoint' ? 40 : 44 + 4 * partCount)
  if (partCount < 0 || pointCount < 0 || pointsAt + 16 * pointCount > start + length) {
    throw badRequest('io_shp_broken', { file, detail: `record ${index + 1} is longer than its length` })
  }
  // Polygon rings are read backwards: outer rings (clockwise in the file) come out counter-clockwise
  // as RFC 7946 wants, holes clockwise, with no second copy.
  const backwards = family === 'polygon'
  const points = (from: number, to: number): Position[] => {
    const positions: Position[] = new Array(to - from)
    for (let point = from; point < to; point++) {
      const at = pointsAt + 16 * point
      positions[backwards ? to - 1 - point : point - from] = [view.getFloat64(at, true), view.getFloat64(at + 8, true)]
    }
    return positions
  }
  if (family === 'multipoint') return { type: 'MultiPoint', coordinates: points(0, pointCount) }
  const parts: Position[][] = []
  const clockwise: boolean[] = []
  for (let part = 0; part < partCount; part++) {
    const from = view.getInt32(start + 44 + 4 * part, true)
    const to = part + 1 < partCount ? view.getInt32(start + 48 + 4 * part, true) : pointCount
    if (from < 0 || to > pointCount || from > to)
      throw badRequest('io_shp_broken', { file, detail: `record ${index + 1} has a bad part index` })
    // A ring of fewer than 4 positions encloses nothing (a broken writer's leftover): skipped.
    if (backwards && to - from < 4) continue
    parts.push(points(from, to))
    if (backwards) clockwise.push(signedArea(parts.at(-1) as Position[]) > 0)
  }
  if (family === 'line')
    return parts.length === 1
      ? { type: 'LineString', coordinates: parts[0] as Position[] }
      : { type: 'MultiLineString', coordinates: parts }
  return parts.length === 0 ? null : ringsToPolygon(parts, clockwise)
}

export type ShapeFamily = 'point' | 'line' | 'polygon'

/** The shapefile family a geometry type is written in (a shapefile holds one); null for none we write. */
export function familyOf(type: Geometry['type'] | null): ShapeFamily | null {
  switch (type) {
    case 'Point':
    case 'MultiPoint':
      return 'point'
    case 'LineString':
    case 'MultiLineString':
      return 'line'
    case 'Polygon':
    case 'MultiPolygon':
      return 'polygon'
    default:
      return null
  }
}

/** A shape to write: GeoJSON, or little-endian 2D WKB (server/io/wkb-runs.ts), or none. */
export type ShapeSource = Geometry | Uint8Array | null

const typeOfSource = (shape: ShapeSource) => (shape === null ? null : shape instanceof Uint8Array ? wkbTypeName(shape) : shape.type)

/**
 * A part of a record as written: its `count` positions — GeoJSON `points`, or the doubles of a WKB
 * `view` from `offset` — read backwards when `reversed` (polygon rings: outer rings clockwise,
 * holes counter-clockwise) and closed by repeating the first position when `close`. Views, not
 * copies: a county's 4 million positions are written without copying them.
 */
interface Part {
  points: Position[] | null
  view: DataView | null
  offset: number
  count: number
  reversed: boolean
  close: boolean
}

const partLength = (part: Part) => part.count + (part.close ? 1 : 0)

function partsOf(geometry: Geometry): Part[] {
  const plain = (points: Position[]): Part => ({ points, view: null, offset: 0, count: points.length, reversed: false, close: false })
  switch (geometry.type) {
    case 'Point':
      return [plain([geometry.coordinates])]
    case 'MultiPoint':
    case 'LineString':
      return [plain(geometry.coordinates)]
    case 'MultiLineString':
      return geometry.coordinates.map(plain)
    case 'Polygon':
    case 'MultiPolygon': {
      const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates
      return polygons.flatMap((rings) => rings.filter((ring) => ring.length > 0).map((ring, i) => orientedRing(ring, i === 0)))
    }
    default:
      return []
  }
}

function orientedRing(points: Position[], outer: boolean): Part {
  const first = points[0] as Position
  const last = points.at(-1) as Position
  const clockwise = signedArea(points) < 0
  const close = first[0] !== last[0] || first[1] !== last[1]
  return { points, view: null, offset: 0, count: points.length, reversed: clockwise !== outer, close }
}

/** The parts of a WKB: its runs of positions, polygon rings oriented as in orientedRing. */
function wkbPartsOf(wkb: Uint8Array): Part[] {
  const view = viewOf(wkb)
  const polygonal = familyOf(wkbTypeName(wkb)) === 'polygon'
  return wkbRuns(wkb)
    .filter((run) => !polygonal || run.count > 0)
    .map((run) => {
      const part = { points: null, view, offset: run.offset, count: run.count, reversed: false, close: false }
      if (!polygonal) return part
      const last = run.offset + 16 * (run.count - 1)
      const open =
        view.getFloat64(run.offset, true) !== view.getFloat64(last, true) ||
        view.getFloat64(run.offset + 8, true) !== view.getFloat64(last + 8, true)
      return { ...part, reversed: runSignedArea(view, run) < 0 !== run.outer, close: open }
    })
}

const SHAPE_TYPE: Record<ShapeFamily, number> = { point: 1, line: 3, polygon: 5 }

/** Writes one family's shapes (null → a null shape) as .shp and .shx; MultiPoints make a type 8 file. */
export function writeShp(family: ShapeFamily, shapes: readonly ShapeSource[]): { shp: Uint8Array; shx: Uint8Array } {
  const multipoint = family === 'point' && shapes.some((shape) => typeOfSource(shape) === 'MultiPoint')
  const shapeType = multipoint ? 8 : SHAPE_TYPE[family]
  const records = shapes.map((shape) =>
    shape === null || familyOf(typeOfSource(shape)) !== family ? null : shape instanceof Uint8Array ? wkbPartsOf(shape) : partsOf(shape),
  )
  const contentBytes = records.map((parts) => {
    if (parts === null) return 4
    const points = parts.reduce((sum, part) => sum + partLength(part), 0)
    if (shapeType === 1) return 20
    return shapeType === 8 ? 40 + 16 * points : 44 + 4 * parts.length + 16 * points
  })
  const shpLength = HEADER_BYTES + contentBytes.reduce((sum, bytes) => sum + 8 + bytes, 0)
  const shp = new Uint8Array(shpLength)
  const shx = new Uint8Array(HEADER_BYTES + 8 * records.length)
  const view = viewOf(shp)
  const indexView = viewOf(shx)
  const fileBox = emptyBox()
  let offset = HEADER_BYTES
  for (const [i, parts] of records.entries()) {
    const bytes = contentBytes[i] as number
    view.setInt32(offset, i + 1)
    view.setInt32(offset + 4, bytes / 2)
    indexView.setInt32(HEADER_BYTES + 8 * i, offset / 2)
    indexView.setInt32(HEADER_BYTES + 8 * i + 4, bytes / 2)
    writeRecord(view, offset + 8, parts === null ? 0 : shapeType, parts ?? [], fileBox)
    offset += 8 + bytes
  }
  writeHeader(viewOf(shp), shpLength, shapeType, fileBox)
  writeHeader(indexView, shx.length, shapeType, fileBox)
  return { shp, shx }
}

type Box = [number, number, number, number]
const emptyBox = (): Box => [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY]

function writeRecord(view: DataView, start: number, shapeType: number, parts: Part[], fileBox: Box) {
  view.setInt32(start, shapeType, true)
  if (shapeType === 0) return
  let at = shapeType === 1 ? start + 4 : shapeType === 8 ? start + 40 : start + 44 + 4 * parts.length
  let written = 0
  const box = emptyBox()
  for (const [index, part] of parts.entries()) {
    if (shapeType !== 1 && shapeType !== 8) view.setInt32(start + 44 + 4 * index, written, true)
    const length = partLength(part)
    const { count, reversed, points, view: source } = part
    for (let i = 0; i < length; i++) {
      // The i-th position written: the first again when closing, else counted from the end when reversed.
      const from = i === count ? (reversed ? count - 1 : 0) : reversed ? count - 1 - i : i
      let x: number
      let y: number
      if (source !== null) {
        x = source.getFloat64(part.offset + 16 * from, true)
        y = source.getFloat64(part.offset + 16 * from + 8, true)
      } else {
        const point = (points as Position[])[from] as Position
        x = point[0] as number
        y = point[1] as number
      }
      if (x < box[0]) box[0] = x
      if (y < box[1]) box[1] = y
      if (x > box[2]) box[2] = x
      if (y > box[3]) box[3] = y
      view.setFloat64(at, x, true)
      view.setFloat64(at + 8, y, true)
      at += 16
    }
    written += length
  }
  for (let i = 0; i < 4; i++)
    fileBox[i] = i < 2 ? Math.min(fileBox[i] as number, box[i] as number) : Math.max(fileBox[i] as number, box[i] as number)
  if (shapeType === 1) return
  for (const [i, value] of box.entries()) view.setFloat64(start + 4 + 8 * i, value, true)
  if (shapeType === 8) view.setInt32(start + 36, written, true)
  else {
    view.setInt32(start + 36, parts.length, true)
    view.setInt32(start + 40, written, true)
  }
}

function writeHeader(view: DataView, length: number, shapeType: number, box: Box) {
  view.setInt32(0, FILE_CODE)
  view.setInt32(24, length / 2)
  view.setInt32(28, 1000, true)
  view.setInt32(32, shapeType, true)
  const written = Number.isFinite(box[0]) ? box : [0, 0, 0, 0]
  for (const [i, value] of written.entries()) view.setFloat64(36 + 8 * i, value, true)
}
