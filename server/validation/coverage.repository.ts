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

type Query = ReturnType<typeof sql>

/** Overlay functions for a query: exact, or snapped to a 1e-12° grid (the PGlite workaround). */
interface Overlay {
  difference(a: Query, b: Query): Query
  intersection(a: Query, b: Query): Query
}
const EXACT: Overlay = {
  difference: (a, b) => sql`ST_Difference(${a}, ${b})`,
  intersection: (a, b) => sql`ST_Intersection(${a}, ${b})`,
}
const SNAPPED: Overlay = {
  difference: (a, b) => sql`ST_Difference(${a}, ${b}, 1e-12)`,
  intersection: (a, b) => sql`ST_Intersection(${a}, ${b}, 1e-12)`,
}

/**
 * Runs a query of polygonal parts `(idxs, geom)` and describes each part: GeoJSON (RFC 7946
 * winding), geodesic area, bbox. The rows come back aggregated into one JSON row, so "no row" can
 * be told apart from "no parts": PGlite's GEOS 3.14 was seen to drop a statement's whole result,
 * without an error, when ST_Difference's answer is empty along long straight edges (PostgreSQL 15
 * answers POLYGON EMPTY). Then the query runs again with fixed-precision overlay (1e-12°, far
 * below a millimetre), which does not trip it; a second empty answer is an error, never "valid".
 */
async function run(trx: Trx, build: (overlay: Overlay) => Query): Promise<Finding[]> {
  for (const overlay of [EXACT, SNAPPED]) {
    const { rows } = await sql<{ parts: FindingRow[] | null }>`
      SELECT json_agg(described ORDER BY described.idxs, described.xmin, described.ymin) AS parts FROM (
        SELECT parts.idxs, ST_AsGeoJSON(ST_ForcePolygonCCW(parts.geom), 9, 0)::json AS geometry,
               ST_Area(parts.geom::geography) AS area_m2,
               ST_XMin(parts.geom) AS xmin, ST_YMin(parts.geom) AS ymin, ST_XMax(parts.geom) AS xmax, ST_YMax(parts.geom) AS ymax
        FROM (${build(overlay)}) AS parts
        WHERE NOT ST_IsEmpty(parts.geom) AND ST_Area(parts.geom) > 0
      ) AS described`.execute(trx)
    const [row] = rows
    if (!row) continue
    return (row.parts ?? []).map((part) => ({
      idxs: part.idxs,
      geometry: part.geometry,
      area_m2: part.area_m2,
      bbox: [part.xmin, part.ymin, part.xmax, part.ymax],
    }))
  }
  throw new Error('PostGIS returned no result for a coverage query, even with fixed-precision overlay')
}

interface FindingRow {
  idxs: number[]
  geometry: unknown
  area_m2: number
  xmin: number
  ymin: number
  xmax: number
  ymax: number
}

/** Every pair of grids of one kind whose interiors overlap (micro-grids: within the same parent). */
export function findOverlaps(trx: Trx, kind: 'comprehensive' | 'micro'): Promise<Finding[]> {
  return run(
    trx,
    (overlay) => sql`SELECT ARRAY[a.idx, b.idx] AS idxs, ST_CollectionExtract(${overlay.intersection(sql`a.geom`, sql`b.geom`)}, 3) AS geom
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
  // Without a parent, a gap is an area the union's outline encloses but the union does not
  // cover: the faces of the outline (ST_Polygonize) outside the union. This finds holes and also
  // areas pinched off where grids touch only at points, which have no interior ring.
  const gaps = (overlay: Overlay) =>
    parent === null
      ? sql`WITH u AS (SELECT ${unionOf(outline)} AS geom),
                 faces AS (SELECT ST_Polygonize(ST_UnaryUnion(ST_Boundary(u.geom))) AS geom FROM u)
            SELECT face.geom FROM u, faces CROSS JOIN LATERAL ST_Dump(faces.geom) AS face
            WHERE NOT ST_Intersects(ST_PointOnSurface(face.geom), u.geom)`
      : sql`SELECT (ST_Dump(ST_CollectionExtract(${overlay.difference(sql`ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(parent)}), 4490)`, unionOf(outline))}, 3))).geom AS geom`
  // The grids around a gap: those sharing a stretch of boundary with it, not only a corner.
  return run(
    trx,
    (overlay) => sql`SELECT COALESCE((SELECT array_agg(v.idx ORDER BY v.idx) FROM validation_input v
                         WHERE v.kind = 'comprehensive' AND v.geom && gap.geom AND ST_Relate(v.geom, gap.geom, '****1****')),
                        ARRAY[]::int[]) AS idxs,
               gap.geom
        FROM (${gaps(overlay)}) AS gap`,
  )
}

/** Parts of each grid of a kind that lie outside the parent polygon. */
export function findOutside(trx: Trx, parent: unknown, kind: 'comprehensive' | 'dedicated'): Promise<Finding[]> {
  const boundary = sql`ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(parent)}), 4490)`
  return run(
    trx,
    (overlay) => sql`SELECT ARRAY[v.idx] AS idxs, (ST_Dump(ST_CollectionExtract(${overlay.difference(sql`v.geom`, boundary)}, 3))).geom AS geom
        FROM validation_input v
        WHERE v.kind = ${kind} AND NOT ST_CoveredBy(v.geom, ${boundary})`,
  )
}

/** Micro-grids must cover their grid: the parts of each parent grid its micro-grids leave open. */
export function findMicroGaps(trx: Trx): Promise<Finding[]> {
  return run(
    trx,
    (overlay) => sql`SELECT ARRAY[p.idx] || array_agg(m.idx ORDER BY m.idx) AS idxs,
               (ST_Dump(ST_CollectionExtract(${overlay.difference(sql`p.geom`, sql`ST_Union(m.geom)`)}, 3))).geom AS geom
        FROM validation_input p JOIN validation_input m ON m.parent_idx = p.idx AND m.kind = 'micro'
        GROUP BY p.idx, p.geom`,
  )
}

/** Micro-grids sticking out of their grid. */
export function findMicroOutside(trx: Trx): Promise<Finding[]> {
  return run(
    trx,
    (overlay) => sql`SELECT ARRAY[m.idx, p.idx] AS idxs, (ST_Dump(ST_CollectionExtract(${overlay.difference(sql`m.geom`, sql`p.geom`)}, 3))).geom AS geom
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
    (overlay) => sql`SELECT ARRAY[d.idx] AS idxs,
               (ST_Dump(ST_CollectionExtract(COALESCE(${overlay.difference(sql`d.geom`, area)}, d.geom), 3))).geom AS geom
        FROM validation_input d
        WHERE d.kind = 'dedicated'`,
  )
}

export interface Crossing extends Finding {
  main: string
  others: string[]
}

/**
 * Grids lying in more than one child region of the parent (e.g. across a community line inside
 * a township): the parts outside the child holding most of the grid.
 */
export async function findRegionCrossings(trx: Trx, parentCode: string): Promise<Crossing[]> {
  const { rows } = await sql<{ idx: number; main: string; others: string[]; geometry: unknown; area_m2: number; xmin: number; ymin: number; xmax: number; ymax: number }>`
    WITH shares AS (
      SELECT v.idx, c.name || '（' || c.code || '）' AS region, ST_CollectionExtract(ST_Intersection(v.geom, c.boundary), 3) AS geom
      FROM validation_input v
      JOIN regions c ON c.parent_code = ${parentCode} AND c.boundary IS NOT NULL AND v.geom && c.boundary
      WHERE v.kind = 'comprehensive' AND ST_Relate(v.geom, c.boundary, '2********')
    ), ranked AS (
      SELECT *, row_number() OVER (PARTITION BY idx ORDER BY ST_Area(geom) DESC, region) AS rank,
             count(*) OVER (PARTITION BY idx) AS regions
      FROM shares
    ), outside AS (
      SELECT idx, max(region) FILTER (WHERE rank = 1) AS main,
             array_agg(region ORDER BY region) FILTER (WHERE rank > 1) AS others,
             ST_Union(geom) FILTER (WHERE rank > 1) AS geom
      FROM ranked WHERE regions > 1 GROUP BY idx
    )
    SELECT idx, main, others, ST_AsGeoJSON(ST_ForcePolygonCCW(geom), 9, 0)::json AS geometry, ST_Area(geom::geography) AS area_m2,
           ST_XMin(geom) AS xmin, ST_YMin(geom) AS ymin, ST_XMax(geom) AS xmax, ST_YMax(geom) AS ymax
    FROM outside ORDER BY idx`.execute(trx)
  return rows.map((row) => ({
    idxs: [row.idx],
    main: row.main,
    others: row.others,
    geometry: row.geometry,
    area_m2: row.area_m2,
    bbox: [row.xmin, row.ymin, row.xmax, row.ymax],
  }))
}
