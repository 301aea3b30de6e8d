// Stage 4 of the demo generator: townships grow from fixed seeds (balanced by area); communities
// from weighted k-means seeds within each township (balanced by households); grids by recursive
// bisection of each community (balanced by households, partition.ts), their number set by a
// household target per urban/rural class, then rebalanced.

import type { UrbanRural } from './county.js'
import { nearestCell } from './county-shape.js'
import type { HexLattice } from './lattice.js'
import { bisect, growRegions, kMeansSeeds, rebalance } from './partition.js'
import { dist, GRID_TARGET, type HouseholdsOf, must, sumOf, TOWNSHIPS, type TownshipKind } from './plan.js'
import { fractalNoise, type Random } from './random.js'

export interface Townships {
  /** The seed cell of each township (its seat for towns and xiang), in TOWNSHIPS order. */
  seeds: number[]
  /** The cells of each township, in TOWNSHIPS order, by ascending index. */
  cells: number[][]
}

export interface CommunityDraft {
  /** Index in TOWNSHIPS. */
  township: number
  cells: number[]
  households: number
  areaKm2: number
  urbanRural: UrbanRural
  containsSeat: boolean
}

export interface GridDraft {
  /** Index of the community draft. */
  community: number
  cells: Set<number>
}

export function growTownships(lattice: HexLattice, countyCells: number[], seedNumber: number): Townships {
  const inCounty = new Set(countyCells)
  const seeds = TOWNSHIPS.map((t) => nearestCell(lattice, t.at[0], t.at[1], inCounty))
  const owner = growRegions({
    cells: lattice.cells,
    domain: countyCells,
    seeds,
    weight: () => 1,
    targets: TOWNSHIPS.map((t) => t.area),
    priority: (region, c) => {
      const [sx, sy] = must(TOWNSHIPS[region], 'township').at
      const { x, y } = lattice.cell(c)
      return dist(x, y, sx, sy) + 3000 * (fractalNoise(x / 3500, y / 3500, seedNumber + 97 * (region + 1)) - 0.5)
    },
  })
  const cells = TOWNSHIPS.map(() => [] as number[])
  for (const c of countyCells) must(cells[must(owner.get(c), 'township owner')], 'list').push(c)
  return { seeds, cells }
}

/** The communities of every township, township by township. `rng` forks a stream per township. */
export function growCommunities(
  lattice: HexLattice,
  townships: Townships,
  hh: HouseholdsOf,
  rng: Random,
  seedNumber: number,
): CommunityDraft[] {
  const drafts: CommunityDraft[] = []
  TOWNSHIPS.forEach((plan, t) => {
    const domain = must(townships.cells[t], 'township cells')
    const k = Math.min(14, Math.max(3, Math.round(sumOf(domain, hh) / plan.communityHouseholds)))
    const weight = (c: number): number => hh(c) + 0.8
    const seeds = kMeansSeeds(lattice.cells, domain, k, weight, rng.fork(plan.name))
    const owner = growRegions({
      cells: lattice.cells,
      domain,
      seeds,
      weight,
      targets: seeds.map(() => 1),
      priority: (region, c) => {
        const s = lattice.cell(must(seeds[region], 'seed'))
        const { x, y } = lattice.cell(c)
        return dist(x, y, s.x, s.y) + 600 * (fractalNoise(x / 1500, y / 1500, seedNumber + 31 * (t * 20 + region + 1)) - 0.5)
      },
    })
    const parts = seeds.map(() => [] as number[])
    for (const c of domain) must(parts[must(owner.get(c), 'owner')], 'part').push(c)
    const seatCell = plan.kind === 'town' || plan.kind === 'xiang' ? must(townships.seeds[t], 'seat') : -1
    for (const part of parts) {
      const households = sumOf(part, hh)
      const areaKm2 = part.reduce((sum, c) => sum + lattice.areaOf(c), 0) / 1e6
      const containsSeat = part.includes(seatCell)
      const urbanRural = communityClass(plan.kind, households / areaKm2, containsSeat)
      drafts.push({ township: t, cells: part, households, areaKm2, urbanRural, containsSeat })
    }
  })
  return drafts
}

/** 统计用城乡分类代码 of a community by its township's kind, its density (households/km²) and seat. */
export function communityClass(kind: TownshipKind, rho: number, containsSeat: boolean): UrbanRural {
  if (kind === 'street') return rho >= 1000 ? '111' : '112'
  if (kind === 'seat') return rho >= 1000 ? '111' : rho >= 350 ? '112' : '220'
  if (kind === 'town') return containsSeat ? '121' : rho >= 300 ? '122' : '220'
  return containsSeat ? '210' : '220'
}

/** How many grids a community of `households` gets: by the class's target, kept within ~215–480 a grid. */
export function gridCount(households: number, urbanRural: UrbanRural, cellCount: number): number {
  let k = Math.max(1, Math.round(households / GRID_TARGET[urbanRural]))
  if (households / k > 480) k++
  if (k > 1 && households / k < 215) k--
  return Math.min(k, cellCount)
}

export function cutGrids(lattice: HexLattice, communities: CommunityDraft[], hh: HouseholdsOf): GridDraft[] {
  const drafts: GridDraft[] = []
  communities.forEach((community, ci) => {
    const k = gridCount(community.households, community.urbanRural, community.cells.length)
    const parts = bisect(lattice.cells, community.cells, k, (c) => hh(c) + 0.2)
    const owner = new Map<number, number>()
    parts.forEach((part, region) => {
      for (const c of part) owner.set(c, region)
    })
    rebalance(lattice.cells, owner, parts.length, hh, 20)
    const final = parts.map(() => new Set<number>())
    for (const c of community.cells) must(final[must(owner.get(c), 'owner')], 'part').add(c)
    for (const part of final) drafts.push({ community: ci, cells: part })
  })
  return drafts
}
