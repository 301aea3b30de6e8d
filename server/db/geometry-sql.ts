import { type Kysely, type RawBuilder, sql } from 'kysely'
import type { Database } from './database.js'

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

/** Geometries per statement of interiorPoints: PGlite's WASM heap runs out on one 90 MB JSON parameter (100,000 grids). */
const INTERIOR_POINTS_CHUNK = 5_000

/** A point inside each GeoJSON geometry (ST_PointOnSurface), in the given order: what code allocation sorts in reading order. */
export async function interiorPoints(db: Kysely<Database>, geometries: readonly unknown[]): Promise<[number, number][]> {
  const points: [number, number][] = []
  for (let start = 0; start < geometries.length; start += INTERIOR_POINTS_CHUNK) {
    const { rows } = await sql<{ x: number; y: number }>`
      SELECT ST_X(p) AS x, ST_Y(p) AS y
      FROM jsonb_array_elements(${JSON.stringify(geometries.slice(start, start + INTERIOR_POINTS_CHUNK))}::jsonb) WITH ORDINALITY AS item(g, ordinality)
      CROSS JOIN LATERAL ST_PointOnSurface(ST_GeomFromGeoJSON(item.g::text)) AS p
      ORDER BY item.ordinality`.execute(db)
    for (const row of rows) points.push([row.x, row.y])
  }
  return points
}
