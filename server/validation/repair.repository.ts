import { sql } from 'kysely'
import type { DatabaseHandle } from '../db/connect.js'
import { AppError } from '../http/errors.js'
import { MAX_REPAIR_CROSSINGS, formatCount } from '../http/limits.js'
import type { PolygonRings } from './edge-match.js'
import { polygonsToEwkb } from '../geo/ewkb.js'
import { withPostgisWork } from './postgis-work.js'
import { meetingsUpTo } from './simple-ring.js'

export interface RepairResult {
  valid_before: boolean
  reason_before: string | null
  geometry: unknown
  parts_before: number
  parts_after: number
  vertices_before: number
  vertices_after: number
  area_before_m2: number
  area_after_m2: number
}

/** True when a polygon's edges cross more than MAX_REPAIR_CROSSINGS times (or too densely to count). */
export function tooTangledToRepair(polygons: PolygonRings[]): boolean {
  const meetings = meetingsUpTo(polygons.flat(), MAX_REPAIR_CROSSINGS)
  return meetings === null || meetings > MAX_REPAIR_CROSSINGS
}

/**
 * ST_MakeValid of a polygon (method=structure: GEOS's method for areas, and not slowed to minutes
 * by many crossings as the default one is), keeping only polygonal parts, with what changed. The
 * result is a suggestion returned to the user; nothing is stored.
 */
export async function repairPolygon(database: DatabaseHandle, polygons: PolygonRings[]): Promise<RepairResult> {
  const hex = polygonsToEwkb(polygons)
  return withPostgisWork(database, async (work) => {
    const { rows: checked } = await work.run(sql<{ valid: boolean; reason: string | null }>`
      SELECT (detail).valid, (detail).reason FROM (SELECT ST_IsValidDetail(${hex}::geometry) AS detail) AS checked`)
    const valid = checked[0]?.valid === true
    if (!valid && tooTangledToRepair(polygons)) throw new AppError(422, 'repair_too_tangled', { limit: formatCount(MAX_REPAIR_CROSSINGS) })
    const repaired = valid ? sql`ST_Multi(geom)` : sql`ST_Multi(ST_CollectionExtract(ST_MakeValid(geom, 'method=structure'), 3))`
    const { rows } = await work.run(sql<Omit<RepairResult, 'valid_before' | 'reason_before'>>`
      WITH input AS (SELECT ${hex}::geometry AS geom),
      fixed AS (SELECT geom, ${repaired} AS repaired FROM input)
      SELECT ST_AsGeoJSON(ST_ForcePolygonCCW(repaired), 9, 0)::json AS geometry,
             ST_NumGeometries(geom) AS parts_before, ST_NumGeometries(repaired) AS parts_after,
             ST_NPoints(geom) AS vertices_before, ST_NPoints(repaired) AS vertices_after,
             -- The area of an invalid input is what PostGIS's shoelace gives (a bow-tie's halves cancel).
             ST_Area(geom::geography) AS area_before_m2, ST_Area(repaired::geography) AS area_after_m2
      FROM fixed`)
    return {
      valid_before: valid,
      reason_before: valid ? null : (checked[0]?.reason ?? null),
      ...(rows[0] as Omit<RepairResult, 'valid_before' | 'reason_before'>),
    }
  })
}
