// The demo county's reference layers, derived from its regions: roads (道路) and water (水系).
//
// In real counties township and village boundaries follow roads and rivers, and grid edges follow
// those boundaries, so the roads here run along them:
// - 县道 along every boundary two townships share (one road per pair of townships, numbered X001…);
// - 乡道 and 村道 along two thirds of the boundaries two communities of one township share (the pair's
//   hash picks which, so the choice is stable), numbered Y001… and C001…;
// - a few straight-ish 乡道 links between township seats cross the country (follow no boundary);
// - 街巷 (streets) along every boundary two of the seeded grids of one community share: grids are
//   drawn along streets, and without streets inside a community the auto-partition's road share
//   could not be measured on the demo (scripts/bench/partition-area.ts), numbered J001….
// The river 清水河 is a sinuous line crossing the county west → east, cut to the county outline.
// Everything is a pure function of the region boundaries, so seeding reads them back from the
// database and gives the same layers every time (server/demo/reference-layers.ts).

import type { MultiPolygon, Position } from 'geojson'
import type { ReferenceFeatureInput } from '../reference/reference.repository.js'
import { pointInRing } from './lattice.js'
import { hashString } from './random.js'

export interface BoundaryRegion {
  code: string
  level: number
  boundary: MultiPolygon
}

/** A grid as the seed wrote it: its code (community code + 3 digits) and its boundary. */
export interface BoundaryGrid {
  code: string
  boundary: MultiPolygon
}

export interface DemoReferenceLayers {
  roads: ReferenceFeatureInput[]
  water: ReferenceFeatureInput[]
}

const key = (p: Position) => `${p[0]},${p[1]}`

/** Shared boundary segments by the pair of regions (or grids) on either side ("A|B", A < B). */
function sharedEdges(regions: readonly Omit<BoundaryRegion, 'level'>[]): Map<string, [Position, Position][]> {
  const owners = new Map<string, { a: Position; b: Position; codes: string[] }>()
  for (const region of regions) {
    for (const polygon of region.boundary.coordinates) {
      for (const ring of polygon) {
        for (let i = 0; i + 1 < ring.length; i++) {
          const [a, b] = [ring[i] as Position, ring[i + 1] as Position]
          const segmentKey = key(a) < key(b) ? `${key(a)};${key(b)}` : `${key(b)};${key(a)}`
          const entry = owners.get(segmentKey)
          if (entry) entry.codes.push(region.code)
          else owners.set(segmentKey, { a, b, codes: [region.code] })
        }
      }
    }
  }
  const byPair = new Map<string, [Position, Position][]>()
  for (const { a, b, codes } of owners.values()) {
    if (codes.length !== 2) continue
    const pair = [...codes].sort().join('|')
    const list = byPair.get(pair) ?? []
    list.push([a, b])
    byPair.set(pair, list)
  }
  return byPair
}

/** Joins segments into the fewest polylines: walks from ends (vertices not of degree 2), then loops. */
export function chainSegments(segments: readonly [Position, Position][]): Position[][] {
  const adjacent = new Map<string, { point: Position; next: { to: Position; edge: number }[] }>()
  const link = (from: Position, to: Position, edge: number) => {
    const node = adjacent.get(key(from)) ?? { point: from, next: [] }
    node.next.push({ to, edge })
    adjacent.set(key(from), node)
  }
  segments.forEach(([a, b], edge) => {
    link(a, b, edge)
    link(b, a, edge)
  })
  const used = new Set<number>()
  const lines: Position[][] = []
  const walk = (start: Position) => {
    for (;;) {
      const node = adjacent.get(key(start))
      const step = node?.next.find((n) => !used.has(n.edge))
      if (!step) return
      used.add(step.edge)
      const line = [start, step.to]
      let at = step.to
      for (;;) {
        const here = adjacent.get(key(at))
        if (here?.next.length !== 2) break
        const onward = here.next.find((n) => !used.has(n.edge))
        if (!onward) break
        used.add(onward.edge)
        line.push(onward.to)
        at = onward.to
      }
      lines.push(line)
    }
  }
  for (const node of adjacent.values()) if (node.next.length !== 2) walk(node.point)
  for (const node of adjacent.values()) walk(node.point)
  return lines
}

function ringCentre(boundary: MultiPolygon): Position {
  const ring = boundary.coordinates[0]?.[0] ?? []
  const sum = ring.reduce((s, p) => [(s[0] ?? 0) + (p[0] ?? 0), (s[1] ?? 0) + (p[1] ?? 0)], [0, 0])
  return [(sum[0] ?? 0) / ring.length, (sum[1] ?? 0) / ring.length]
}

const round7 = (value: number) => Math.round(value * 1e7) / 1e7

/** A gently curved line from a to b (a quadratic bend of `bend` × its length), 16 segments. */
function bentLine(a: Position, b: Position, bend: number): Position[] {
  const [ax, ay, bx, by] = [a[0] ?? 0, a[1] ?? 0, b[0] ?? 0, b[1] ?? 0]
  const [cx, cy] = [(ax + bx) / 2 - (by - ay) * bend, (ay + by) / 2 + (bx - ax) * bend]
  return Array.from({ length: 17 }, (_, i) => {
    const t = i / 16
    const x = (1 - t) ** 2 * ax + 2 * (1 - t) * t * cx + t ** 2 * bx
    const y = (1 - t) ** 2 * ay + 2 * (1 - t) * t * cy + t ** 2 * by
    return [round7(x), round7(y)]
  })
}

function roadFeature(code: string, roadClass: string, line: Position[], follows: string): ReferenceFeatureInput {
  return { geometry: { type: 'LineString', coordinates: line }, name: code, class: roadClass, properties: { code, follows } }
}

const inCounty = (county: MultiPolygon, p: Position) => county.coordinates.some(([outer]) => outer !== undefined && pointInRing(p, outer))

/** The river: a sum of two sines across the county's width, kept where it is inside the county. */
function river(county: MultiPolygon): Position[][] {
  const all = county.coordinates.flatMap((polygon) => polygon[0] ?? [])
  const xs = all.map((p) => p[0] ?? 0)
  const ys = all.map((p) => p[1] ?? 0)
  const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)]
  const height = maxY - minY
  const runs: Position[][] = []
  let run: Position[] = []
  for (let i = 0; i <= 600; i++) {
    const x = minX - 0.01 + ((maxX - minX + 0.02) * i) / 600
    const u = (x - minX) / (maxX - minX)
    const y = minY + height * (0.42 + 0.12 * Math.sin(u * Math.PI * 3.1) + 0.04 * Math.sin(u * Math.PI * 11 + 0.7))
    const point = [round7(x), round7(y)]
    if (inCounty(county, point)) run.push(point)
    else if (run.length > 0) {
      if (run.length > 1) runs.push(run)
      run = []
    }
  }
  if (run.length > 1) runs.push(run)
  return runs
}

export function demoReferenceLayers(regions: readonly BoundaryRegion[], grids: readonly BoundaryGrid[] = []): DemoReferenceLayers {
  const sorted = [...regions].sort((a, b) => a.code.localeCompare(b.code))
  const townships = sorted.filter((r) => r.level === 4)
  const communities = sorted.filter((r) => r.level === 5)
  const county = sorted.find((r) => r.level === 3)
  const roads: ReferenceFeatureInput[] = []

  let countyRoad = 0
  for (const [, segments] of sharedEdges(townships)) {
    const code = `X${String(++countyRoad).padStart(3, '0')}`
    for (const line of chainSegments(segments)) roads.push(roadFeature(code, '县道', line, 'township_boundary'))
  }

  const numbers = { 乡道: 0, 村道: 0 }
  for (const [pair, segments] of sharedEdges(communities)) {
    const [a, b] = pair.split('|')
    if (a?.slice(0, 9) !== b?.slice(0, 9)) continue // a township boundary: already a 县道
    const choice = hashString(pair) % 3
    if (choice === 0) continue
    const roadClass = choice === 1 ? '乡道' : '村道'
    const code = `${roadClass === '乡道' ? 'Y' : 'C'}${String(++numbers[roadClass]).padStart(3, '0')}`
    for (const line of chainSegments(segments)) roads.push(roadFeature(code, roadClass, line, 'community_boundary'))
  }

  // Links between township seats two apart in code order (neighbours' seats are joined by the 县道).
  for (let i = 0; i + 2 < townships.length; i += 2) {
    const [from, to] = [townships[i], townships[i + 2]]
    if (!from || !to) continue
    const code = `Y${String(++numbers.乡道).padStart(3, '0')}`
    roads.push(roadFeature(code, '乡道', bentLine(ringCentre(from.boundary), ringCentre(to.boundary), 0.12), 'none'))
  }

  // Streets between the grids of one community (a segment three grids claim, at the planted
  // overlap, is no street; the community boundary already has its roads).
  let streets = 0
  for (const [pair, segments] of sharedEdges([...grids].sort((a, b) => a.code.localeCompare(b.code)))) {
    const [a, b] = pair.split('|')
    if (a?.slice(0, 12) !== b?.slice(0, 12)) continue
    const code = `J${String(++streets).padStart(3, '0')}`
    for (const line of chainSegments(segments)) roads.push(roadFeature(code, '街巷', line, 'grid_boundary'))
  }

  const water: ReferenceFeatureInput[] = county
    ? river(county.boundary).map((line) => ({
        geometry: { type: 'LineString' as const, coordinates: line },
        name: '清水河',
        class: '河流',
        properties: {},
      }))
    : []
  return { roads, water }
}
