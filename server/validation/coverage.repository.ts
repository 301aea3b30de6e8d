import { type Kysely, sql } from 'kysely'
import type { Database } from '../db/database.js'

// The coverage overlay in PostGIS (runs on PostGIS 3.3): the exact answer when the fast edge
// match cannot prove a coverage clean, and for micro-grids and dedicated grids. Everything runs
// on a temporary table inside one transaction (so one connection on PostgreSQL) and is dropped
// at commit. Areas are geodesic (geography) in m².

export interface InputRow {
  idx: number
  kind: 'comprehensive' | 'dedicated' | 'micro'
  /** micro/dedicated: idx of their comprehensive grid in the same request. */
  parent_idx: number | null
  /** GeoJSON geometry (lon/lat, SRID 4490 assumed). */
  geometry: unknown
  /** Known invalid: made valid (ST_MakeValid) for the overlay, after being reported. */
  invalid: boolean
}

export interface Finding {
  /** Feature indexes involved. */
  idxs: number[]
  geometry: unknown
  area_m2: number
  bbox: [number, number, number, number]
}

type Trx = Kysely<Database>

export async function loadInput(trx: Trx, rows: InputRow[]): Promise<void> {
  await sql`CREATE TEMP TABLE validation_input (
      idx int PRIMARY KEY, kind text NOT NULL, parent_idx int, geom geometry NOT NULL
    ) ON COMMIT DROP`.execute(trx)
  if (rows.length === 0) return
  await sql`
    INSERT INTO validation_input (idx, kind, parent_idx, geom)
    SELECT r.idx, r.kind, r.parent_idx,
           CASE WHEN r.invalid THEN ST_CollectionExtract(ST_MakeValid(g.geom), 3) ELSE g.geom END
    FROM json_to_recordset(${JSON.stringify(rows.map((row) => ({ ...row, geometry: JSON.stringify(row.geometry) })))}::json)
      AS r(idx int, kind text, parent_idx int, geometry text, invalid boolean)
    CROSS JOIN LATERAL (SELECT ST_SetSRID(ST_GeomFromGeoJSON(r.geometry), 4490) AS geom) g`.execute(trx)
  await sql`CREATE INDEX ON validation_input USING gist (geom)`.execute(trx)
  await sql`ANALYZE validation_input`.execute(trx)
}

/** Polygonal parts of a geometry expression with area, bbox and GeoJSON, as Findings. */
function describe(partsQuery: ReturnType<typeof sql>) {
  return sql<{ idxs: number[]; geometry: unknown; area_m2: number; xmin: number; ymin: number; xmax: number; ymax: number }>`
    SELECT parts.idxs, ST_AsGeoJSON(parts.geom, 9, 0)::json AS geometry,
           ST_Area(parts.geom::geography) AS area_m2,
           ST_XMin(parts.geom) AS xmin, ST_YMin(parts.geom) AS ymin, ST_XMax(parts.geom) AS xmax, ST_YMax(parts.geom) AS ymax
    FROM (${partsQuery}) AS parts
    WHERE NOT ST_IsEmpty(parts.geom) AND ST_Area(parts.geom) > 0
    ORDER BY parts.idxs, ST_XMin(parts.geom), ST_YMin(parts.geom)`
}

async function run(trx: Trx, partsQuery: ReturnType<typeof sql>): Promise<Finding[]> {
  const { rows } = await describe(partsQuery).execute(trx)
  return rows.map((row) => ({
    idxs: row.idxs,
    geometry: row.geometry,
    area_m2: row.area_m2,
    bbox: [row.xmin, row.ymin, row.xmax, row.ymax],
  }))
}

/** Every pair of grids of one kind whose interiors overlap (micro-grids: within the same parent). */
export function findOverlaps(trx: Trx, kind: 'comprehensive' | 'micro'): Promise<Finding[]> {
  return run(
    trx,
    sql`SELECT ARRAY[a.idx, b.idx] AS idxs, ST_CollectionExtract(ST_Intersection(a.geom, b.geom), 3) AS geom
        FROM validation_input a
        JOIN validation_input b ON a.idx < b.idx AND a.geom && b.geom
        WHERE a.kind = ${kind} AND b.kind = ${kind}
          AND a.parent_idx IS NOT DISTINCT FROM b.parent_idx
          AND ST_Relate(a.geom, b.geom, '2********')`,
  )
}

/**
 * The union of the comprehensive grids: from the table, or — on the clean path — built from the
 * outline rings the edge match found (a MultiLineString; ST_BuildArea nests shells and holes).
 */
function unionOf(outline: unknown | null) {
  return outline === null
    ? sql`(SELECT ST_Union(geom) FROM validation_input WHERE kind = 'comprehensive')`
    : sql`ST_BuildArea(ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(outline)}), 4490))`
}

/**
 * Gaps: parts of the parent no grid covers — or, with no parent, holes in the grids' union —
 * each with the grids that border it.
 */
export function findGaps(trx: Trx, parent: unknown | null, outline: unknown | null): Promise<Finding[]> {
  // Without a parent, a gap is a hole in the union (less any island of grids inside it).
  const gaps =
    parent === null
      ? sql`SELECT (ST_Dump(ST_CollectionExtract(ST_Difference(ST_MakePolygon(ST_InteriorRingN(part.geom, n)), u.geom), 3))).geom AS geom
            FROM (SELECT ${unionOf(outline)} AS geom) AS u
            CROSS JOIN LATERAL ST_Dump(u.geom) AS part
            CROSS JOIN LATERAL generate_series(1, ST_NumInteriorRings(part.geom)) AS n`
      : sql`SELECT (ST_Dump(ST_CollectionExtract(ST_Difference(ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(parent)}), 4490), ${unionOf(outline)}), 3))).geom AS geom`
  return run(
    trx,
    sql`SELECT COALESCE((SELECT array_agg(v.idx ORDER BY v.idx) FROM validation_input v
                         WHERE v.kind = 'comprehensive' AND v.geom && gap.geom AND ST_Intersects(v.geom, gap.geom)),
                        ARRAY[]::int[]) AS idxs,
               gap.geom
        FROM (${gaps}) AS gap`,
  )
}

/** Parts of each grid of a kind that lie outside the parent polygon. */
export function findOutside(trx: Trx, parent: unknown, kind: 'comprehensive' | 'dedicated'): Promise<Finding[]> {
  const boundary = sql`ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(parent)}), 4490)`
  return run(
    trx,
    sql`SELECT ARRAY[v.idx] AS idxs, (ST_Dump(ST_CollectionExtract(ST_Difference(v.geom, ${boundary}), 3))).geom AS geom
        FROM validation_input v
        WHERE v.kind = ${kind} AND NOT ST_CoveredBy(v.geom, ${boundary})`,
  )
}

/** Micro-grids must cover their grid: the parts of each parent grid its micro-grids leave open. */
export function findMicroGaps(trx: Trx): Promise<Finding[]> {
  return run(
    trx,
    sql`SELECT ARRAY[p.idx] || array_agg(m.idx ORDER BY m.idx) AS idxs,
               (ST_Dump(ST_CollectionExtract(ST_Difference(p.geom, ST_Union(m.geom)), 3))).geom AS geom
        FROM validation_input p JOIN validation_input m ON m.parent_idx = p.idx AND m.kind = 'micro'
        GROUP BY p.idx, p.geom`,
  )
}

/** Micro-grids sticking out of their grid. */
export function findMicroOutside(trx: Trx): Promise<Finding[]> {
  return run(
    trx,
    sql`SELECT ARRAY[m.idx, p.idx] AS idxs, (ST_Dump(ST_CollectionExtract(ST_Difference(m.geom, p.geom), 3))).geom AS geom
        FROM validation_input m JOIN validation_input p ON p.idx = m.parent_idx
        WHERE m.kind = 'micro' AND NOT ST_CoveredBy(m.geom, p.geom)`,
  )
}

/** Dedicated grids must lie inside the comprehensive grids' area (or the parent, if no grids given). */
export function findDedicatedOutside(trx: Trx, parent: unknown | null): Promise<Finding[]> {
  const area = sql`COALESCE((SELECT ST_Union(geom) FROM validation_input WHERE kind = 'comprehensive'),
                            ${parent === null ? sql`NULL::geometry` : sql`ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(parent)}), 4490)`})`
  return run(
    trx,
    sql`SELECT ARRAY[d.idx] AS idxs,
               (ST_Dump(ST_CollectionExtract(COALESCE(ST_Difference(d.geom, ${area}), d.geom), 3))).geom AS geom
        FROM validation_input d
        WHERE d.kind = 'dedicated'`,
  )
}
