import type { Geometry } from 'geojson'
import { type Kysely, sql } from 'kysely'
import { type Actor, recordAudit } from '../audit/audit.repository.js'
import type { Database } from '../db/database.js'
import { findPointPage, findPointsExtent, type PointPage, type PointPageFilter } from '../db/point-page.js'
import { badRequest, notFound } from '../http/errors.js'
import { codeOfPrefix, parseRegionPrefix } from '../regions/region-codes.js'

// Buildings and standard-address points with household counts: they feed grid sizing and
// auto-partition. This module is the only writer of the buildings table (the demo seed writes
// through it too; server/grids/single-writer.test.ts keeps it so).
//
// Rows go in as one json_to_recordset statement per chunk, geometry as GeoJSON: a handful of
// round trips for 100,000 buildings, which matters on PGlite. The table stores points: a
// footprint polygon is stored as a point inside it (ST_PointOnSurface), with the footprint's count.

const CHUNK = 10_000
const GEOMETRY_TYPES = new Set(['Point', 'Polygon', 'MultiPolygon'])

export interface BuildingInput {
  /** A point, or a footprint polygon (its household count belongs to the footprint). */
  geometry: Geometry
  households: number
  address: string | null
  /**
   * The 12-digit code of the region (community) it lies in. When omitted, the deepest region under
   * the replaced prefix whose boundary holds the point; failing that, the replaced region itself.
   */
  regionCode?: string
}

/** Refuses (400) a building whose count is not a whole number ≥ 0 or whose geometry is not a point or polygon. */
export function checkBuilding(building: BuildingInput, index: number): void {
  const { households, geometry } = building
  if (typeof households !== 'number' || !Number.isInteger(households) || households < 0) {
    throw badRequest('buildings_households_invalid', { feature: index + 1, value: String(households) })
  }
  if (!geometry || !GEOMETRY_TYPES.has(geometry.type)) {
    throw badRequest('buildings_geometry_invalid', { feature: index + 1, type: String(geometry?.type ?? null) })
  }
}

/** Removes every building under a region prefix; returns how many. */
export async function deleteBuildingsUnder(trx: Kysely<Database>, regionPrefix: string): Promise<number> {
  const result = await trx.deleteFrom('buildings').where('region_code', 'like', `${regionPrefix}%`).executeTakeFirst()
  return Number(result.numDeletedRows)
}

/** Inserts buildings in chunks of one statement each; those without a region code are placed under `regionPrefix`. */
export async function insertBuildings(trx: Kysely<Database>, regionPrefix: string, buildings: readonly BuildingInput[]): Promise<void> {
  const fallback = codeOfPrefix(regionPrefix)
  for (let i = 0; i < buildings.length; i += CHUNK) {
    const chunk = buildings.slice(i, i + CHUNK).map((b) => ({ r: b.regionCode ?? null, a: b.address, h: b.households, g: b.geometry }))
    await sql`
      INSERT INTO buildings (region_code, address, households, geom)
      SELECT coalesce(
               b.r,
               (SELECT r.code FROM regions r
                WHERE r.code LIKE ${`${regionPrefix}%`} AND r.boundary IS NOT NULL AND ST_Intersects(r.boundary, p.geom)
                ORDER BY r.level DESC, r.code LIMIT 1),
               ${fallback}),
             b.a, b.h, p.geom
      FROM json_to_recordset(${JSON.stringify(chunk)}::json) AS b(r text, a text, h integer, g json)
      CROSS JOIN LATERAL (SELECT ST_SetSRID(ST_PointOnSurface(ST_Force2D(ST_GeomFromGeoJSON(b.g::text))), 4490) AS geom) AS p`.execute(trx)
  }
}

/**
 * Replaces the buildings of `region` (a county or township code or prefix) with `buildings`, in
 * one transaction (the caller's, when given one), with one audit entry; returns how many were written.
 */
export async function replaceBuildings(
  db: Kysely<Database>,
  input: { region: string; buildings: readonly BuildingInput[]; actor: Actor },
): Promise<number> {
  const prefix = parseRegionPrefix(input.region)
  if (prefix === null) throw badRequest('region_prefix_invalid', { code: input.region })
  input.buildings.forEach(checkBuilding)
  const outside = input.buildings.findIndex((b) => b.regionCode !== undefined && !b.regionCode.startsWith(prefix))
  if (outside >= 0) {
    throw badRequest('buildings_region_outside', {
      feature: outside + 1,
      code: String(input.buildings[outside]?.regionCode),
      region: prefix,
    })
  }
  const replace = async (trx: Kysely<Database>) => {
    const region = await trx.selectFrom('regions').select('code').where('code', '=', codeOfPrefix(prefix)).executeTakeFirst()
    if (!region) throw notFound('region_not_found', { code: input.region })
    const removed = await deleteBuildingsUnder(trx, prefix)
    await insertBuildings(trx, prefix, input.buildings)
    await recordAudit(trx, input.actor, {
      action: 'replace_buildings',
      entity: 'buildings',
      entityId: region.code,
      regionCode: prefix,
      before: { count: removed },
      after: { count: input.buildings.length },
    })
    return input.buildings.length
  }
  return db.isTransaction ? replace(db) : db.transaction().execute(replace)
}

export interface BuildingPageRow {
  region_code: string
  address: string | null
  households: number
}

/** One page of the building points under a region prefix, in id order, with how many match. */
export function findBuildingPage(db: Kysely<Database>, filter: PointPageFilter): Promise<PointPage<BuildingPageRow>> {
  return findPointPage<BuildingPageRow>(db, 'buildings', ['region_code', 'address', 'households'], filter)
}

/** The box of the building points under a region prefix; null when there are none. */
export function findBuildingsExtent(db: Kysely<Database>, regionPrefix: string) {
  return findPointsExtent(db, 'buildings', regionPrefix)
}

/** The building points covered by a boundary (GeoJSON, lon/lat), with their counts, in id order. */
export async function findBuildingsCoveredBy(db: Kysely<Database>, boundary: Geometry) {
  const { rows } = await sql<{ geometry: Geometry; households: number }>`
    SELECT ST_AsGeoJSON(b.geom, 15, 0)::json AS geometry, b.households
    FROM buildings b, (SELECT ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(boundary)}), 4490) AS g) AS area
    WHERE b.geom && area.g AND ST_Covers(area.g, b.geom) ORDER BY b.id`.execute(db)
  return rows
}
