// The demo county 示范县 (990101000000), generated deterministically from a seed string.
//
// How it is built (all in metres on a local plane around lon 113.0, lat 28.2, then projected):
// 1. A jittered hexagonal lattice (cells ~0.031 km², see lattice.ts). Every polygon below is a
//    union of whole cells, so county, townships, communities and grids tile exactly and share
//    boundaries vertex-for-vertex.
// 2. The county is the set of cells inside a noisy ellipse (29.5 × 22 km, 483 km²), holes filled.
// 3. A household density field (county seat, township seats, hilly south-east, clustered
//    hamlets) gives each cell its buildings: apartment blocks in town, 1–3-household houses in
//    the countryside. A grid's households are the sum of its buildings' households.
// 4. Townships grow from fixed seeds (balanced by area); communities from weighted k-means seeds
//    within each township (balanced by households); grids by recursive bisection of each
//    community (balanced by households, partition.ts), their number set by a household target per
//    urban/rural class (urban ~270, rural ~370), then rebalanced.
// 5. Deliberate faults, all in township 990101004000 白沙镇 (FAULTY_TOWNSHIP_CODE), so that
//    validation has something real to find:
//      - gap: one cell (with its buildings) is dropped from a grid: covered by the community, by
//        no grid;
//      - overlap: one cell of a grid is also given to a neighbouring grid in its community;
//      - oversized: two adjacent grids are merged into one grid of > 500 households.
//    The codes are computed, returned in `faults` and recorded in the summary that seedDemo
//    stores in app_meta 'demo_seeded'. With the default seed (DEMO_SEED; generate.test.ts pins
//    this list, so it cannot drift):
//      gap       荷塘村 990101004005: a 31 332 m² cell (14 households) at 112.9679804, 28.2640212
//                dropped from 990101004005004 荷塘村第四网格, between it and …001, …002;
//      overlap   杨柳村 990101004008: 990101004008001 杨柳村第一网格 and 990101004008003
//                杨柳村第三网格 share a 32 959 m² cell (14 households) at 113.0184355, 28.2431771;
//      oversized 双江村 990101004007: 990101004007002 双江村第二网格 has 759 households.
//
// Codes: townships 990101001000 … in the fixed order of TOWNSHIPS below; communities of a township
// are numbered urban (社区) first, then rural (村), and within each group — like grids within a
// community — in reading order (server/coding/reading-order.ts, the rule the server uses):
//   each unit's interior point is the centre of its lattice cell nearest the mean of its cell
//   centres (always inside the unit); points are cut into east–west rows 0.005° of latitude tall
//   (≈ 550 m); rows go north→south and, within a row, points go west→east.
// Grid code (cn-stat-15) = 12-digit community code + 3-digit sequence 001…

import type { MultiPolygon, Position } from 'geojson'
import { inReadingOrder } from '../coding/reading-order.js'
import { type Cell, HexLattice } from './lattice.js'
import { chineseNumber, COMMUNITY_ROOTS, GIVEN_NAMES, STREETS, SURNAMES, VILLAGE_ROOTS } from './names.js'
import { bisect, growRegions, kMeansSeeds, rebalance, staysConnected } from './partition.js'
import { fractalNoise, hashInts, hashString, Random } from './random.js'

export const DEMO_SEED = 'gridwork-demo-county-v1'
export const PROVINCE_CODE = '990000000000'
export const CITY_CODE = '990100000000'
export const COUNTY_CODE = '990101000000'
export const FAULTY_TOWNSHIP_CODE = '990101004000'
export const COUNT_DATE = '2026-06-30'
export const VALID_FROM = '2026-01-01'

export type UrbanRural = '111' | '112' | '121' | '122' | '210' | '220'

export interface DemoRegion {
  code: string
  name: string
  level: 1 | 2 | 3 | 4 | 5
  parentCode: string | null
  urbanRural: UrbanRural | null
  boundary: MultiPolygon
  households: number
  areaKm2: number
}

export interface DemoGrid {
  code: string
  name: string
  regionCode: string
  urbanRural: UrbanRural
  geom: MultiPolygon
  households: number
  population: number
  interiorPoint: Position
  areaKm2: number
  attributes: Record<string, unknown>
}

export interface DemoBuilding {
  regionCode: string
  address: string
  households: number
  lon: number
  lat: number
}

export interface DemoFaults {
  township: { code: string; name: string }
  gap: {
    regionCode: string
    /** The grid the cell was dropped from. */
    grid: string
    /** The other grids around the gap. */
    neighbours: string[]
    point: Position
    areaM2: number
    households: number
  }
  overlap: { regionCode: string; grids: [string, string]; point: Position; areaM2: number; households: number }
  oversized: { regionCode: string; grid: string; households: number }
}

export interface DemoCounty {
  seed: string
  countDate: string
  validFrom: string
  regions: DemoRegion[]
  grids: DemoGrid[]
  buildings: DemoBuilding[]
  faults: DemoFaults
}

type TownshipKind = 'street' | 'seat' | 'town' | 'xiang'

interface TownshipPlan {
  name: string
  kind: TownshipKind
  /** Seed (and, for towns, seat) position in metres from the county centre. */
  at: [number, number]
  /** Relative area. */
  area: number
  /** Households per community (target). */
  communityHouseholds: number
}

const TOWNSHIPS: readonly TownshipPlan[] = [
  { name: '东湖街道', kind: 'street', at: [500, 900], area: 1, communityHouseholds: 2600 },
  { name: '城关镇', kind: 'seat', at: [-3200, 300], area: 3, communityHouseholds: 2000 },
  { name: '青石镇', kind: 'town', at: [-8500, 5200], area: 3.3, communityHouseholds: 1300 },
  { name: '白沙镇', kind: 'town', at: [1500, 7500], area: 3.3, communityHouseholds: 1300 },
  { name: '花桥镇', kind: 'town', at: [8800, 3000], area: 3.3, communityHouseholds: 1300 },
  { name: '龙泉镇', kind: 'town', at: [-8000, -4500], area: 3.3, communityHouseholds: 1300 },
  { name: '石门乡', kind: 'xiang', at: [7500, -5800], area: 3.3, communityHouseholds: 1100 },
  { name: '桃源乡', kind: 'xiang', at: [-1000, -7800], area: 3, communityHouseholds: 1100 },
]

/** County seat (urban core) centre, metres. */
const CORE: [number, number] = [-1400, 700]

/** Household targets per grid by urban/rural class. */
const GRID_TARGET: Record<UrbanRural, number> = { '111': 270, '112': 300, '121': 300, '122': 330, '210': 360, '220': 370 }

const LATTICE = { lon0: 113.0, lat0: 28.2, size: 110, halfWidth: 16500, halfHeight: 14000, jitter: 0.22 }

interface CellBuilding {
  households: number
  x: number
  y: number
}

function dist(ax: number, ay: number, bx: number, by: number): number {
  return Math.hypot(ax - bx, ay - by)
}

function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`demo generator: missing ${what}`)
  return value
}

function pad3(n: number): string {
  if (n < 1 || n > 999) throw new Error(`sequence ${n} outside 001–999`)
  return String(n).padStart(3, '0')
}

export function generateDemoCounty(seed: string = DEMO_SEED): DemoCounty {
  const rng = new Random(seed)
  const seedNumber = hashString(seed)
  const lattice = new HexLattice({ ...LATTICE, seed: seedNumber })
  const cells = lattice.cells
  const cell = (i: number): Cell => must(cells[i], `cell ${i}`)

  // ---- 2. County shape -------------------------------------------------------------------------
  const shapeRng = rng.fork('shape')
  const phases = [0, 1, 2, 3].map(() => shapeRng.range(0, 2 * Math.PI))
  const [p0, p1, p2, p3] = phases as [number, number, number, number]
  const inShape = (x: number, y: number): boolean => {
    const theta = Math.atan2(y, x)
    const rho =
      1 +
      0.07 * Math.sin(2 * theta + p0) +
      0.05 * Math.sin(3 * theta + p1) +
      0.035 * Math.sin(5 * theta + p2) +
      0.02 * Math.sin(8 * theta + p3) +
      0.08 * (fractalNoise(x / 2500, y / 2500, seedNumber ^ 0x51) - 0.5)
    return Math.hypot(x / 13500, y / 11200) < rho
  }
  const nearestCell = (x: number, y: number, among?: ReadonlySet<number>): number => {
    let best = -1
    let bestD = Number.POSITIVE_INFINITY
    for (const { index: c, x: cx, y: cy } of cells) {
      if (among && !among.has(c)) continue
      const d = dist(cx, cy, x, y)
      if (d < bestD) {
        bestD = d
        best = c
      }
    }
    return best
  }
  const county = new Set<number>()
  {
    // Connected component of the shape around the centre …
    const start = nearestCell(0, 0)
    const stack = [start]
    county.add(start)
    while (stack.length > 0) {
      const at = stack.pop() as number
      for (const n of cell(at).neighbours) {
        if (!county.has(n) && inShape(cell(n).x, cell(n).y)) {
          county.add(n)
          stack.push(n)
        }
      }
    }
    // … with its holes filled: cells not reachable from the lattice edge join the county.
    const outside = new Set<number>()
    const edge = cells.filter((c) => c.neighbours.length < 6 && !county.has(c.index)).map((c) => c.index)
    for (const e of edge) outside.add(e)
    const todo = [...edge]
    while (todo.length > 0) {
      const at = todo.pop() as number
      for (const n of cell(at).neighbours) {
        if (!county.has(n) && !outside.has(n)) {
          outside.add(n)
          todo.push(n)
        }
      }
    }
    for (const c of cells) if (!county.has(c.index) && !outside.has(c.index)) county.add(c.index)
  }
  const countyCells = [...county].sort((a, b) => a - b)
  const countySet = new Set(countyCells)

  // ---- 3. Households and buildings -------------------------------------------------------------
  const seats = TOWNSHIPS.map((t) => t.at)
  const density = (x: number, y: number): number => {
    let d = 2400 * Math.exp(-((dist(x, y, CORE[0], CORE[1]) / 2300) ** 2))
    TOWNSHIPS.forEach((t, i) => {
      const [sx, sy] = must(seats[i], 'seat')
      if (t.kind === 'town') d += 900 * Math.exp(-((dist(x, y, sx, sy) / 750) ** 2))
      if (t.kind === 'xiang') d += 300 * Math.exp(-((dist(x, y, sx, sy) / 550) ** 2))
    })
    const hills = 0.55 * Math.exp(-((x - 7500) ** 2 + (y + 6000) ** 2) / 5500 ** 2)
    const terrain = Math.min(1.2, Math.max(0.05, 0.25 + 1.1 * fractalNoise(x / 7000, y / 7000, seedNumber ^ 0x7e) - hills))
    const cluster = Math.min(2.2, Math.max(0, (fractalNoise(x / 1200, y / 1200, seedNumber ^ 0xc1) - 0.36) * 3.2))
    return d + 250 * terrain * cluster
  }
  const cellKm2 = lattice.cellArea / 1e6
  const buildingsOf = new Map<number, CellBuilding[]>()
  const householdsOf = new Map<number, number>()
  const APARTMENT_SIZES = [12, 18, 24, 32, 36, 48, 54, 64, 72, 96]
  for (const c of countyCells) {
    const { x, y, q, r } = cell(c)
    const cellRng = new Random(hashInts(q, r, seedNumber ^ 0xb17d))
    const lambda = density(x, y) * cellKm2
    const sizes: number[] = []
    if (lambda >= 12) {
      if (cellRng.next() >= 0.08) {
        const max = lambda >= 50 ? 96 : lambda >= 30 ? 64 : 36
        const target = lambda * cellRng.range(0.8, 1.2)
        let total = 0
        for (;;) {
          const remaining = target - total
          if (remaining < 6) break
          const fits = APARTMENT_SIZES.filter((s) => s <= max && s <= remaining + 6)
          const size = fits.length > 0 ? cellRng.pick(fits) : 6 * Math.round(remaining / 6)
          sizes.push(size)
          total += size
        }
      }
    } else {
      const expected = lambda * cellRng.range(0.6, 1.4)
      let total = Math.floor(expected) + (cellRng.next() < expected - Math.floor(expected) ? 1 : 0)
      while (total > 0) {
        const roll = cellRng.next()
        const size = Math.min(total, roll < 0.7 ? 1 : roll < 0.95 ? 2 : 3)
        sizes.push(size)
        total -= size
      }
    }
    const list = sizes.map((households) => {
      const angle = cellRng.range(0, 2 * Math.PI)
      const radius = Math.sqrt(cellRng.next()) * 0.5 * lattice.size
      return { households, x: x + radius * Math.cos(angle), y: y + radius * Math.sin(angle) }
    })
    buildingsOf.set(c, list)
    householdsOf.set(
      c,
      list.reduce((sum, b) => sum + b.households, 0),
    )
  }
  const hh = (c: number): number => householdsOf.get(c) ?? 0

  // ---- 4a. Townships ---------------------------------------------------------------------------
  const townshipSeeds = TOWNSHIPS.map((t) => nearestCell(t.at[0], t.at[1], countySet))
  const townshipOwner = growRegions({
    cells,
    domain: countyCells,
    seeds: townshipSeeds,
    weight: () => 1,
    targets: TOWNSHIPS.map((t) => t.area),
    priority: (region, c) => {
      const [sx, sy] = must(TOWNSHIPS[region], 'township').at
      return (
        dist(cell(c).x, cell(c).y, sx, sy) +
        3000 * (fractalNoise(cell(c).x / 3500, cell(c).y / 3500, seedNumber + 97 * (region + 1)) - 0.5)
      )
    },
  })
  const townshipCells = TOWNSHIPS.map(() => [] as number[])
  for (const c of countyCells) must(townshipCells[must(townshipOwner.get(c), 'township owner')], 'list').push(c)

  // ---- 4b. Communities -------------------------------------------------------------------------
  interface CommunityDraft {
    township: number
    cells: number[]
    households: number
    areaKm2: number
    urbanRural: UrbanRural
    containsSeat: boolean
  }
  const communityDrafts: CommunityDraft[] = []
  const communityRng = rng.fork('communities')
  TOWNSHIPS.forEach((plan, t) => {
    const domain = must(townshipCells[t], 'township cells')
    const total = domain.reduce((sum, c) => sum + hh(c), 0)
    const k = Math.min(14, Math.max(3, Math.round(total / plan.communityHouseholds)))
    const weight = (c: number): number => hh(c) + 0.8
    const seeds = kMeansSeeds(cells, domain, k, weight, communityRng.fork(plan.name))
    const owner = growRegions({
      cells,
      domain,
      seeds,
      weight,
      targets: seeds.map(() => 1),
      priority: (region, c) => {
        const s = cell(must(seeds[region], 'seed'))
        return (
          dist(cell(c).x, cell(c).y, s.x, s.y) +
          600 * (fractalNoise(cell(c).x / 1500, cell(c).y / 1500, seedNumber + 31 * (t * 20 + region + 1)) - 0.5)
        )
      },
    })
    const parts = seeds.map(() => [] as number[])
    for (const c of domain) must(parts[must(owner.get(c), 'owner')], 'part').push(c)
    const seatCell = plan.kind === 'town' || plan.kind === 'xiang' ? must(townshipSeeds[t], 'seat') : -1
    for (const part of parts) {
      const households = part.reduce((sum, c) => sum + hh(c), 0)
      const areaKm2 = part.reduce((sum, c) => sum + lattice.areaOf(c), 0) / 1e6
      const rho = households / areaKm2
      const containsSeat = part.includes(seatCell)
      let urbanRural: UrbanRural
      if (plan.kind === 'street') urbanRural = rho >= 1000 ? '111' : '112'
      else if (plan.kind === 'seat') urbanRural = rho >= 1000 ? '111' : rho >= 350 ? '112' : '220'
      else if (plan.kind === 'town') urbanRural = containsSeat ? '121' : rho >= 300 ? '122' : '220'
      else urbanRural = containsSeat ? '210' : '220'
      communityDrafts.push({ township: t, cells: part, households, areaKm2, urbanRural, containsSeat })
    }
  })

  // ---- 4c. Grids -------------------------------------------------------------------------------
  interface GridDraft {
    community: number
    cells: Set<number>
  }
  const gridDrafts: GridDraft[] = []
  communityDrafts.forEach((community, ci) => {
    const target = GRID_TARGET[community.urbanRural]
    let k = Math.max(1, Math.round(community.households / target))
    if (community.households / k > 480) k++
    if (k > 1 && community.households / k < 215) k--
    k = Math.min(k, community.cells.length)
    const parts = bisect(cells, community.cells, k, (c) => hh(c) + 0.2)
    const owner = new Map<number, number>()
    parts.forEach((part, region) => {
      for (const c of part) owner.set(c, region)
    })
    rebalance(cells, owner, parts.length, hh, 20)
    const final = parts.map(() => new Set<number>())
    for (const c of community.cells) must(final[must(owner.get(c), 'owner')], 'part').add(c)
    for (const part of final) gridDrafts.push({ community: ci, cells: part })
  })

  // ---- 5. Deliberate faults in the faulty township ---------------------------------------------
  const faultyIndex = 3
  if (`990101${pad3(faultyIndex + 1)}000` !== FAULTY_TOWNSHIP_CODE) throw new Error('faulty township index')
  const gridOfCell = new Map<number, number>()
  gridDrafts.forEach((g, gi) => {
    for (const c of g.cells) gridOfCell.set(c, gi)
  })
  const faultyCommunities = communityDrafts
    .map((c, i) => ({ c, i }))
    .filter(({ c }) => c.township === faultyIndex)
    .map(({ i }) => i)
  const gridsOfCommunity = (ci: number): number[] =>
    gridDrafts.map((g, gi) => ({ g, gi })).filter(({ g }) => g.community === ci).map(({ gi }) => gi)
  const communityOfCell = new Map<number, number>()
  communityDrafts.forEach((community, ci) => {
    for (const c of community.cells) communityOfCell.set(c, ci)
  })
  /** A cell of grid `gi` whose neighbours all lie in its community and touch another grid. */
  const innerBorderCell = (gi: number, avoid: ReadonlySet<number>): { cell: number; other: number } | undefined => {
    const g = must(gridDrafts[gi], 'grid')
    const candidates = [...g.cells]
      .filter((c) => !avoid.has(c) && hh(c) > 0)
      .sort((a, b) => hh(b) - hh(a) || a - b)
    for (const c of candidates) {
      const ns = cell(c).neighbours
      if (ns.length < 6 || ns.some((n) => communityOfCell.get(n) !== g.community || avoid.has(n))) continue
      const other = ns.map((n) => must(gridOfCell.get(n), 'grid of cell')).find((o) => o !== gi)
      if (other === undefined) continue
      return { cell: c, other }
    }
    return undefined
  }
  const faultCells = new Set<number>()
  let gapFault: { cell: number; grid: number } | undefined
  let overlapFault: { cell: number; owner: number; extra: number } | undefined
  let oversizedFault: { grid: number } | undefined
  const used = new Set<number>()
  // Gap: the first community (by draft order) with ≥ 3 grids offering a droppable cell.
  for (const ci of faultyCommunities) {
    const gs = gridsOfCommunity(ci)
    if (gs.length < 3) continue
    for (const gi of gs) {
      const g = must(gridDrafts[gi], 'grid')
      if (g.cells.size < 4) continue
      const found = innerBorderCell(gi, faultCells)
      if (!found || !staysConnected(cells, g.cells, found.cell)) continue
      g.cells.delete(found.cell)
      gapFault = { cell: found.cell, grid: gi }
      faultCells.add(found.cell)
      for (const n of cell(found.cell).neighbours) faultCells.add(n)
      used.add(gi)
      break
    }
    if (gapFault) break
  }
  // Overlap: preferably in another community of the township.
  const overlapOrder = [...faultyCommunities].sort(
    (a, b) => Number(gridsOfCommunity(a).some((g) => used.has(g))) - Number(gridsOfCommunity(b).some((g) => used.has(g))),
  )
  for (const ci of overlapOrder) {
    for (const gi of gridsOfCommunity(ci)) {
      if (used.has(gi)) continue
      const found = innerBorderCell(gi, faultCells)
      if (!found || used.has(found.other)) continue
      must(gridDrafts[found.other], 'grid').cells.add(found.cell)
      overlapFault = { cell: found.cell, owner: gi, extra: found.other }
      faultCells.add(found.cell)
      used.add(gi)
      used.add(found.other)
      break
    }
    if (overlapFault) break
  }
  // Oversized: merge the adjacent pair of untouched grids with the most households.
  {
    const gridHouseholds = (gi: number): number => [...must(gridDrafts[gi], 'grid').cells].reduce((s, c) => s + hh(c), 0)
    let best: [number, number] | undefined
    let bestSum = 0
    for (const ci of faultyCommunities) {
      const gs = gridsOfCommunity(ci).filter((g) => !used.has(g))
      for (const a of gs) {
        for (const b of gs) {
          if (b <= a) continue
          const touches = [...must(gridDrafts[a], 'grid').cells].some((c) =>
            cell(c).neighbours.some((n) => must(gridDrafts[b], 'grid').cells.has(n)),
          )
          const sum = gridHouseholds(a) + gridHouseholds(b)
          if (touches && sum > bestSum) {
            bestSum = sum
            best = [a, b]
          }
        }
      }
    }
    if (best && bestSum > 520) {
      const [a, b] = best
      for (const c of must(gridDrafts[b], 'grid').cells) must(gridDrafts[a], 'grid').cells.add(c)
      must(gridDrafts[b], 'grid').cells.clear()
      oversizedFault = { grid: a }
    }
  }
  if (!gapFault || !overlapFault || !oversizedFault) {
    throw new Error(`demo generator: could not place every fault in ${FAULTY_TOWNSHIP_CODE} (seed ${seed})`)
  }
  const liveGrids = gridDrafts.map((g, gi) => ({ g, gi })).filter(({ g }) => g.cells.size > 0)

  // ---- Codes, names, geometry ------------------------------------------------------------------
  const interior = (members: Iterable<number>): Cell => {
    const list = [...members]
    const mx = list.reduce((s, c) => s + cell(c).x, 0) / list.length
    const my = list.reduce((s, c) => s + cell(c).y, 0) / list.length
    let best = must(list[0], 'member')
    let bestD = Number.POSITIVE_INFINITY
    for (const c of list) {
      const d = dist(cell(c).x, cell(c).y, mx, my)
      if (d < bestD || (d === bestD && c < best)) {
        bestD = d
        best = c
      }
    }
    return cell(best)
  }
  /** The numbering rule (see the header): the items in reading order of their interior points. */
  const rowOrder = <T>(items: T[], point: (item: T) => Cell): T[] =>
    inReadingOrder(items.map((item) => ({ item, point: lattice.toLonLat(point(item).x, point(item).y) as [number, number] }))).map(
      ({ item }) => item,
    )
  const areaKm2Of = (members: Iterable<number>): number => {
    let sum = 0
    for (const c of members) sum += lattice.areaOf(c)
    return sum / 1e6
  }

  const regions: DemoRegion[] = []
  const countyBoundary = lattice.union(countyCells)
  const countyHouseholds = countyCells.reduce((s, c) => s + hh(c), 0)
  const countyArea = areaKm2Of(countyCells)
  regions.push(
    { code: PROVINCE_CODE, name: '示范省', level: 1, parentCode: null, urbanRural: null, boundary: countyBoundary, households: countyHouseholds, areaKm2: countyArea },
    { code: CITY_CODE, name: '示范市', level: 2, parentCode: PROVINCE_CODE, urbanRural: null, boundary: countyBoundary, households: countyHouseholds, areaKm2: countyArea },
    { code: COUNTY_CODE, name: '示范县', level: 3, parentCode: CITY_CODE, urbanRural: null, boundary: countyBoundary, households: countyHouseholds, areaKm2: countyArea },
  )

  const nameRng = rng.fork('names')
  const townshipRoots = TOWNSHIPS.map((t) => t.name.slice(0, 2))
  const communityPool = nameRng.shuffle(COMMUNITY_ROOTS.filter((n) => !townshipRoots.includes(n)))
  const villagePool = nameRng.shuffle(VILLAGE_ROOTS.filter((n) => !townshipRoots.includes(n)))
  const usedNames = new Set<string>()
  const takeName = (pool: string[], suffix: string): string => {
    for (;;) {
      const root = pool.shift()
      if (root === undefined) throw new Error('demo generator: name pool exhausted')
      if (usedNames.has(root)) continue
      usedNames.add(root)
      return root + suffix
    }
  }
  const personName = (r: Random): string => r.pick(SURNAMES) + r.pick(GIVEN_NAMES)

  const communityCode = new Map<number, string>()
  const communityName = new Map<number, string>()
  const grids: DemoGrid[] = []
  const buildings: DemoBuilding[] = []
  const faultGridCode = new Map<number, string>()
  const populationRng = rng.fork('population')

  TOWNSHIPS.forEach((plan, t) => {
    const code = `990101${pad3(t + 1)}000`
    const members = must(townshipCells[t], 'township cells')
    regions.push({
      code,
      name: plan.name,
      level: 4,
      parentCode: COUNTY_CODE,
      urbanRural: null,
      boundary: lattice.union(members),
      households: members.reduce((s, c) => s + hh(c), 0),
      areaKm2: areaKm2Of(members),
    })
    const drafts = communityDrafts.map((d, i) => ({ d, i })).filter(({ d }) => d.township === t)
    const urban = rowOrder(
      drafts.filter(({ d }) => d.urbanRural.startsWith('1')),
      ({ d }) => interior(d.cells),
    )
    const rural = rowOrder(
      drafts.filter(({ d }) => d.urbanRural.startsWith('2')),
      ({ d }) => interior(d.cells),
    )
    ;[...urban, ...rural].forEach(({ d, i }, n) => {
      const cCode = `990101${pad3(t + 1)}${pad3(n + 1)}`
      const isUrban = d.urbanRural.startsWith('1')
      const suffix = isUrban ? '社区' : '村'
      const root = townshipRoots[t] as string
      // The seat community takes the township's name (白沙镇 → 白沙社区); others come from the pools.
      let cName: string
      if (d.containsSeat && !usedNames.has(root)) {
        usedNames.add(root)
        cName = root + suffix
      } else {
        cName = takeName(isUrban ? communityPool : villagePool, suffix)
      }
      communityCode.set(i, cCode)
      communityName.set(i, cName)
      regions.push({
        code: cCode,
        name: cName,
        level: 5,
        parentCode: code,
        urbanRural: d.urbanRural,
        boundary: lattice.union(d.cells),
        households: d.households,
        areaKm2: d.areaKm2,
      })

      // Buildings of the community, addressed in cell order north→south.
      const street = nameRng.shuffle(STREETS).slice(0, 3)
      const orderedCells = [...d.cells].sort((a, b) => cell(b).y - cell(a).y || cell(a).x - cell(b).x)
      let number = 0
      orderedCells.forEach((c) => {
        for (const b of buildingsOf.get(c) ?? []) {
          number++
          const [lon, lat] = lattice.toLonLat(b.x, b.y) as [number, number]
          const address = isUrban
            ? `示范县${plan.name}${cName}${street[Math.floor((number - 1) / 40) % street.length]}${number}号`
            : `示范县${plan.name}${cName}${1 + Math.floor((number - 1) / 45)}组${number}号`
          buildings.push({ regionCode: cCode, address, households: b.households, lon, lat })
        }
      })

      // Grids of the community.
      const mine = liveGrids.filter(({ g }) => g.community === i)
      rowOrder(mine, ({ g }) => interior(g.cells)).forEach(({ g, gi }, k) => {
        const seq = k + 1
        const gCode = cCode + pad3(seq)
        const households = [...g.cells].reduce((s, c) => s + hh(c), 0)
        const point = interior(g.cells)
        const interiorPoint = lattice.toLonLat(point.x, point.y)
        const staffRng = new Random(hashString(gCode) ^ seedNumber)
        faultGridCode.set(gi, gCode)
        grids.push({
          code: gCode,
          name: `${cName}第${chineseNumber(seq)}网格`,
          regionCode: cCode,
          urbanRural: d.urbanRural,
          geom: lattice.union(g.cells),
          households,
          population: Math.round(households * populationRng.range(2.6, 3.0)),
          interiorPoint,
          areaKm2: areaKm2Of(g.cells),
          attributes: {
            source: 'demo',
            urban_rural: d.urbanRural,
            interior_point: interiorPoint,
            grid_head: personName(staffRng),
            full_time_worker: personName(staffRng),
          },
        })
      })
    })
  })

  const gridCode = (gi: number): string => must(faultGridCode.get(gi), `code of grid draft ${gi}`)
  const pointOf = (c: number): Position => lattice.toLonLat(cell(c).x, cell(c).y)
  const gapCell = gapFault.cell
  const faults: DemoFaults = {
    township: { code: FAULTY_TOWNSHIP_CODE, name: must(TOWNSHIPS[faultyIndex], 'township').name },
    gap: {
      regionCode: must(communityCode.get(must(gridDrafts[gapFault.grid], 'grid').community), 'community code'),
      grid: gridCode(gapFault.grid),
      neighbours: [
        ...new Set(
          cell(gapCell)
            .neighbours.map((n) => gridOfCell.get(n))
            .filter((g): g is number => g !== undefined && g !== gapFault?.grid)
            .map((g) => (must(gridDrafts[g], 'grid').cells.size > 0 ? gridCode(g) : gridCode(oversizedFault?.grid ?? g))),
        ),
      ].sort(),
      point: pointOf(gapCell),
      areaM2: Math.round(lattice.areaOf(gapCell)),
      households: hh(gapCell),
    },
    overlap: {
      regionCode: must(communityCode.get(must(gridDrafts[overlapFault.owner], 'grid').community), 'community code'),
      grids: [gridCode(overlapFault.owner), gridCode(overlapFault.extra)],
      point: pointOf(overlapFault.cell),
      areaM2: Math.round(lattice.areaOf(overlapFault.cell)),
      households: hh(overlapFault.cell),
    },
    oversized: {
      regionCode: must(communityCode.get(must(gridDrafts[oversizedFault.grid], 'grid').community), 'community code'),
      grid: gridCode(oversizedFault.grid),
      households: [...must(gridDrafts[oversizedFault.grid], 'grid').cells].reduce((s, c) => s + hh(c), 0),
    },
  }

  regions.sort((a, b) => a.code.localeCompare(b.code))
  grids.sort((a, b) => a.code.localeCompare(b.code))
  return { seed, countDate: COUNT_DATE, validFrom: VALID_FROM, regions, grids, buildings, faults }
}
