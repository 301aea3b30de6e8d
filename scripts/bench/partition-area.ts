import type { LineString, MultiLineString, MultiPolygon, Position } from 'geojson'
import type { DatabaseHandle } from '../../server/db/connect.js'
import { generateDemoCounty } from '../../server/demo/generate.js'
import { demoReferenceLayers } from '../../server/demo/roads.js'
import { type AreaPartition, partitionArea } from '../../server/partition/area.js'
import { areaLayout } from '../../server/partition/area-layouts.js'
import type { PartitionEdge } from '../../server/partition/types.js'
import { localProjection, polygonMeasures } from '../../server/partition/unit-measures.js'
import { householdRangeFor } from '../../server/profiles/household-range.js'
import { profileForRegion } from '../../server/profiles/profiles.js'
import type { PolygonRings } from '../../server/validation/edge-match.js'
import { checkTiling, goalEntries, type GoalFigures, goalFigures, polygonsOf, type TilingCheck } from './partition-goals.js'
import { type Entry, median, round1 } from './report.js'

// partitionArea's figures: units polygonised in PostGIS from the boundary, roads and buildings,
// the partition over them, the grids dissolved — on the bench's engine.
// - partition.area_2500.ms: 2,500 building points in 8 clusters inside an irregular boundary with an
//   enclave, 4 roads and a river (server/partition/area-layouts.ts), range 200–500.
// - partition.demo.*: every community of the demo county (server/demo/: the generator's regions and
//   building points — what the seed writes to the regions and buildings tables — and the roads and
//   river of its reference layers, server/demo/roads.ts, the 街巷 between grids included), each in
//   its profile's household range; one pass over the county (the time is the sum), then the goals
//   over all its grids.

export const PARTITION_AREA_FIGURES = ['partition.area_2500.ms', 'partition.demo.ms'] as const

export interface PartitionAreaBenchOptions {
  wanted(name: string): boolean
  progress(message: string): void
  runs: number
}

const RANGE = { min: 200, max: 500 }

export async function partitionAreaBench(database: DatabaseHandle, options: PartitionAreaBenchOptions): Promise<Entry[]> {
  const entries: Entry[] = []
  const common = { engine: database.engine, postgis: database.capabilities.postgis }
  if (options.wanted('partition.area_2500.ms')) entries.push(await area2500(database, options, common))
  if (options.wanted('partition.demo.ms')) entries.push(...(await demoCounty(database, options, common)))
  return entries
}

async function area2500(database: DatabaseHandle, options: PartitionAreaBenchOptions, common: Record<string, unknown>): Promise<Entry> {
  const input = areaLayout(2500, { shape: 'irregular', enclave: true, roads: 4, river: true, buildings: 2500, clusters: 8 })
  options.progress(
    'partition.area_2500: 2,500 buildings in 8 clusters, irregular boundary with an enclave, 4 roads and a river, range 200–500',
  )
  const samples: number[] = []
  const partitionMs: number[] = []
  let last: AreaPartition | undefined
  for (let run = 0; run <= options.runs; run++) {
    const started = performance.now()
    last = await partitionArea(database.kysely, { ...input, range: RANGE, seed: 1 })
    const ms = performance.now() - started
    if (run > 0) {
      samples.push(ms)
      partitionMs.push(last.summary.ms)
    }
    options.progress(
      `  ${run === 0 ? 'warm-up' : `run ${run}/${options.runs}`} partition.area_2500.ms: ${ms.toFixed(0)} ms (partition ${last.summary.ms} ms), ${last.units.units.length} units, ${last.summary.grids} grids, ${last.summary.in_range_pct} % in range`,
    )
  }
  const result = last as AreaPartition
  const value = round1(median(samples))
  const partition = round1(median(partitionMs))
  return {
    name: 'partition.area_2500.ms',
    value,
    unit: 'ms',
    ...common,
    min: round1(Math.min(...samples)),
    max: round1(Math.max(...samples)),
    samples: samples.map(round1),
    // No outside baseline does this job; the split shows what the database's part costs.
    steps_ms: { partition, units_and_dissolve: round1(value - partition) },
    buildings: input.buildings.length,
    units: result.units.units.length,
    result: goalFigures(
      result.grids.features.map((grid) => grid.properties),
      result.summary,
      result.explanations,
    ),
  }
}

/** Road lines whose bounding box meets the area's (the rest cannot touch it). */
function roadsNear(boundary: MultiPolygon, roads: readonly LineString[]): LineString[] {
  const box = (positions: Position[]) => {
    const xs = positions.map((p) => p[0] ?? 0)
    const ys = positions.map((p) => p[1] ?? 0)
    return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)] as const
  }
  const [x0, y0, x1, y1] = box(boundary.coordinates.flat(2))
  return roads.filter((road) => {
    const [a0, b0, a1, b1] = box(road.coordinates)
    return a0 <= x1 && a1 >= x0 && b0 <= y1 && b1 >= y0
  })
}

/** Length between grids, and how much of it runs on a road or river. */
function boundaryLengths(edges: readonly PartitionEdge[], assignment: Readonly<Record<string, number>>) {
  let total = 0
  let onRoad = 0
  for (const edge of edges) {
    if (assignment[edge.a] === assignment[edge.b]) continue
    total += edge.length
    if (edge.onRoad) onRoad += edge.length
  }
  return { total, onRoad }
}

interface CommunityRun {
  code: string
  ms: number
  partitionMs: number
  buildings: number
  units: number
  goals: GoalFigures
  tiling: TilingCheck
  between: { total: number; onRoad: number }
  range: { min: number; max: number }
}

async function demoCounty(database: DatabaseHandle, options: PartitionAreaBenchOptions, common: Record<string, unknown>): Promise<Entry[]> {
  const county = generateDemoCounty()
  const layers = demoReferenceLayers(
    county.regions,
    county.grids.map((grid) => ({ code: grid.code, boundary: grid.geom })),
  )
  const lines = [...layers.roads, ...layers.water].flatMap((feature) => {
    const geometry = feature.geometry as LineString | MultiLineString
    return geometry.type === 'LineString'
      ? [geometry]
      : geometry.coordinates.map((coordinates) => ({ type: 'LineString' as const, coordinates }))
  })
  const communities = county.regions.filter((region) => region.level === 5)
  options.progress(
    `partition.demo: ${communities.length} communities, ${county.buildings.length} building points, ${layers.roads.length} roads and ${layers.water.length} river lines; one pass`,
  )
  const runs: CommunityRun[] = []
  for (const community of communities) {
    const buildings = county.buildings
      .filter((building) => building.regionCode === community.code)
      .map((building) => ({
        geometry: { type: 'Point' as const, coordinates: [building.lon, building.lat] },
        households: building.households,
      }))
    const { min, max } = householdRangeFor(profileForRegion(community.code), community.urbanRural)
    const started = performance.now()
    const result = await partitionArea(database.kysely, {
      boundary: community.boundary,
      buildings,
      roads: roadsNear(community.boundary, lines),
      range: { min, max },
      seed: 1,
    })
    const ms = performance.now() - started
    const tiling = await checkTiling(
      result.units.units.map((unit) => [unit.polygon]),
      result.grids.features.map((grid) => polygonsOf(grid.geometry)),
    )
    const goals = goalFigures(
      result.grids.features.map((grid) => grid.properties),
      result.summary,
      result.explanations,
    )
    const between = boundaryLengths(result.units.edges, result.assignment)
    runs.push({
      code: community.code,
      ms,
      partitionMs: result.summary.ms,
      buildings: buildings.length,
      units: result.units.units.length,
      goals,
      tiling,
      between,
      range: { min, max },
    })
    options.progress(
      `  ${community.code} ${community.name}: ${ms.toFixed(0)} ms, ${buildings.length} buildings, ${goals.grids} grids, ${goals.in_range_pct} % in range, PP ${goals.mean_polsby_popper}, road share ${between.total > 0 ? (between.onRoad / between.total).toFixed(3) : '—'}, gaps/overlaps ${tiling.gaps_overlaps}`,
    )
  }
  return demoEntries(runs, common, seededPolsbyPopper(county.grids.map((grid) => grid.geom)))
}

/**
 * Mean Polsby-Popper of the grids the demo seeds (drawn along the same cell edges the 街巷 follow):
 * the compactness today's grids have, beside the proposal's.
 */
function seededPolsbyPopper(grids: readonly MultiPolygon[]): number {
  let sum = 0
  for (const grid of grids) {
    const project = localProjection(grid)
    let area = 0
    let perimeter = 0
    for (const polygon of grid.coordinates) {
      const measures = polygonMeasures(polygon as PolygonRings, project)
      area += measures.area
      perimeter += measures.perimeter
    }
    sum += (4 * Math.PI * area) / perimeter ** 2
  }
  return Math.round((sum / grids.length) * 10000) / 10000
}

function demoEntries(runs: readonly CommunityRun[], common: Record<string, unknown>, seededMeanPolsbyPopper: number): Entry[] {
  const sum = (of: (run: CommunityRun) => number) => runs.reduce((total, run) => total + of(run), 0)
  const grids = sum((run) => run.goals.grids)
  const weighted = (of: (goals: GoalFigures) => number) =>
    grids === 0 ? 0 : Math.round((sum((run) => of(run.goals) * run.goals.grids) / grids) * 10000) / 10000
  const explanations: Record<string, number> = {}
  for (const run of runs) for (const [code, n] of Object.entries(run.goals.explanations)) explanations[code] = (explanations[code] ?? 0) + n
  const between = sum((run) => run.between.total)
  const goals: GoalFigures = {
    grids,
    in_range_pct: Math.round(weighted((g) => g.in_range_pct) * 100) / 100,
    unexplained_out_of_range: sum((run) => run.goals.unexplained_out_of_range),
    contiguous_pct: Math.round(weighted((g) => g.contiguous_pct) * 100) / 100,
    mean_polsby_popper: weighted((g) => g.mean_polsby_popper),
    road_boundary_share: between > 0 ? Math.round((sum((run) => run.between.onRoad) / between) * 10000) / 10000 : null,
    explanations,
  }
  const tiling: TilingCheck = {
    units_clean: runs.every((run) => run.tiling.units_clean),
    grids_clean: runs.every((run) => run.tiling.grids_clean),
    suspects: sum((run) => run.tiling.suspects),
    outline_differences: sum((run) => run.tiling.outline_differences),
    gaps_overlaps: sum((run) => run.tiling.gaps_overlaps),
  }
  const total = sum((run) => run.ms)
  const partition = sum((run) => run.partitionMs)
  const perCommunity = runs.map((run) => run.ms)
  return [
    {
      name: 'partition.demo.ms',
      value: round1(total),
      unit: 'ms',
      ...common,
      runs: 1,
      communities: runs.length,
      buildings: sum((run) => run.buildings),
      units: sum((run) => run.units),
      steps_ms: { partition: round1(partition), units_and_dissolve: round1(total - partition) },
      community_ms: { median: round1(median(perCommunity)), max: round1(Math.max(...perCommunity)) },
      result: { ...goals, tiling },
      ranges: [...new Set(runs.map((run) => `${run.range.min}–${run.range.max}`))],
    },
    ...goalEntries('partition.demo', goals, tiling, {
      roads: '县道/乡道/村道 on township and community boundaries, 乡道 links, 街巷 between seeded grids, the river',
      baselinePolsbyPopper: { name: 'partition.demo.seeded_grids.mean_polsby_popper', value: seededMeanPolsbyPopper },
    }),
  ]
}
