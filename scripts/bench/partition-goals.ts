import type { MultiPolygon, Polygon } from 'geojson'
import type { PartitionExplanation, PartitionGrid, PartitionSummary } from '../../server/partition/types.js'
import { matchEdges, type OutlineRing, type PolygonRings } from '../../server/validation/edge-match.js'
import type { Entry } from './report.js'

// The auto-partition's goals measured on an answer, and written as bench figures: grids in range
// (each exception explained by a code), contiguous, mean Polsby-Popper, share of internal boundary
// on roads, and gaps/overlaps proved by the project's edge matching at tolerance 0 (as the
// partition tests do): the grids must be a clean coverage whose outline is exactly the units'.

export const polygonsOf = (geometry: Polygon | MultiPolygon): PolygonRings[] =>
  (geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates) as PolygonRings[]

export interface TilingCheck {
  /** The units themselves edge-match (no gap or overlap among them). */
  units_clean: boolean
  /** The grids edge-match. */
  grids_clean: boolean
  /** Grids in a gap or overlap (edge matching's suspects), 0 when clean. */
  suspects: number
  /** Directed outline edges in one outline and not the other (0: the grids cover exactly the units). */
  outline_differences: number
  /** Gaps and overlaps found: suspects + outline differences; 0 is the goal. */
  gaps_overlaps: number
}

function outlineEdges(rings: readonly OutlineRing[]): Set<string> {
  const edges = new Set<string>()
  for (const { ring } of rings) for (let i = 1; i < ring.length; i++) edges.add(`${ring[i - 1]}>${ring[i]}`)
  return edges
}

/** Grids against the units they are made of, both by edge matching at tolerance 0. */
export async function checkTiling(units: readonly PolygonRings[][], grids: readonly PolygonRings[][]): Promise<TilingCheck> {
  const unitMatch = await matchEdges(units.map((polygons, index) => ({ index, polygons })))
  const gridMatch = await matchEdges(grids.map((polygons, index) => ({ index, polygons })))
  const suspects = gridMatch.clean ? 0 : gridMatch.suspects.length
  let outlineDifferences = 0
  if (unitMatch.clean && gridMatch.clean) {
    const unitEdges = outlineEdges(unitMatch.rings)
    const gridEdges = outlineEdges(gridMatch.rings)
    for (const edge of unitEdges) if (!gridEdges.has(edge)) outlineDifferences++
    for (const edge of gridEdges) if (!unitEdges.has(edge)) outlineDifferences++
  }
  return {
    units_clean: unitMatch.clean,
    grids_clean: gridMatch.clean,
    suspects,
    outline_differences: outlineDifferences,
    gaps_overlaps: suspects + outlineDifferences,
  }
}

export interface GoalFigures {
  grids: number
  in_range_pct: number
  /** Grids out of range that no explanation names. */
  unexplained_out_of_range: number
  contiguous_pct: number
  mean_polsby_popper: number
  road_boundary_share: number | null
  explanations: Record<string, number>
}

/** The goals read off one partition answer. */
export function goalFigures(
  grids: readonly Pick<PartitionGrid, 'number' | 'in_range' | 'contiguous' | 'polsby_popper'>[],
  summary: PartitionSummary,
  explanations: readonly PartitionExplanation[],
): GoalFigures {
  const counts: Record<string, number> = {}
  const explained = new Set<number>()
  for (const explanation of explanations) {
    counts[explanation.code] = (counts[explanation.code] ?? 0) + 1
    const grid = (explanation as { grid?: unknown }).grid
    if (typeof grid === 'number') explained.add(grid)
    const many = (explanation as { grids?: unknown }).grids
    if (Array.isArray(many)) for (const g of many) if (typeof g === 'number') explained.add(g)
  }
  const outOfRange = grids.filter((grid) => !grid.in_range)
  return {
    grids: grids.length,
    in_range_pct: summary.in_range_pct,
    unexplained_out_of_range: outOfRange.filter((grid) => !explained.has(grid.number)).length,
    contiguous_pct: grids.length === 0 ? 100 : Math.round((grids.filter((g) => g.contiguous).length / grids.length) * 10000) / 100,
    mean_polsby_popper: summary.mean_polsby_popper,
    road_boundary_share: summary.road_boundary_share,
    explanations: counts,
  }
}

/** The goal figures as entries of their own (`<stem>.in_range_pct` …), beside the stem's `.ms`. */
export function goalEntries(
  stem: string,
  goals: GoalFigures,
  tiling: TilingCheck,
  notes: { roads?: string; baselinePolsbyPopper?: { name: string; value: number } } = {},
): Entry[] {
  return [
    {
      name: `${stem}.in_range_pct`,
      value: goals.in_range_pct,
      unit: '%',
      goal: 100,
      unexplained: goals.unexplained_out_of_range,
      explanations: goals.explanations,
    },
    { name: `${stem}.contiguous_pct`, value: goals.contiguous_pct, unit: '%', goal: 100 },
    {
      name: `${stem}.mean_polsby_popper`,
      value: goals.mean_polsby_popper,
      unit: 'ratio',
      goal: 0.35,
      ...(notes.baselinePolsbyPopper ? { baseline: notes.baselinePolsbyPopper } : {}),
    },
    ...(goals.road_boundary_share === null
      ? []
      : [
          {
            name: `${stem}.road_boundary_share`,
            value: goals.road_boundary_share,
            unit: 'ratio',
            goal: 0.7,
            ...(notes.roads ? { roads: notes.roads } : {}),
          },
        ]),
    { name: `${stem}.gaps_overlaps`, value: tiling.gaps_overlaps, unit: 'count', goal: 0, tiling },
  ]
}
