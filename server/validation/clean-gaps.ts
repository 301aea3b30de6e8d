import Flatbush from 'flatbush'
import { type RawBuilder, sql } from 'kysely'
import { polygonsToEwkb, runsOf, verticesOf } from '../geo/ewkb.js'
import { STATEMENT_VERTICES } from '../http/limits.js'
import { type Box, byIdxsThenPlace, type Finding, type FindingRow, OVERLAY_NOISE_DEG } from './coverage-parts.js'
import type { PolygonRings } from './edge-match.js'
import type { PostgisWork } from './postgis-work.js'

/**
 * The grids around each gap (gap number → grid idxs), asked with `gapsMeeting(grids)`, the
 * `(id, geom)` rows of the gaps whose boxes meet those grids' (CoverageTables.gridsAround).
 */
export type GridsAround = (
  gapsMeeting: (grids: readonly { box: Box }[]) => RawBuilder<unknown>,
  boxes: Box[],
) => Promise<Map<number, Set<number>>>

/**
 * The gaps of a clean coverage without a parent, as findGaps finds them (the faces of each
 * component's outline that it does not cover), in as few statements as the vertices allow and
 * no scratch table: the union goes with the statement that finds its faces, which describes
 * them too and sends them back (EWKB, exact) for the statements that find the grids around
 * them. The same gaps, numbered in the same order, as through the tables, whose making, filling
 * and dropping cost PGlite more than finding the gaps (~10 ms a statement).
 */
export async function holesOfCleanUnion(work: PostgisWork, polygons: PolygonRings[], gridsAround: GridsAround): Promise<Finding[]> {
  const numbered = polygons.map((rings, comp) => ({ comp, rings, vertices: verticesOf([rings]) }))
  const gaps: { hex: string; box: Box; finding: Finding | null }[] = []
  for (const run of runsOf(numbered, (p) => p.vertices, STATEMENT_VERTICES)) {
    const union = JSON.stringify(run.map((p) => ({ comp: p.comp, hex: polygonsToEwkb([p.rings]) })))
    const { rows } = await work.run(sql<{ gaps: (FindingRow & { hex: string; described: boolean })[] | null }>`
      WITH u AS (SELECT r.comp, r.hex::geometry AS geom FROM json_to_recordset(${union}::json) AS r(comp int, hex text)),
           faces AS (SELECT comp, ST_Polygonize(ST_UnaryUnion(ST_Boundary(geom))) AS geom FROM u GROUP BY comp),
           gaps AS MATERIALIZED (
             SELECT face.geom FROM faces JOIN u ON u.comp = faces.comp CROSS JOIN LATERAL ST_Dump(faces.geom) AS face
             WHERE NOT ST_Intersects(ST_PointOnSurface(face.geom), u.geom))
      SELECT json_agg(json_build_object(
               'hex', encode(ST_AsEWKB(geom), 'hex'),
               'described', NOT ST_IsEmpty(geom) AND ST_Area(geom) > 0,
               'geometry', ST_AsGeoJSON(ST_ForcePolygonCCW(geom), 9, 0)::json, 'area_m2', ST_Area(geom::geography),
               'xmin', ST_XMin(geom), 'ymin', ST_YMin(geom), 'xmax', ST_XMax(geom), 'ymax', ST_YMax(geom))) AS gaps
      FROM gaps WHERE 2 * ST_Area(geom) > ${OVERLAY_NOISE_DEG} * ST_Perimeter(geom)`)
    // No row at all is PGlite's dropped result (see describe): never "no gaps".
    if (rows.length === 0) throw new Error('PostGIS returned no result for the gaps, even with fixed-precision overlay')
    for (const gap of rows[0]?.gaps ?? []) {
      const box: Box = [gap.xmin, gap.ymin, gap.xmax, gap.ymax]
      gaps.push({
        hex: gap.hex,
        box,
        finding: gap.described ? { idxs: [], geometry: gap.geometry, area_m2: gap.area_m2, bbox: box } : null,
      })
    }
  }
  if (gaps.length === 0) return []
  const tree = new Flatbush(gaps.length)
  for (const gap of gaps) tree.add(...gap.box)
  tree.finish()
  // Gap i is numbered i + 1, as the serial ids of the table.
  const neighbours = await gridsAround(
    (part) => {
      const meeting = new Set(part.flatMap((row) => tree.search(...row.box)))
      const records = JSON.stringify([...meeting].sort((a, b) => a - b).map((i) => ({ id: i + 1, hex: (gaps[i] as { hex: string }).hex })))
      return sql`(SELECT g.id, g.hex::geometry AS geom FROM json_to_recordset(${records}::json) AS g(id int, hex text))`
    },
    gaps.map((gap) => gap.box),
  )
  const findings: Finding[] = []
  for (const [i, gap] of gaps.entries()) {
    if (gap.finding) findings.push({ ...gap.finding, idxs: [...(neighbours.get(i + 1) ?? [])].sort((a, b) => a - b) })
  }
  return findings.sort(byIdxsThenPlace)
}
