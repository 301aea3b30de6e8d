import { type RawBuilder, sql } from 'kysely'
import { polygonsOf, polygonsToEwkb, runsOf, verticesOf } from '../geo/ewkb.js'
import { type TileAddress, tileLonLatBox } from '../geo/web-mercator.js'

/** PostGIS geometry → RFC 7946 GeoJSON: CCW outer rings, no `crs` member (option 0), 8 decimals (~1 mm). */
export function asGeoJson(column: string): RawBuilder<unknown> {
  return sql`ST_AsGeoJSON(ST_ForcePolygonCCW(${sql.ref(column)}), 8, 0)::json`
}

/**
 * PostGIS geometry → little-endian 2D WKB as hex text, outer rings counter-clockwise as in
 * asGeoJson. Text rather than bytea: PGlite's bytea parser took 7.4 s of CPU for 100,000 grids of
 * 40 vertices where this text and Buffer.from(hex) take under 1 s (docs/engine-notes.md).
 */
export function asWkbHex(column: string): RawBuilder<string> {
  return sql<string>`encode(ST_AsBinary(ST_ForcePolygonCCW(${sql.ref(column)}), 'NDR'), 'hex')`
}

/** [minLng, minLat, maxLng, maxLat] of a geometry column (null when the column is null). */
export function bboxOf(column: string): RawBuilder<number[] | null> {
  const ref = sql.ref(column)
  return sql<number[] | null>`CASE WHEN ${ref} IS NULL THEN NULL ELSE
    json_build_array(ST_XMin(${ref}), ST_YMin(${ref}), ST_XMax(${ref}), ST_YMax(${ref})) END`
}

/** `column && box`: the rows whose geometry's box meets a [minLng, minLat, maxLng, maxLat] box (lon/lat, 4490). */
export function meetsBox(column: string, [minLng, minLat, maxLng, maxLat]: readonly number[]): RawBuilder<boolean> {
  return sql<boolean>`${sql.ref(column)} && ST_MakeEnvelope(${minLng}::float8, ${minLat}::float8, ${maxLng}::float8, ${maxLat}::float8, 4490)`
}

/**
 * Input vertices per statement of the bulk geometry writers and readers (interiorPoints, the
 * grids' insert): PGlite's WASM heap runs out on one 90 MB parameter (100,000 grids as JSON), and
 * hex EWKB of this many vertices is ~6 MB.
 */
export const BULK_STATEMENT_VERTICES = 200_000

/**
 * GeoJSON Polygons/MultiPolygons as hex EWKB, in runs of at most BULK_STATEMENT_VERTICES vertices
 * (one shape may exceed it). Each run is encoded when it is reached, so a county's hex (~130 MB
 * for 4 million vertices) is never held at once.
 */
export function* ewkbRuns<T>(items: readonly T[], geometryOf: (item: T) => unknown): Generator<{ item: T; hex: string }[]> {
  const polygons = (item: T) => polygonsOf(geometryOf(item) as { type: string; coordinates: unknown })
  for (const run of runsOf(items, (item) => verticesOf(polygons(item)), BULK_STATEMENT_VERTICES))
    yield run.map((item) => ({ item, hex: polygonsToEwkb(polygons(item)) }))
}

/**
 * The part of `column` (lon/lat, 4490) inside a buffered vector tile, as GeoJSON text in the
 * tile's integer coordinates (x right, y down; ST_AsMVTGeom's result, which PGlite's PostGIS cannot
 * run: docs/engine-notes.md): projected, scaled, clipped to the buffer, snapped to whole units, and
 * only the parts of the geometry's own dimension kept (a clip can leave stray lines or points).
 * Empty when the geometry misses the tile. Rows are picked with `meetsTile`.
 */
export function tileGeoJson(column: string, tile: TileAddress): RawBuilder<string> {
  const { z, x, y, extent, buffer } = tile
  const ref = sql.ref(column)
  return sql<string>`(SELECT ST_AsGeoJSON(ST_CollectionExtract(ST_SnapToGrid(ST_ClipByBox2D(
      ST_TransScale(ST_Transform(${ref}, 3857), -s.x0, -s.y1, s.k, -s.k),
      ST_MakeEnvelope(${-buffer}::float8, ${-buffer}::float8, ${extent + buffer}::float8, ${extent + buffer}::float8)), 1),
    CASE ST_Dimension(${ref}) WHEN 1 THEN 2 ELSE 3 END), 0)
    FROM (SELECT ST_XMin(box) AS x0, ST_YMax(box) AS y1, ${extent}::float8 / (ST_XMax(box) - ST_XMin(box)) AS k
          FROM ST_TileEnvelope(${z}::int, ${x}::int, ${y}::int) AS box) AS s)`
}

/**
 * `column && box` of the buffered tile in lon/lat, worked out here: PostGIS projecting a box that
 * reaches past the Mercator limits (tiles of zoom 0–2 with their buffer) took ~0.6 s.
 */
export function meetsTile(column: string, tile: TileAddress): RawBuilder<boolean> {
  return meetsBox(column, tileLonLatBox(tile))
}
