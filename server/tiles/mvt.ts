import type { Geometry, Position } from 'geojson'
import { flatRingArea2 } from '../geo/ring-area.js'

// Mapbox Vector Tile 2.1 encoding of one layer whose geometries are already in tile coordinates
// (integers, y down). Written by hand, protobuf wire format included: vt-pbf reads every vertex
// through a Point object of its geometry wrapper, and pbf nests messages by writing them and then
// shifting their bytes a byte at a time to fit the length; a z12 tile of a 20,000-grid county
// (~60,000 vertices, 155 KB) took 52 ms through vt-pbf and ~6 ms through pbf, here ~4 ms
// (docs/bench.md: tiles.p95_ms must stay under 10 ms). Tiles are checked against
// @mapbox/vector-tile, GDAL's MVT driver and ST_AsMVT in server/tiles/tiles.test.ts. (ST_AsMVT does
// this in PostgreSQL, but gridwork's embedded PostGIS cannot run it: docs/engine-notes.md.)

export const TILE_EXTENT = 4096
export const TILE_BUFFER = 64
export const MVT = 'application/vnd.mapbox-vector-tile'

/** The properties a grid carries in a tile, by JSON type (TileJSON's fields and OGC API – Tiles' schema are written from this). */
export const GRID_TILE_FIELDS = { code: 'string', name: 'string', kind: 'string', region_code: 'string', households: 'integer' } as const

export type TileValue = string | number | boolean | null

export interface TileFeature {
  /** 3: polygons, each its rings (exterior first, then holes; any orientation; open: no closing point). 2: lines, one per part. */
  type: 2 | 3
  /** Flat x, y integer pairs per ring or line, grouped by polygon (a line is a part of one). */
  parts: Int32Array[][]
  properties: Record<string, TileValue>
}

const command = (id: number, count: number) => (count << 3) | id
const zigzag = (n: number) => (n << 1) ^ (n >> 31)

/** A growable byte buffer with the few protobuf writes a tile needs. */
class Bytes {
  buf = new Uint8Array(64 * 1024)
  pos = 0
  room(extra: number): void {
    if (this.pos + extra <= this.buf.length) return
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + extra))
    next.set(this.buf.subarray(0, this.pos))
    this.buf = next
  }
  /** A varint of a value in [0, 2^31). */
  varint(value: number): void {
    this.room(5)
    let v = value
    while (v > 0x7f) {
      this.buf[this.pos++] = (v & 0x7f) | 0x80
      v >>>= 7
    }
    this.buf[this.pos++] = v
  }
  bytes(source: Uint8Array, from: number, to: number): void {
    this.room(to - from)
    this.buf.set(source.subarray(from, to), this.pos)
    this.pos += to - from
  }
  /** A length-delimited field (wire type 2) holding `source[from, to)`. */
  field(tag: number, source: Uint8Array, from: number, to: number): void {
    this.varint((tag << 3) | 2)
    this.varint(to - from)
    this.bytes(source, from, to)
  }
  /** A string field, UTF-8 written in place (TextEncoder's per-call cost was a fifth of a tile's encoding). */
  string(tag: number, text: string): void {
    this.varint((tag << 3) | 2)
    const length = utf8Length(text)
    this.varint(length)
    this.room(length)
    const buf = this.buf
    let pos = this.pos
    for (let i = 0; i < text.length; i++) {
      let c = text.charCodeAt(i)
      if (c >= 0xd800 && c < 0xdc00 && i + 1 < text.length) c = 0x10000 + ((c - 0xd800) << 10) + (text.charCodeAt(++i) - 0xdc00)
      if (c < 0x80) buf[pos++] = c
      else if (c < 0x800) {
        buf[pos++] = 0xc0 | (c >> 6)
        buf[pos++] = 0x80 | (c & 0x3f)
      } else if (c < 0x10000) {
        buf[pos++] = 0xe0 | (c >> 12)
        buf[pos++] = 0x80 | ((c >> 6) & 0x3f)
        buf[pos++] = 0x80 | (c & 0x3f)
      } else {
        buf[pos++] = 0xf0 | (c >> 18)
        buf[pos++] = 0x80 | ((c >> 12) & 0x3f)
        buf[pos++] = 0x80 | ((c >> 6) & 0x3f)
        buf[pos++] = 0x80 | (c & 0x3f)
      }
    }
    this.pos = pos
  }
}

/** Bytes of `text` in UTF-8 (a lone surrogate counts as the 3 bytes of U+FFFD's size). */
function utf8Length(text: string): number {
  let length = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x80) length += 1
    else if (c < 0x800) length += 2
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < text.length) {
      length += 4
      i++
    } else length += 3
  }
  return length
}
const varintLength = (value: number) => (value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x200000 ? 3 : value < 0x10000000 ? 4 : 5)

// Scratch buffers reused from tile to tile (one tile at a time: JS is single-threaded).
const layerBody = new Bytes()
const geometry = new Bytes()
const tags = new Bytes()

/** The geometry commands: one cursor over all parts, as the specification wants. */
function writeGeometry(feature: TileFeature, out: Bytes): void {
  let x = 0
  let y = 0
  for (const part of feature.parts) {
    for (let r = 0; r < part.length; r++) {
      const ring = part[r] as Int32Array
      const points = ring.length >> 1
      // MVT wants exterior rings clockwise on screen and holes the other way: walk backwards when not.
      // (Positive twice-area in tile coordinates, y down, is clockwise on screen.)
      const reverse = feature.type === 3 && flatRingArea2(ring) > 0 !== (r === 0)
      out.room(points * 10 + 15)
      const buf = out.buf
      let pos = out.pos
      for (let k = 0; k < points; k++) {
        const i = (reverse ? points - 1 - k : k) * 2
        if (k === 0) pos = putVarint(buf, pos, command(1, 1))
        else if (k === 1) pos = putVarint(buf, pos, command(2, points - 1))
        const px = ring[i] as number
        const py = ring[i + 1] as number
        pos = putVarint(buf, pos, zigzag(px - x))
        pos = putVarint(buf, pos, zigzag(py - y))
        x = px
        y = py
      }
      if (feature.type === 3) pos = putVarint(buf, pos, command(7, 1))
      out.pos = pos
    }
  }
}

/** Writes a varint of a value in [0, 2^31) at `pos` (room made by the caller); the position after it. */
function putVarint(buf: Uint8Array, pos: number, value: number): number {
  let v = value
  while (v > 0x7f) {
    buf[pos++] = (v & 0x7f) | 0x80
    v >>>= 7
  }
  buf[pos] = v
  return pos + 1
}

/** A property value message: string (1), bool (7), a count below 2^31 as uint (5), any other number as double (3). */
function writeValue(value: Exclude<TileValue, null>, out: Bytes): void {
  if (typeof value === 'string') out.string(1, value)
  else if (typeof value === 'boolean') {
    out.varint((7 << 3) | 0)
    out.varint(value ? 1 : 0)
  } else if (Number.isInteger(value) && value >= 0 && value < 2 ** 31) {
    out.varint((5 << 3) | 0)
    out.varint(value)
  } else writeDouble(value, out)
}

function writeDouble(value: number, out: Bytes): void {
  const eight = new Uint8Array(8)
  new DataView(eight.buffer).setFloat64(0, value, true)
  out.varint((3 << 3) | 1)
  out.bytes(eight, 0, 8)
}

/** One tile with one layer; a property whose value is null is left out, as MVT has no null. */
export function encodeTile(layer: string, features: readonly TileFeature[]): Uint8Array {
  const keys = new Map<string, number>()
  const values = new Map<string, number>()
  const valueList: Exclude<TileValue, null>[] = []
  layerBody.pos = 0
  layerBody.varint((15 << 3) | 0)
  layerBody.varint(2)
  layerBody.string(1, layer)
  for (const feature of features) {
    if (feature.parts.length === 0) continue
    tags.pos = 0
    for (const key in feature.properties) {
      const value = feature.properties[key]
      if (value === null || value === undefined) continue
      let k = keys.get(key)
      if (k === undefined) {
        k = keys.size
        keys.set(key, k)
      }
      const valueKey = typeof value === 'string' ? value : `\u0000${typeof value}:${value}`
      let v = values.get(valueKey)
      if (v === undefined) {
        v = valueList.push(value) - 1
        values.set(valueKey, v)
      }
      tags.varint(k)
      tags.varint(v)
    }
    geometry.pos = 0
    writeGeometry(feature, geometry)
    // Feature: tags (2, packed), type (3), geometry (4, packed).
    const length = 1 + varintLength(tags.pos) + tags.pos + 2 + 1 + varintLength(geometry.pos) + geometry.pos
    layerBody.varint((2 << 3) | 2)
    layerBody.varint(length)
    layerBody.field(2, tags.buf, 0, tags.pos)
    layerBody.varint((3 << 3) | 0)
    layerBody.varint(feature.type)
    layerBody.field(4, geometry.buf, 0, geometry.pos)
  }
  for (const key of keys.keys()) layerBody.string(3, key)
  const value = new Bytes()
  for (const each of valueList) {
    value.pos = 0
    writeValue(each, value)
    layerBody.field(4, value.buf, 0, value.pos)
  }
  layerBody.varint((5 << 3) | 0)
  layerBody.varint(TILE_EXTENT)
  // The tile: one field 3 holding the layer.
  const tile = new Uint8Array(1 + varintLength(layerBody.pos) + layerBody.pos)
  const out = new Bytes()
  out.buf = tile
  out.field(3, layerBody.buf, 0, layerBody.pos)
  return tile
}

/**
 * A GeoJSON geometry already in tile coordinates (PostGIS's output: tileGeoJson) as a feature:
 * polygons with their rings opened, lines as they are; null for anything else (points).
 */
export function tileFeatureOf(geometry: Geometry, properties: Record<string, TileValue>): TileFeature | null {
  const ring = (positions: Position[]) => Int32Array.from(positions.slice(0, -1).flat())
  const line = (positions: Position[]) => Int32Array.from(positions.flat())
  switch (geometry.type) {
    case 'Polygon':
      return { type: 3, parts: [geometry.coordinates.map(ring)], properties }
    case 'MultiPolygon':
      return { type: 3, parts: geometry.coordinates.map((polygon) => polygon.map(ring)), properties }
    case 'LineString':
      return { type: 2, parts: [[line(geometry.coordinates)]], properties }
    case 'MultiLineString':
      return { type: 2, parts: geometry.coordinates.map((each) => [line(each)]), properties }
    default:
      return null
  }
}
