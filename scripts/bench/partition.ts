import { existsSync, readFileSync } from 'node:fs'
import type { FeatureCollection, Geometry, Position } from 'geojson'
import { lattice } from '../../server/partition/layouts.js'
import { partition } from '../../server/partition/partition.js'
import type { PartitionEdge, PartitionInput, PartitionResult, PartitionUnit } from '../../server/partition/types.js'
import { DENVER_FILE } from './datasets.js'
import { type Entry, median, round1 } from './report.js'

// Auto-partition figures: the whole partition() call (seeds, repair, improvement, report) on a
// 50×50 lattice of blocks with county-like households (partition.2500.ms), and on Denver's 10,149
// census blocks with households = population / 2.5 and the adjacency read off their shared edges
// (partition.denver.ms). No database: the algorithm is pure. PySAL max-p is not in this project's
// stack; its measured 65.6 s for 2,500 units is stated in docs/partition.md, not run here.

export const PARTITION_FIGURES = ['partition.2500.ms', 'partition.denver.ms'] as const

export interface PartitionBenchOptions {
  wanted(name: string): boolean
  progress(message: string): void
  runs: number
}

const RANGE = { min: 200, max: 500 }
const EARTH_RADIUS_M = 6_371_008.8

/**
 * Denver's blocks as units and edges. Blocks share their boundary vertices exactly (the coverage
 * benchmark proves it by edge matching), so two blocks are adjacent where a segment occurs in
 * both; lengths and areas in metres on an equirectangular projection at the county's latitude
 * (under 0.1 % off across the county). Roads are not known from blocks: every edge is off-road.
 */
export function denverGraph(file = DENVER_FILE): { units: PartitionUnit[]; edges: PartitionEdge[] } | null {
  if (!existsSync(file)) return null
  const raw = JSON.parse(readFileSync(file, 'utf8')) as FeatureCollection<Geometry, Record<string, unknown>>
  const cosLat = Math.cos((39.74 * Math.PI) / 180)
  const project = (position: Position): [number, number] => [
    (((position[0] as number) * Math.PI) / 180) * EARTH_RADIUS_M * cosLat,
    (((position[1] as number) * Math.PI) / 180) * EARTH_RADIUS_M,
  ]
  const units: PartitionUnit[] = []
  const firstOwner = new Map<string, { unit: number; length: number }>()
  const shared = new Map<string, number>()
  raw.features.forEach((feature, index) => {
    const geometry = feature.geometry
    const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.type === 'MultiPolygon' ? geometry.coordinates : []
    let area = 0
    let perimeter = 0
    for (const rings of polygons) {
      rings.forEach((ring, r) => {
        let twiceArea = 0
        for (let k = 0; k + 1 < ring.length; k++) {
          const [ax, ay] = project(ring[k] as Position)
          const [bx, by] = project(ring[k + 1] as Position)
          twiceArea += ax * by - bx * ay
          const length = Math.hypot(bx - ax, by - ay)
          perimeter += length
          const p = `${ring[k]?.[0]},${ring[k]?.[1]}`
          const q = `${ring[k + 1]?.[0]},${ring[k + 1]?.[1]}`
          const key = p < q ? `${p};${q}` : `${q};${p}`
          const owner = firstOwner.get(key)
          if (!owner) firstOwner.set(key, { unit: index, length })
          else if (owner.unit !== index) {
            const pair = owner.unit < index ? `${owner.unit}|${index}` : `${index}|${owner.unit}`
            shared.set(pair, (shared.get(pair) ?? 0) + length)
          }
        }
        area += (r === 0 ? 1 : -1) * Math.abs(twiceArea / 2)
      })
    }
    const [x, y] = project([Number(feature.properties?.interior_lon), Number(feature.properties?.interior_lat)])
    units.push({
      id: String(feature.properties?.geoid),
      households: Math.round(Number(feature.properties?.population ?? 0) / 2.5),
      area,
      perimeter,
      x,
      y,
    })
  })
  const edges: PartitionEdge[] = [...shared].map(([pair, length]) => {
    const [a, b] = pair.split('|').map(Number) as [number, number]
    return { a: (units[a] as PartitionUnit).id, b: (units[b] as PartitionUnit).id, length, onRoad: false }
  })
  return { units, edges }
}

function describe(result: PartitionResult) {
  const { summary } = result
  const counts = new Map<string, number>()
  for (const explanation of result.explanations) counts.set(explanation.code, (counts.get(explanation.code) ?? 0) + 1)
  return {
    grids: summary.grids,
    in_range_pct: summary.in_range_pct,
    mean_polsby_popper: summary.mean_polsby_popper,
    road_boundary_share: summary.road_boundary_share,
    explanations: Object.fromEntries(counts),
    time_budget_reached: summary.time_budget_reached,
  }
}

function timeFigure(name: string, input: PartitionInput, options: PartitionBenchOptions, extra: Record<string, unknown>): Entry {
  const samples: number[] = []
  let last: PartitionResult | undefined
  for (let run = 0; run <= options.runs; run++) {
    const started = performance.now()
    last = partition(input)
    const ms = performance.now() - started
    if (run > 0) samples.push(ms)
    const { grids, in_range_pct, mean_polsby_popper, road_boundary_share } = last.summary
    options.progress(
      `  ${run === 0 ? 'warm-up' : `run ${run}/${options.runs}`} ${name}: ${ms.toFixed(0)} ms, ${grids} grids, ${in_range_pct} % in range, mean PP ${mean_polsby_popper}, road share ${road_boundary_share ?? '—'}`,
    )
  }
  return {
    name,
    value: round1(median(samples)),
    unit: 'ms',
    min: round1(Math.min(...samples)),
    max: round1(Math.max(...samples)),
    samples: samples.map(round1),
    ...extra,
    result: describe(last as PartitionResult),
  }
}

export function partitionBench(options: PartitionBenchOptions): { entries: Entry[]; skipped: string[] } {
  const entries: Entry[] = []
  const skipped: string[] = []
  if (options.wanted('partition.2500.ms')) {
    const layout = lattice({ columns: 50, rows: 50, seed: 2500 })
    const households = layout.units.reduce((sum, unit) => sum + unit.households, 0)
    options.progress(`partition.2500: 50×50 blocks of 100 m, roads every 5 blocks, ${households} households, range 200–500`)
    entries.push(
      timeFigure('partition.2500.ms', { ...layout, range: RANGE, seed: 1 }, options, {
        units: layout.units.length,
        edges: layout.edges.length,
        households,
        pysal_max_p_ms: 65_600,
      }),
    )
  }
  if (options.wanted('partition.denver.ms')) {
    const graph = denverGraph()
    if (!graph) {
      skipped.push(`partition.denver: skipped — ${DENVER_FILE} not found`)
    } else {
      const households = graph.units.reduce((sum, unit) => sum + unit.households, 0)
      options.progress(`partition.denver: ${graph.units.length} blocks, ${graph.edges.length} shared boundaries, ${households} households`)
      entries.push(
        timeFigure('partition.denver.ms', { ...graph, range: RANGE, seed: 1 }, options, {
          units: graph.units.length,
          edges: graph.edges.length,
          households,
        }),
      )
    }
  }
  return { entries, skipped }
}
