import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { Polygon, Position } from 'geojson'

// Writes fixtures/providence/: one Providence ward as a township (its regions, from province to
// its one community, all with the ward's boundary) and its 2010 census blocks grouped into
// contiguous grids of about TARGET_GRIDS equal household counts (households ≈ population / 2.5).
// Each grid is the union of its blocks, built from the blocks' own edges: the blocks tile the
// ward exactly, vertex for vertex, so an edge two blocks of one grid share cancels out and the
// edges left are the grid's boundary — the same vertices its neighbours have on it.
//
//   npx tsx scripts/providence-fixture.ts [data folder, default ../shared/data/providence] [ward, default 6]

const [dataDir = '../shared/data/providence', wardArg = '6'] = process.argv.slice(2)
const WARD = Number(wardArg)
const TARGET_GRIDS = 12
const OUT = 'fixtures/providence'
// Codes in the demo province 99 (code allocation knows only real province prefixes and 99), under
// a county of its own, 990109, that the demo county 990101 does not use.
const PROVINCE = '990000000000'
const CITY = '990100000000'
const COUNTY = '990109000000'
const TOWNSHIP = `990109${String(WARD).padStart(3, '0')}000`
const COMMUNITY = `${TOWNSHIP.slice(0, 9)}001`

interface Block {
  geometry: Polygon
  population: number
  interior: Position
}

type Feature = { properties: Record<string, number>; geometry: Polygon | { type: 'MultiPolygon'; coordinates: Position[][][] } }
const read = (file: string) => JSON.parse(readFileSync(path.join(dataDir, file), 'utf8')) as { features: Feature[] }

function inRing([x = 0, y = 0]: Position, ring: Position[]): boolean {
  let inside = false
  for (let i = 0; i + 1 < ring.length; i++) {
    const [x1 = 0, y1 = 0] = ring[i] as Position
    const [x2 = 0, y2 = 0] = ring[i + 1] as Position
    if (y1 > y !== y2 > y && x < x1 + ((y - y1) * (x2 - x1)) / (y2 - y1)) inside = !inside
  }
  return inside
}

const ward = read('wards.geojson').features.find((f) => f.properties.ward === WARD)
if (ward?.geometry.type !== 'Polygon') throw new Error(`ward ${WARD} is not a polygon in ${dataDir}`)
const wardGeometry = ward.geometry
const blocks: Block[] = read('blocks-2010.geojson')
  .features.filter((f) => f.geometry.type === 'Polygon')
  .map((f) => ({
    geometry: f.geometry as Polygon,
    population: f.properties.population ?? 0,
    interior: [f.properties.interior_lon ?? 0, f.properties.interior_lat ?? 0],
  }))
  .filter((block) => inRing(block.interior, wardGeometry.coordinates[0] as Position[]))

const key = (p: Position) => `${p[0]},${p[1]}`
const edgesOf = (polygon: Polygon) =>
  polygon.coordinates.flatMap((ring) => ring.slice(0, -1).map((p, i) => [p, ring[i + 1] as Position] as [Position, Position]))

// Blocks sharing an edge are neighbours.
const owners = new Map<string, number[]>()
blocks.forEach((block, b) => {
  for (const [p, q] of edgesOf(block.geometry)) {
    const edge = [key(p), key(q)].sort().join('|')
    owners.set(edge, [...(owners.get(edge) ?? []), b])
  }
})
const neighbours = blocks.map(() => new Set<number>())
for (const pair of owners.values()) for (const a of pair) for (const b of pair) if (a !== b) neighbours[a]?.add(b)

// Grow groups from the west: each takes the unassigned neighbour nearest its seed until it has its share.
const households = (b: number) => Math.round((blocks[b]?.population ?? 0) / 2.5)
const share = blocks.reduce((sum, _, b) => sum + households(b), 0) / TARGET_GRIDS
const groupOf = blocks.map(() => -1)
const groups: number[][] = []
const distance = (a: number, b: number) =>
  Math.hypot((blocks[a]?.interior[0] ?? 0) - (blocks[b]?.interior[0] ?? 0), (blocks[a]?.interior[1] ?? 0) - (blocks[b]?.interior[1] ?? 0))
for (;;) {
  const free = blocks.map((_, b) => b).filter((b) => groupOf[b] === -1)
  if (free.length === 0) break
  const seed = free.reduce((west, b) => ((blocks[b]?.interior[0] ?? 0) < (blocks[west]?.interior[0] ?? 0) ? b : west))
  const group = [seed]
  groupOf[seed] = groups.length
  let total = households(seed)
  while (total < share) {
    const frontier = [...new Set(group.flatMap((b) => [...(neighbours[b] ?? [])]))].filter((b) => groupOf[b] === -1)
    if (frontier.length === 0) break
    const next = frontier.reduce((best, b) => (distance(seed, b) < distance(seed, best) ? b : best))
    group.push(next)
    groupOf[next] = groups.length
    total += households(next)
  }
  groups.push(group)
}
// A group left small (boxed in by others) joins its smallest neighbouring group.
const totalOf = (g: number) => (groups[g] ?? []).reduce((sum, b) => sum + households(b), 0)
for (let g = groups.length - 1; g >= 0; g--) {
  if (totalOf(g) >= share / 2) continue
  const around = [...new Set((groups[g] ?? []).flatMap((b) => [...(neighbours[b] ?? [])].map((n) => groupOf[n] as number)))].filter(
    (other) => other !== g,
  )
  if (around.length === 0) continue
  const into = around.reduce((small, other) => (totalOf(other) < totalOf(small) ? other : small))
  for (const b of groups[g] ?? []) groupOf[b] = into
  groups[into]?.push(...(groups[g] ?? []))
  groups.splice(g, 1)
  groupOf.forEach((owner, b) => {
    if (owner > g) groupOf[b] = owner - 1
  })
}

/** The union of blocks that share vertices exactly: directed edges a neighbour in the group runs backwards cancel. */
function unionOf(members: number[]): Polygon {
  const edges = members.flatMap((b) => edgesOf((blocks[b] as Block).geometry))
  const present = new Set(edges.map(([p, q]) => `${key(p)}>${key(q)}`))
  const outline = edges.filter(([p, q]) => !present.has(`${key(q)}>${key(p)}`))
  const from = new Map<string, [Position, Position][]>()
  for (const edge of outline) from.set(key(edge[0]), [...(from.get(key(edge[0])) ?? []), edge])
  const rings: Position[][] = []
  const used = new Set<[Position, Position]>()
  for (const start of outline) {
    if (used.has(start)) continue
    const ring = [start[0]]
    let edge = start
    while (!used.has(edge)) {
      used.add(edge)
      ring.push(edge[1])
      const next = (from.get(key(edge[1])) ?? []).find((e) => !used.has(e))
      if (!next) break
      edge = next
    }
    if (key(ring[0] as Position) !== key(ring.at(-1) as Position)) throw new Error('a group outline does not close')
    rings.push(ring)
  }
  const area = (ring: Position[]) =>
    ring
      .slice(0, -1)
      .reduce((sum, [x = 0, y = 0], i) => sum + x * ((ring[i + 1] as Position)[1] ?? 0) - ((ring[i + 1] as Position)[0] ?? 0) * y, 0) / 2
  const shells = rings.filter((ring) => area(ring) > 0)
  if (shells.length !== 1) throw new Error(`a group of ${members.length} blocks has ${shells.length} outer rings`)
  return { type: 'Polygon', coordinates: [shells[0] as Position[], ...rings.filter((ring) => area(ring) < 0)] }
}

const region = (code: string, name: string, level: number, urbanRural?: string) => ({
  type: 'Feature',
  properties: { code, name, level, ...(urbanRural ? { urban_rural: urbanRural } : {}) },
  geometry: wardGeometry,
})
const regions = [
  region(PROVINCE, 'Rhode Island (test)', 1),
  region(CITY, 'Providence County (test)', 2),
  region(COUNTY, 'Providence (test)', 3),
  region(TOWNSHIP, `Ward ${WARD} (test)`, 4, '121'),
  region(COMMUNITY, `Ward ${WARD} blocks (test)`, 5, '111'),
]
const grids = groups.map((members, g) => ({
  type: 'Feature',
  properties: {
    code: `${COMMUNITY}${String(g + 1).padStart(3, '0')}`,
    name: `Ward ${WARD} grid ${g + 1}`,
    region_code: COMMUNITY,
    households: members.reduce((sum, b) => sum + households(b), 0),
    population: members.reduce((sum, b) => sum + (blocks[b]?.population ?? 0), 0),
    count_date: '2010-04-01',
    blocks: members.length,
  },
  geometry: unionOf(members),
}))
const write = (name: string, features: unknown[]) =>
  writeFileSync(path.join(OUT, name), `${JSON.stringify({ type: 'FeatureCollection', features })}\n`)
write(`ward-${WARD}-regions.geojson`, regions)
write(`ward-${WARD}-grids.geojson`, grids)
console.log(
  `ward ${WARD}: ${blocks.length} blocks → ${grids.length} grids, households ${grids.map((g) => g.properties.households).join(', ')}`,
)
