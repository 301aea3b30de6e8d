import { sql } from 'kysely'
import { polygonsToEwkb } from '../geo/ewkb.js'
import type { GridKind } from '../grids/kinds.js'
import type { PolygonRings } from './edge-match.js'

// What the coverage overlay (coverage.repository.ts) and the clean path's gaps (clean-gaps.ts)
// share: the grids' rows and how PostGIS reads them, the findings and their order.

export type Box = [number, number, number, number]

export interface InputRow {
  idx: number
  kind: GridKind
  /** micro/dedicated: idx of their comprehensive grid in the same request. */
  parent_idx: number | null
  /** Polygons (lon/lat, SRID 4490). */
  polygons: PolygonRings[]
  /** Known invalid: made valid (ST_MakeValid) for the overlay, after being reported. */
  invalid: boolean
  /** Invalid and too tangled for ST_MakeValid (see MAX_REPAIR_CROSSINGS): its convex hull stands in. */
  tangled?: boolean
}

export interface Finding {
  /** Feature indexes involved. */
  idxs: number[]
  geometry: unknown
  area_m2: number
  bbox: [number, number, number, number]
}

export interface Crossing extends Finding {
  main: string
  others: string[]
}

/** A finding as a statement describes it (json_agg rows). */
export interface FindingRow {
  idxs: number[]
  geometry: unknown
  area_m2: number
  xmin: number
  ymin: number
  xmax: number
  ymax: number
}

export /**
 * Gaps are what is left of a floating-point overlay (the union, then the parent minus it), so
 * where grids overlap, the union's computed crossing points can leave a ring one rounding
 * (~1e-14°) wide along an edge that is in fact covered: seen after a merge beside 白沙镇's
 * overlap, 1.4 mm² along 1 km. A gap whose mean width (2·area/perimeter) is under 1e-12° — the
 * snapped overlay's grid, 0.1 µm — is that rounding, not the data; a vertex off by the last of
 * nine decimals (1e-9°) leaves a gap a thousand times wider, which stays.
 */
const OVERLAY_NOISE_DEG = 1e-12

/** A grid's geometry from its record `r` (recordsOf): invalid ones made valid, tangled ones as their hull. */
export const GRID_GEOMETRY = sql`CASE WHEN r.tangled THEN ST_ConvexHull(r.hex::geometry)
                    WHEN r.invalid THEN ST_CollectionExtract(ST_MakeValid(r.hex::geometry, 'method=structure'), 3)
                    ELSE r.hex::geometry END`

/** Grids as JSON records (idx, kind, parent_idx, invalid, tangled, hex EWKB) for json_to_recordset. */
export const recordsOf = (rows: readonly InputRow[]) =>
  JSON.stringify(
    rows.map((row) => ({
      idx: row.idx,
      kind: row.kind,
      parent_idx: row.parent_idx,
      invalid: row.invalid,
      tangled: row.tangled === true,
      hex: polygonsToEwkb(row.polygons),
    })),
  )

/** The order describe() gives within a statement: by feature indexes, then west, then south. */
export function byIdxsThenPlace(a: Finding, b: Finding): number {
  for (let i = 0; i < Math.min(a.idxs.length, b.idxs.length); i++) {
    const step = (a.idxs[i] as number) - (b.idxs[i] as number)
    if (step !== 0) return step
  }
  return a.idxs.length - b.idxs.length || a.bbox[0] - b.bbox[0] || a.bbox[1] - b.bbox[1]
}
