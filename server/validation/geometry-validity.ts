import { type Kysely, sql } from 'kysely'
import type { Database } from '../db/database.js'
import type { InvalidGeometryReason } from './report.js'

// PostGIS validity (ST_IsValidDetail) for many geometries in one round trip. GEOS reasons are
// English sentences; they are mapped to stable reason codes, with the fault's location.

type InvalidReason = InvalidGeometryReason

const GEOS_REASONS: [RegExp, InvalidReason][] = [
  [/^ring self-intersection/i, 'ring_self_intersection'],
  [/^self-intersection/i, 'self_intersection'],
  [/^hole lies outside shell/i, 'hole_outside_shell'],
  [/^holes are nested/i, 'nested_holes'],
  [/^interior is disconnected/i, 'disconnected_interior'],
  [/^nested shells/i, 'nested_shells'],
  [/^too few points/i, 'too_few_points'],
  [/^invalid coordinate/i, 'invalid_coordinate'],
  [/^ring is not closed/i, 'unclosed_ring'],
]

export interface InvalidGeometry {
  index: number
  reason: InvalidReason
  detail: string
  /** [lng, lat] of the fault, when GEOS gives one. */
  location: [number, number] | null
}

export function reasonOf(detail: string): InvalidReason {
  return GEOS_REASONS.find(([pattern]) => pattern.test(detail))?.[1] ?? 'other'
}

/** Checks GeoJSON geometries in PostGIS; returns only the invalid ones, by input index. */
export async function findInvalidGeometries(db: Kysely<Database>, geometries: unknown[]): Promise<InvalidGeometry[]> {
  if (geometries.length === 0) return []
  const { rows } = await sql<{ index: number; reason: string; x: number | null; y: number | null }>`
    SELECT (item.ordinality - 1)::int AS index, detail.reason,
           ST_X(detail.location) AS x, ST_Y(detail.location) AS y
    FROM jsonb_array_elements(${JSON.stringify(geometries)}::jsonb) WITH ORDINALITY AS item(geometry, ordinality)
    CROSS JOIN LATERAL ST_IsValidDetail(ST_GeomFromGeoJSON(item.geometry::text)) AS detail
    WHERE NOT detail.valid
    ORDER BY 1`.execute(db)
  return rows.map((row) => ({
    index: row.index,
    reason: reasonOf(row.reason),
    detail: row.reason,
    location: row.x === null || row.y === null ? null : [row.x, row.y],
  }))
}
