// Geometry handed to PostGIS as hex EWKB text (`${hex}::geometry`) instead of GeoJSON: on
// PGlite, ST_GeomFromGeoJSON spends ~3 µs per vertex parsing decimal text in WASM (a 100,000-
// vertex polygon: 285–470 ms) where hex EWKB takes ~0.3 µs (21–31 ms); on PostgreSQL 111–185 ms
// against 9–16 ms. The doubles are the same ones JSON.parse gave us, so nothing is rounded.
// Written by hand: the format is a few fixed-size fields (OGC 06-103r4 §8.2, PostGIS's SRID
// flag), and no maintained JS package writes EWKB without pulling in a geometry library.

import type { MultiPolygon, Polygon, Position as GeoJsonPosition } from 'geojson'

type Position = readonly number[]
type Ring = readonly Position[]

const LITTLE_ENDIAN = 1
const SRID_FLAG = 0x20000000
const LINESTRING = 2
const POLYGON = 3
const MULTILINESTRING = 5
const MULTIPOLYGON = 6
export const SRID = 4490

/** Fixed-size little-endian WKB/EWKB output; server/io/wkb.ts writes plain WKB through it too. */
export class WkbWriter {
  private readonly buffer: Buffer
  // DataView writes doubles several times faster than Buffer.writeDoubleLE.
  private readonly view: DataView
  private at: number

  /** `reserved` bytes at the start are left for the caller (a GeoPackage blob header). */
  constructor(bytes: number, reserved = 0) {
    this.buffer = Buffer.allocUnsafe(reserved + bytes)
    this.view = new DataView(this.buffer.buffer, this.buffer.byteOffset, this.buffer.byteLength)
    this.at = reserved
  }

  header(type: number, srid: number | null): void {
    this.view.setUint8(this.at, LITTLE_ENDIAN)
    this.view.setUint32(this.at + 1, srid === null ? type : type | SRID_FLAG, true)
    this.at += 5
    if (srid !== null) this.count(srid)
  }

  count(value: number): void {
    this.view.setUint32(this.at, value, true)
    this.at += 4
  }

  position(position: Position): void {
    this.view.setFloat64(this.at, position[0] as number, true)
    this.view.setFloat64(this.at + 8, position[1] as number, true)
    this.at += 16
  }

  positions(ring: Ring): void {
    this.count(ring.length)
    for (const position of ring) this.position(position)
  }

  hex(): string {
    return this.buffer.toString('hex', 0, this.at)
  }

  /** Everything written, reserved bytes included. */
  bytes(): Uint8Array {
    return this.buffer.subarray(0, this.at)
  }
}

const ringsBytes = (rings: readonly Ring[]) => rings.reduce((sum, ring) => sum + 4 + ring.length * 16, 0)

/** Polygons (rings of [x, y]; z ignored) as a Polygon, or a MultiPolygon when there are several. */
export function polygonsToEwkb(polygons: readonly (readonly Ring[])[], srid = SRID): string {
  if (polygons.length === 1) {
    const rings = polygons[0] as readonly Ring[]
    const out = new WkbWriter(13 + ringsBytes(rings))
    out.header(POLYGON, srid)
    out.count(rings.length)
    for (const ring of rings) out.positions(ring)
    return out.hex()
  }
  const out = new WkbWriter(13 + polygons.reduce((sum, rings) => sum + 9 + ringsBytes(rings), 0))
  out.header(MULTIPOLYGON, srid)
  out.count(polygons.length)
  for (const rings of polygons) {
    out.header(POLYGON, null)
    out.count(rings.length)
    for (const ring of rings) out.positions(ring)
  }
  return out.hex()
}

/** Lines as a MultiLineString. */
export function linesToEwkb(lines: readonly Ring[], srid = SRID): string {
  const out = new WkbWriter(13 + lines.reduce((sum, line) => sum + 9 + 4 + line.length * 16, 0))
  out.header(MULTILINESTRING, srid)
  out.count(lines.length)
  for (const line of lines) {
    out.header(LINESTRING, null)
    out.positions(line)
  }
  return out.hex()
}

/** The polygons (each a list of rings) of a GeoJSON Polygon or MultiPolygon (structurally checked). */
export function polygonsOf(geometry: { type: string; coordinates: unknown }): number[][][][] {
  return (geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates) as number[][][][]
}

/** The inverse of polygonsOf: one polygon as a Polygon, several as a MultiPolygon. */
export function geometryOfPolygons(polygons: GeoJsonPosition[][][]): Polygon | MultiPolygon {
  return polygons.length === 1
    ? { type: 'Polygon', coordinates: polygons[0] as GeoJsonPosition[][] }
    : { type: 'MultiPolygon', coordinates: polygons }
}

/** Positions in polygons (what a statement's size is measured in). */
export const verticesOf = (polygons: readonly (readonly Ring[])[]) =>
  polygons.reduce((sum, rings) => sum + rings.reduce((n, ring) => n + ring.length, 0), 0)

/**
 * Splits items (in order) into consecutive runs of about `budget` vertices each (an item bigger
 * than the budget is a run of its own).
 */
export function runsOf<T>(items: readonly T[], verticesOf: (item: T) => number, budget: number): T[][] {
  const runs: T[][] = []
  let run: T[] = []
  let vertices = 0
  for (const item of items) {
    const size = verticesOf(item)
    if (run.length > 0 && vertices + size > budget) {
      runs.push(run)
      run = []
      vertices = 0
    }
    run.push(item)
    vertices += size
  }
  if (run.length > 0) runs.push(run)
  return runs
}
