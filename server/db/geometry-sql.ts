import { type RawBuilder, sql } from 'kysely'

/** PostGIS geometry → RFC 7946 GeoJSON: CCW outer rings, no `crs` member (option 0), 8 decimals (~1 mm). */
export function asGeoJson(column: string): RawBuilder<unknown> {
  return sql`ST_AsGeoJSON(ST_ForcePolygonCCW(${sql.ref(column)}), 8, 0)::json`
}

/** [minLng, minLat, maxLng, maxLat] of a geometry column (null when the column is null). */
export function bboxOf(column: string): RawBuilder<number[] | null> {
  const ref = sql.ref(column)
  return sql<number[] | null>`CASE WHEN ${ref} IS NULL THEN NULL ELSE
    json_build_array(ST_XMin(${ref}), ST_YMin(${ref}), ST_XMax(${ref}), ST_YMax(${ref})) END`
}
