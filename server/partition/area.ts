import type { Feature, FeatureCollection, LineString, MultiPolygon, Polygon } from 'geojson'
import pointInPolygon from 'point-in-polygon-hao'
import type { Db } from '../db/database.js'
import { polygonsOf } from '../geo/ewkb.js'
import { interiorPoint } from '../geo/interior-point.js'
import type { Position } from '../validation/edge-match.js'
import { dissolve } from './dissolve.js'
import { partitionInThread } from './partition-thread.js'
import { fitToBoundary, inTriangle, type ReconciledGrids } from './reconcile.js'
import type { PartitionExplanation, PartitionGrid, PartitionInput, PartitionSummary } from './types.js'
import { type AreaInput, type AreaUnits, buildUnits } from './units.js'

// From an area's geometry to its grids as polygons: units from the boundary, roads and
// buildings (units.ts), the grids over those units (partition.ts), each grid dissolved from its
// units exactly (dissolve.ts).

export type AreaPartitionInput = AreaInput &
  Omit<PartitionInput, 'units' | 'edges' | 'existing'> & {
    /** Today's grids: a unit belongs to the one holding its interior point; grids still in range are kept. */
    existing?: readonly { code: string; geometry: Polygon | MultiPolygon }[]
    /**
     * Grids to be written beside stored grids (a draft): cuts meeting the boundary move to its
     * corners (reconcile.ts), so no node lies off the stored edges.
     */
    cutsToCorners?: boolean
  }

export type GridProperties = Omit<PartitionGrid, 'units'> & { units: number }

export interface AreaPartition {
  /** One feature per grid, in coding order (`number`). */
  grids: FeatureCollection<Polygon | MultiPolygon, GridProperties>
  summary: PartitionSummary
  explanations: PartitionExplanation[]
  /** The units the grids are made of, with their grid number. */
  units: AreaUnits
  assignment: Record<string, number>
  /** With `existing`: today's grids with the households now counted in them (a recount shows here). */
  today: { code: string; households: number; in_range: boolean }[]
}

export async function partitionArea(db: Db, input: AreaPartitionInput): Promise<AreaPartition> {
  const { boundary, buildings, roads, existing, cutsToCorners, cuts: given, ...options } = input
  // Today's grid edges cut the units too, so a grid kept as it is has exactly its shape of today.
  const todayLines = (existing ?? []).flatMap(({ geometry }) => polygonsOf(geometry).flat())
  const cuts: LineString[] = [
    ...(given ?? []).flatMap((line) =>
      line.type === 'LineString' ? [line] : line.coordinates.map((coordinates): LineString => ({ type: 'LineString', coordinates })),
    ),
    ...todayLines.map((coordinates): LineString => ({ type: 'LineString', coordinates })),
  ]
  const units = await buildUnits(db, { boundary, buildings, ...(roads ? { roads } : {}), cuts })
  const today = existing && existing.length > 0 ? { existing: gridOfEachUnit(units, existing) } : {}
  const result = await partitionInThread({ ...options, ...today, units: units.units, edges: units.edges })
  const fitted = fitToBoundary(dissolve(units.units, result.assignment), boundary, {
    lines: cuts.map((line) => line.coordinates as Position[]),
    cutsToCorners: cutsToCorners ?? false,
  })
  const gridOf = buildingGrids(units, result.assignment, buildings, fitted)
  const households = new Map<number, number>()
  for (const [building, grid] of gridOf.entries())
    households.set(grid, (households.get(grid) ?? 0) + (buildings[building]?.households ?? 0))
  const { min, max } = options.range
  const features: Feature<Polygon | MultiPolygon, GridProperties>[] = result.grids.map((grid) => {
    const geometry = fitted.shapes.get(grid.number)
    if (!geometry) throw new Error(`grid ${grid.number} has no units`)
    const count = households.get(grid.number) ?? 0
    const inRange = count >= min && count <= max
    return { type: 'Feature', geometry, properties: { ...grid, households: count, in_range: inRange, units: grid.units.length } }
  })
  const inRangePct = Math.round((features.filter((f) => f.properties.in_range).length / Math.max(features.length, 1)) * 10_000) / 100
  const outOfRange = features.filter((f, i) => !f.properties.in_range && result.grids[i]?.in_range)
  const todayCounts = new Map<string, number>()
  for (const unit of units.units) {
    const code = today.existing?.[unit.id]
    if (code !== undefined) todayCounts.set(code, (todayCounts.get(code) ?? 0) + unit.households)
  }
  return {
    today: (existing ?? []).map(({ code }) => {
      const count = todayCounts.get(code) ?? 0
      return { code, households: count, in_range: count >= min && count <= max }
    }),
    grids: { type: 'FeatureCollection', features },
    summary: { ...result.summary, in_range_pct: inRangePct },
    explanations: [
      ...result.explanations,
      // A swing of a cut to a boundary corner can carry a building across: said like any other grid out of range.
      ...outOfRange.map(
        (f): PartitionExplanation => ({
          code: 'grid_out_of_range',
          grid: f.properties.number,
          households: f.properties.households,
          min,
          max,
        }),
      ),
      ...fitted.kept.map((node): PartitionExplanation => ({ code: 'boundary_node_kept', node })),
    ],
    units,
    assignment: result.assignment,
  }
}

/**
 * Polygons that are to be the units themselves (blocks with their households, rather than
 * buildings): their rings cut the area like roads that do not count as roads, and each stands for
 * one building at its interior point, so every face is one given polygon (or a piece of one that a
 * road crosses) with its households.
 */
export function unitPolygonsAsInput(units: readonly { geometry: Polygon | MultiPolygon; households: number }[]) {
  const buildings = units.map(({ geometry, households }) => ({ geometry, households }))
  const cuts: LineString[] = units.flatMap(({ geometry }) =>
    polygonsOf(geometry)
      .flat()
      .map((coordinates): LineString => ({ type: 'LineString', coordinates })),
  )
  return { buildings, cuts }
}

/** Building index → grid number: by unit, except buildings in a triangle a cut swung over, found in the grids' final shapes. */
function buildingGrids(units: AreaUnits, assignment: Record<string, number>, buildings: AreaInput['buildings'], fitted: ReconciledGrids) {
  const gridOf = new Map<number, number>()
  for (const unit of units.units) for (const building of unit.buildings) gridOf.set(building, assignment[unit.id] as number)
  if (fitted.swept.length === 0) return gridOf
  for (const [building, grid] of gridOf) {
    const geometry = buildings[building]?.geometry
    const point = geometry?.type === 'Point' ? (geometry.coordinates as Position) : geometry ? interiorPoint(geometry) : null
    if (!point || !fitted.swept.some((triangle) => inTriangle(point, triangle))) continue
    // The first grid (in number order) holding it, on its edge too: as ST_Covers would.
    const holder = [...fitted.shapes].find(([, shape]) => polygonsOf(shape).some((polygon) => pointInPolygon(point, polygon) !== false))
    gridOf.set(building, holder ? holder[0] : grid)
  }
  return gridOf
}

/** Unit id → the code of the existing grid holding the unit's interior point (units outside every grid are left out). */
function gridOfEachUnit(units: AreaUnits, existing: NonNullable<AreaPartitionInput['existing']>): Record<string, string> {
  const shapes = existing.map(({ code, geometry }) => ({ code, polygons: polygonsOf(geometry) }))
  const codes: Record<string, string> = {}
  for (const unit of units.units) {
    // Units are cut along today's grid edges, so a unit's interior point is inside one grid, never on an edge.
    const point = interiorPoint({ type: 'Polygon', coordinates: unit.polygon })
    const holder = point && shapes.find((shape) => shape.polygons.some((polygon) => pointInPolygon(point, polygon) === true))
    if (holder) codes[unit.id] = holder.code
  }
  return codes
}
