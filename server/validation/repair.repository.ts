import { type Kysely, sql } from 'kysely'
import type { Database } from '../db/database.js'

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

/**
 * ST_MakeValid of a polygon, keeping only polygonal parts, with what changed. The result is a
 * suggestion returned to the user; nothing is stored.
 */
export async function repairPolygon(db: Kysely<Database>, geometry: unknown): Promise<RepairResult> {
  const { rows } = await sql<RepairResult>`
    WITH input AS (SELECT ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(geometry)}), 4490) AS geom),
    fixed AS (SELECT geom, ST_Multi(ST_CollectionExtract(ST_MakeValid(geom), 3)) AS repaired FROM input)
    SELECT ST_IsValid(geom) AS valid_before,
           CASE WHEN ST_IsValid(geom) THEN NULL ELSE (ST_IsValidDetail(geom)).reason END AS reason_before,
           ST_AsGeoJSON(ST_ForcePolygonCCW(repaired), 9, 0)::json AS geometry,
           ST_NumGeometries(geom) AS parts_before, ST_NumGeometries(repaired) AS parts_after,
           ST_NPoints(geom) AS vertices_before, ST_NPoints(repaired) AS vertices_after,
           -- The area of an invalid input is what PostGIS's shoelace gives (a bow-tie's halves cancel).
           ST_Area(geom::geography) AS area_before_m2, ST_Area(repaired::geography) AS area_after_m2
    FROM fixed`.execute(db)
  return rows[0] as RepairResult
}
