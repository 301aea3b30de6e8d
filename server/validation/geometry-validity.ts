import { type Kysely, sql } from 'kysely'
import type { Database } from '../db/database.js'
import { STATEMENT_VERTICES } from '../http/limits.js'
import { polygonsOf, polygonsToEwkb, runsOf, verticesOf } from '../geo/ewkb.js'
import { type StatementRunner, directRunner } from './postgis-work.js'
import { isCertainlySimpleRing } from './simple-ring.js'
import type { InvalidGeometryReason } from './report.schemas.js'

// PostGIS validity (ST_IsValidDetail) for many geometries, a few statements of bounded size. GEOS reasons are
// English sentences; they are mapped to stable reason codes, with the fault's location.

type InvalidReason = InvalidGeometryReason
type Position = [number, number]

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

/** Checks GeoJSON Polygons/MultiPolygons (structurally sound) in PostGIS; returns only the invalid ones, by input index. */
export async function findInvalidGeometries(db: Kysely<Database> | StatementRunner, geometries: unknown[]): Promise<InvalidGeometry[]> {
  const shapes = geometries.map((geometry) => polygonsOf(geometry as { type: string; coordinates: unknown }) as Position[][][])
  // A single ring proven simple in JS (simple-ring.ts, as validation does) is valid: only the
  // others go to PostGIS (a county's import: ~2 s of ST_IsValidDetail spared).
  const unproven = shapes.flatMap((polygons, index) =>
    polygons.length === 1 && polygons[0]?.length === 1 && isCertainlySimpleRing(polygons[0][0] as Position[]) ? [] : [index],
  )
  const found = await findInvalidShapes(
    'run' in db ? db : directRunner(db),
    unproven.map((index) => shapes[index] as Position[][][]),
  )
  return found.map((invalid) => ({ ...invalid, index: unproven[invalid.index] as number }))
}

/**
 * Checks polygons (each shape: polygons of rings) with ST_IsValidDetail, in statements of about
 * STATEMENT_VERTICES vertices; returns only the invalid ones, by input index.
 */
export async function findInvalidShapes(runner: StatementRunner, shapes: Position[][][][]): Promise<InvalidGeometry[]> {
  const indexed = shapes.map((polygons, index) => ({ index, polygons, vertices: verticesOf(polygons) }))
  const found: InvalidGeometry[] = []
  for (const run of runsOf(indexed, (shape) => shape.vertices, STATEMENT_VERTICES)) {
    const { rows } = await runner.run(sql<{ index: number; reason: string; x: number | null; y: number | null }>`
      SELECT item.ordinality::int - 1 AS index, detail.reason, ST_X(detail.location) AS x, ST_Y(detail.location) AS y
      FROM string_to_table(${run.map((shape) => polygonsToEwkb(shape.polygons)).join(',')}, ',') WITH ORDINALITY AS item(hex, ordinality)
      CROSS JOIN LATERAL ST_IsValidDetail(item.hex::geometry) AS detail
      WHERE NOT detail.valid
      ORDER BY 1`)
    for (const row of rows) {
      found.push({
        index: (run[row.index] as (typeof indexed)[number]).index,
        reason: reasonOf(row.reason),
        detail: row.reason,
        location: row.x === null || row.y === null ? null : [row.x, row.y],
      })
    }
  }
  return found
}
