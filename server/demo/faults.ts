// Stage 5 of the demo generator: deliberate faults in the faulty township (FAULTY_TOWNSHIP_CODE),
// so that validation has something real to find (generate.ts lists them for the default seed):
//   - gap: one cell (with its buildings) is dropped from a grid: covered by the community, by no grid;
//   - overlap: one cell of a grid is also given to a neighbouring grid in its community;
//   - oversized: two adjacent grids are merged into one grid of > 500 households.

import type { Position } from 'geojson'
import { type DemoFaults, FAULTY_TOWNSHIP_CODE } from './county.js'
import type { CommunityDraft, GridDraft } from './divisions.js'
import type { HexLattice } from './lattice.js'
import { staysConnected } from './partition.js'
import { FAULTY_TOWNSHIP_INDEX, type HouseholdsOf, must, sumOf, townshipCode, TOWNSHIPS } from './plan.js'

/** Where the faults went, by cell and grid draft index. */
export interface PlantedFaults {
  gap: { cell: number; grid: number }
  overlap: { cell: number; owner: number; extra: number }
  oversized: { grid: number }
  /** The grid draft of each cell before the faults (the gap cell's grid included). */
  gridOfCell: Map<number, number>
}

/** What the fault stages share: the drafts, and the cells and grids already used by a fault. */
interface FaultScene {
  lattice: HexLattice
  grids: GridDraft[]
  hh: HouseholdsOf
  /** Community draft indexes of the faulty township, in draft order. */
  faultyCommunities: number[]
  gridsOfCommunity: (ci: number) => number[]
  gridOfCell: Map<number, number>
  communityOfCell: Map<number, number>
  /** Cells a later fault must not use (the gap cell and its neighbours, the overlap cell). */
  faultCells: Set<number>
  /** Grid drafts a fault changed. */
  used: Set<number>
}

/** Plants the three faults by changing the grid drafts in place; throws when one finds no place. */
export function plantFaults(
  lattice: HexLattice,
  communities: CommunityDraft[],
  grids: GridDraft[],
  hh: HouseholdsOf,
  seed: string,
): PlantedFaults {
  if (townshipCode(FAULTY_TOWNSHIP_INDEX) !== FAULTY_TOWNSHIP_CODE) throw new Error('faulty township index')
  const gridOfCell = new Map<number, number>()
  grids.forEach((g, gi) => {
    for (const c of g.cells) gridOfCell.set(c, gi)
  })
  const communityOfCell = new Map<number, number>()
  communities.forEach((community, ci) => {
    for (const c of community.cells) communityOfCell.set(c, ci)
  })
  const scene: FaultScene = {
    lattice,
    grids,
    hh,
    faultyCommunities: communities
      .map((c, i) => ({ c, i }))
      .filter(({ c }) => c.township === FAULTY_TOWNSHIP_INDEX)
      .map(({ i }) => i),
    gridsOfCommunity: (ci) =>
      grids
        .map((g, gi) => ({ g, gi }))
        .filter(({ g }) => g.community === ci)
        .map(({ gi }) => gi),
    gridOfCell,
    communityOfCell,
    faultCells: new Set(),
    used: new Set(),
  }
  const gap = dropGapCell(scene)
  const overlap = gap && shareOverlapCell(scene)
  const oversized = overlap && mergeOversizedPair(scene)
  if (!gap || !overlap || !oversized) {
    throw new Error(`demo generator: could not place every fault in ${FAULTY_TOWNSHIP_CODE} (seed ${seed})`)
  }
  return { gap, overlap, oversized, gridOfCell }
}

/** A cell of grid `gi` whose neighbours all lie in its community and touch another grid. */
function innerBorderCell(scene: FaultScene, gi: number): { cell: number; other: number } | undefined {
  const { lattice, hh, faultCells: avoid } = scene
  const g = must(scene.grids[gi], 'grid')
  const candidates = [...g.cells].filter((c) => !avoid.has(c) && hh(c) > 0).sort((a, b) => hh(b) - hh(a) || a - b)
  for (const c of candidates) {
    const ns = lattice.cell(c).neighbours
    if (ns.length < 6 || ns.some((n) => scene.communityOfCell.get(n) !== g.community || avoid.has(n))) continue
    const other = ns.map((n) => must(scene.gridOfCell.get(n), 'grid of cell')).find((o) => o !== gi)
    if (other === undefined) continue
    return { cell: c, other }
  }
  return undefined
}

/** Gap: the first community (by draft order) with ≥ 3 grids offering a droppable cell. */
function dropGapCell(scene: FaultScene): PlantedFaults['gap'] | undefined {
  for (const ci of scene.faultyCommunities) {
    const gs = scene.gridsOfCommunity(ci)
    if (gs.length < 3) continue
    for (const gi of gs) {
      const g = must(scene.grids[gi], 'grid')
      if (g.cells.size < 4) continue
      const found = innerBorderCell(scene, gi)
      if (!found || !staysConnected(scene.lattice.cells, g.cells, found.cell)) continue
      g.cells.delete(found.cell)
      scene.faultCells.add(found.cell)
      for (const n of scene.lattice.cell(found.cell).neighbours) scene.faultCells.add(n)
      scene.used.add(gi)
      return { cell: found.cell, grid: gi }
    }
  }
  return undefined
}

/** Overlap: preferably in another community of the township than the gap. */
function shareOverlapCell(scene: FaultScene): PlantedFaults['overlap'] | undefined {
  const { used } = scene
  const touched = (ci: number) => Number(scene.gridsOfCommunity(ci).some((g) => used.has(g)))
  const order = [...scene.faultyCommunities].sort((a, b) => touched(a) - touched(b))
  for (const ci of order) {
    for (const gi of scene.gridsOfCommunity(ci)) {
      if (used.has(gi)) continue
      const found = innerBorderCell(scene, gi)
      if (!found || used.has(found.other)) continue
      must(scene.grids[found.other], 'grid').cells.add(found.cell)
      scene.faultCells.add(found.cell)
      used.add(gi)
      used.add(found.other)
      return { cell: found.cell, owner: gi, extra: found.other }
    }
  }
  return undefined
}

/** Oversized: merge the adjacent pair of untouched grids with the most households (over 520). */
function mergeOversizedPair(scene: FaultScene): PlantedFaults['oversized'] | undefined {
  const grid = (gi: number) => must(scene.grids[gi], 'grid')
  let best: [number, number] | undefined
  let bestSum = 0
  for (const ci of scene.faultyCommunities) {
    const gs = scene.gridsOfCommunity(ci).filter((g) => !scene.used.has(g))
    for (const a of gs) {
      for (const b of gs) {
        if (b <= a) continue
        const touches = [...grid(a).cells].some((c) => scene.lattice.cell(c).neighbours.some((n) => grid(b).cells.has(n)))
        const sum = sumOf(grid(a).cells, scene.hh) + sumOf(grid(b).cells, scene.hh)
        if (touches && sum > bestSum) {
          bestSum = sum
          best = [a, b]
        }
      }
    }
  }
  if (!best || bestSum <= 520) return undefined
  const [a, b] = best
  for (const c of grid(b).cells) grid(a).cells.add(c)
  grid(b).cells.clear()
  return { grid: a }
}

/** The faults by code and place, once the grids have codes (`gridCode` by draft index). */
export function describeFaults(
  lattice: HexLattice,
  planted: PlantedFaults,
  grids: GridDraft[],
  hh: HouseholdsOf,
  communityCode: (ci: number) => string,
  gridCode: (gi: number) => string,
): DemoFaults {
  const { gap, overlap, oversized, gridOfCell } = planted
  const pointOf = (c: number): Position => lattice.toLonLat(lattice.cell(c).x, lattice.cell(c).y)
  const communityOf = (gi: number) => communityCode(must(grids[gi], 'grid').community)
  return {
    township: { code: FAULTY_TOWNSHIP_CODE, name: must(TOWNSHIPS[FAULTY_TOWNSHIP_INDEX], 'township').name },
    gap: {
      regionCode: communityOf(gap.grid),
      grid: gridCode(gap.grid),
      // A neighbour merged away by the oversized fault is reported as the grid it went into.
      neighbours: [
        ...new Set(
          lattice
            .cell(gap.cell)
            .neighbours.map((n) => gridOfCell.get(n))
            .filter((g): g is number => g !== undefined && g !== gap.grid)
            .map((g) => (must(grids[g], 'grid').cells.size > 0 ? gridCode(g) : gridCode(oversized.grid))),
        ),
      ].sort(),
      point: pointOf(gap.cell),
      areaM2: Math.round(lattice.areaOf(gap.cell)),
      households: hh(gap.cell),
    },
    overlap: {
      regionCode: communityOf(overlap.owner),
      grids: [gridCode(overlap.owner), gridCode(overlap.extra)],
      point: pointOf(overlap.cell),
      areaM2: Math.round(lattice.areaOf(overlap.cell)),
      households: hh(overlap.cell),
    },
    oversized: {
      regionCode: communityOf(oversized.grid),
      grid: gridCode(oversized.grid),
      households: sumOf(must(grids[oversized.grid], 'grid').cells, hh),
    },
  }
}
