// Partitioning sets of lattice cells into contiguous regions: weighted k-means seeds, balanced
// region growing, and a rebalancing pass that moves boundary cells between neighbours.
// All of it is deterministic: ties are broken by cell index, never by iteration luck.

import type { Cell } from './lattice.js'
import { CellHeap } from './cell-heap.js'
import type { Random } from './random.js'

export interface GrowOptions {
  cells: readonly Cell[]
  /** The cells to partition (must be connected). */
  domain: readonly number[]
  seeds: readonly number[]
  weight: (cell: number) => number
  /** Relative target weight per region (same length as seeds). */
  targets: readonly number[]
  /** Priority of adding `cell` to region `region` (lower first). */
  priority: (region: number, cell: number) => number
}

/**
 * Grows one region from each seed, always extending the region that is least full relative to
 * its target. Returns region index per domain cell (Map cell → region).
 */
export function growRegions(options: GrowOptions): Map<number, number> {
  const { cells, domain, seeds, weight, targets, priority } = options
  const inDomain = new Set(domain)
  const owner = new Map<number, number>()
  const load = seeds.map(() => 0)
  const heaps = seeds.map(() => new CellHeap())
  const active = seeds.map(() => true)
  seeds.forEach((seed, region) => {
    if (!inDomain.has(seed)) throw new Error(`growRegions: seed ${seed} outside the domain`)
    if (owner.has(seed)) throw new Error(`growRegions: two regions share seed ${seed}`)
    owner.set(seed, region)
    load[region] = weight(seed)
  })
  seeds.forEach((seed, region) => {
    for (const n of (cells[seed] as Cell).neighbours) {
      if (inDomain.has(n) && !owner.has(n)) (heaps[region] as CellHeap).push(priority(region, n), n)
    }
  })
  for (;;) {
    let best = -1
    let bestFill = Number.POSITIVE_INFINITY
    for (let region = 0; region < seeds.length; region++) {
      if (!active[region]) continue
      const fill = (load[region] as number) / (targets[region] as number)
      if (fill < bestFill) {
        bestFill = fill
        best = region
      }
    }
    if (best < 0) break
    const heap = heaps[best] as CellHeap
    let taken: number | undefined
    while (heap.size > 0) {
      const cell = heap.pop() as number
      if (!owner.has(cell)) {
        taken = cell
        break
      }
    }
    if (taken === undefined) {
      active[best] = false
      continue
    }
    owner.set(taken, best)
    load[best] = (load[best] as number) + weight(taken)
    for (const n of (cells[taken] as Cell).neighbours) {
      if (inDomain.has(n) && !owner.has(n)) heap.push(priority(best, n), n)
    }
  }
  if (owner.size !== inDomain.size) throw new Error(`growRegions: ${inDomain.size - owner.size} cells unreachable`)
  return owner
}

/**
 * Weighted k-means over cell centres (k-means++ start), returning one seed cell per cluster:
 * the domain cell nearest each final centroid. Dense areas get more seeds.
 */
export function kMeansSeeds(
  cells: readonly Cell[],
  domain: readonly number[],
  k: number,
  weight: (cell: number) => number,
  rng: Random,
  iterations = 12,
): number[] {
  if (k < 1 || k > domain.length) throw new Error(`kMeansSeeds: k=${k} for ${domain.length} cells`)
  const xs = domain.map((c) => (cells[c] as Cell).x)
  const ys = domain.map((c) => (cells[c] as Cell).y)
  const ws = domain.map((c) => weight(c))
  const centres: [number, number][] = []
  // k-means++: first centre weighted by w, then by w·d².
  const pickWeighted = (score: (i: number) => number): number => {
    let total = 0
    for (let i = 0; i < domain.length; i++) total += score(i)
    let target = rng.next() * total
    for (let i = 0; i < domain.length; i++) {
      target -= score(i)
      if (target <= 0) return i
    }
    return domain.length - 1
  }
  const first = pickWeighted((i) => ws[i] as number)
  centres.push([xs[first] as number, ys[first] as number])
  const nearest = domain.map(() => Number.POSITIVE_INFINITY)
  while (centres.length < k) {
    const [cx, cy] = centres[centres.length - 1] as [number, number]
    for (let i = 0; i < domain.length; i++) {
      const d = ((xs[i] as number) - cx) ** 2 + ((ys[i] as number) - cy) ** 2
      if (d < (nearest[i] as number)) nearest[i] = d
    }
    const i = pickWeighted((j) => (ws[j] as number) * (nearest[j] as number))
    centres.push([xs[i] as number, ys[i] as number])
  }
  for (let it = 0; it < iterations; it++) {
    const sx = centres.map(() => 0)
    const sy = centres.map(() => 0)
    const sw = centres.map(() => 0)
    for (let i = 0; i < domain.length; i++) {
      let best = 0
      let bestD = Number.POSITIVE_INFINITY
      for (let c = 0; c < k; c++) {
        const [cx, cy] = centres[c] as [number, number]
        const d = ((xs[i] as number) - cx) ** 2 + ((ys[i] as number) - cy) ** 2
        if (d < bestD) {
          bestD = d
          best = c
        }
      }
      const w = ws[i] as number
      sx[best] = (sx[best] as number) + w * (xs[i] as number)
      sy[best] = (sy[best] as number) + w * (ys[i] as number)
      sw[best] = (sw[best] as number) + w
    }
    for (let c = 0; c < k; c++) {
      const w = sw[c] as number
      if (w > 0) centres[c] = [(sx[c] as number) / w, (sy[c] as number) / w]
    }
  }
  const seeds: number[] = []
  const taken = new Set<number>()
  for (const [cx, cy] of centres) {
    let best = -1
    let bestD = Number.POSITIVE_INFINITY
    for (let i = 0; i < domain.length; i++) {
      const cell = domain[i] as number
      if (taken.has(cell)) continue
      const d = ((xs[i] as number) - cx) ** 2 + ((ys[i] as number) - cy) ** 2
      if (d < bestD) {
        bestD = d
        best = cell
      }
    }
    taken.add(best)
    seeds.push(best)
  }
  return seeds
}

/** True when `members` minus `removed` is still one connected piece. */
export function staysConnected(cells: readonly Cell[], members: ReadonlySet<number>, removed: number): boolean {
  if (members.size <= 1) return false
  let start = -1
  for (const n of (cells[removed] as Cell).neighbours) {
    if (members.has(n)) {
      start = n
      break
    }
  }
  if (start < 0) return false
  const seen = new Set<number>([start, removed])
  const stack = [start]
  while (stack.length > 0) {
    const at = stack.pop() as number
    for (const n of (cells[at] as Cell).neighbours) {
      if (members.has(n) && !seen.has(n)) {
        seen.add(n)
        stack.push(n)
      }
    }
  }
  return seen.size === members.size
}

/**
 * Moves boundary cells from heavier regions to lighter neighbours while that narrows the gap
 * between the two, keeping every region connected and the receiving region compact (the moved
 * cell must touch it on at least two sides).
 */
export function rebalance(
  cells: readonly Cell[],
  owner: Map<number, number>,
  regions: number,
  weight: (cell: number) => number,
  passes = 30,
): void {
  const members: Set<number>[] = Array.from({ length: regions }, () => new Set<number>())
  const load = new Array<number>(regions).fill(0)
  const order = [...owner.keys()].sort((a, b) => a - b)
  for (const cell of order) {
    const region = owner.get(cell) as number
    ;(members[region] as Set<number>).add(cell)
    load[region] = (load[region] as number) + weight(cell)
  }
  const mean = load.reduce((a, b) => a + b, 0) / regions
  for (let pass = 0; pass < passes; pass++) {
    let moved = 0
    for (const cell of order) {
      const from = owner.get(cell) as number
      const w = weight(cell)
      // Empty cells (no weight) only move towards a clearly underweight region: that lets it
      // reach across empty land to cells that carry weight, without endless shuffling.
      if (w <= 0 && (load[from] as number) < 0.85 * mean) continue
      // Count the cell's neighbours per neighbouring region.
      const touching = new Map<number, number>()
      for (const n of (cells[cell] as Cell).neighbours) {
        const region = owner.get(n)
        if (region !== undefined && region !== from) touching.set(region, (touching.get(region) ?? 0) + 1)
      }
      let to = -1
      for (const [region, count] of [...touching].sort((a, b) => a[0] - b[0])) {
        if (count < 2) continue
        const gap = (load[from] as number) - (load[region] as number)
        if (w <= 0 && (load[region] as number) >= 0.85 * mean) continue
        if (w < gap && (to < 0 || (load[region] as number) < (load[to] as number))) to = region
      }
      if (to < 0) continue
      if (!staysConnected(cells, members[from] as Set<number>, cell)) continue
      ;(members[from] as Set<number>).delete(cell)
      ;(members[to] as Set<number>).add(cell)
      load[from] = (load[from] as number) - w
      load[to] = (load[to] as number) + w
      owner.set(cell, to)
      moved++
    }
    if (moved === 0) break
  }
}

/**
 * Splits a connected set of cells into `k` connected parts of near-equal weight by recursive
 * bisection: each cut sweeps a front across the set's long axis (growing the first part cell by
 * cell in axis order, always through neighbours) until it holds its share of the weight. Pieces of
 * the remainder cut off by the sweep join the first part, so both parts stay connected.
 */
export function bisect(cells: readonly Cell[], domain: readonly number[], k: number, weight: (cell: number) => number): number[][] {
  if (k <= 1 || domain.length <= 1) return [domain.slice()]
  const at = (i: number): Cell => cells[i] as Cell
  const k1 = Math.floor(k / 2)
  const inDomain = new Set(domain)
  let mx = 0
  let my = 0
  for (const c of domain) {
    mx += at(c).x
    my += at(c).y
  }
  mx /= domain.length
  my /= domain.length
  let sxx = 0
  let syy = 0
  let sxy = 0
  for (const c of domain) {
    const dx = at(c).x - mx
    const dy = at(c).y - my
    sxx += dx * dx
    syy += dy * dy
    sxy += dx * dy
  }
  const angle = 0.5 * Math.atan2(2 * sxy, sxx - syy)
  let total = 0
  for (const c of domain) total += weight(c)
  const target = (total * k1) / k

  // Four candidate sweeps (long axis, short axis, from either end); the best balanced wins.
  let best: { first: Set<number>; second: number[]; miss: number } | undefined
  for (const [turn, sign] of [
    [0, 1],
    [0, -1],
    [Math.PI / 2, 1],
    [Math.PI / 2, -1],
  ] as const) {
    const cos = sign * Math.cos(angle + turn)
    const sin = sign * Math.sin(angle + turn)
    const candidate = sweep(at, domain, inDomain, (c) => at(c).x * cos + at(c).y * sin, weight, target)
    // Cutting across the short axis makes long thin parts: only when clearly better balanced.
    if (turn !== 0) candidate.miss *= 2
    if (!best || candidate.miss < best.miss) best = candidate
  }
  const { first, second } = best as { first: Set<number>; second: number[] }
  const firstList = domain.filter((c) => first.has(c))
  if (second.length === 0) return [firstList]
  const secondSorted = domain.filter((c) => !first.has(c))
  return [...bisect(cells, firstList, k1, weight), ...bisect(cells, secondSorted, k - k1, weight)]
}

/** One bisection sweep in the direction of increasing `projection`; see bisect. */
function sweep(
  at: (i: number) => Cell,
  domain: readonly number[],
  inDomain: ReadonlySet<number>,
  projection: (c: number) => number,
  weight: (cell: number) => number,
  target: number,
): { first: Set<number>; second: number[]; miss: number } {
  let start = domain[0] as number
  for (const c of domain) if (projection(c) < projection(start) || (projection(c) === projection(start) && c < start)) start = c
  const first = new Set<number>([start])
  let load = weight(start)
  const heap = new CellHeap()
  const queued = new Set<number>([start])
  const enqueue = (c: number): void => {
    for (const n of at(c).neighbours) {
      if (inDomain.has(n) && !queued.has(n)) {
        queued.add(n)
        heap.push(projection(n), n)
      }
    }
  }
  enqueue(start)
  while (heap.size > 0 && first.size < domain.length - 1) {
    const next = heap.peek() as number
    const w = weight(next)
    // Stop when taking the next cell would land further from the target than stopping here.
    if (load >= target || load + w - target > target - load) break
    heap.pop()
    first.add(next)
    load += w
    enqueue(next)
  }
  // The remainder may fall apart: keep its largest piece, give the others to the first part.
  const rest = domain.filter((c) => !first.has(c))
  const pieces: number[][] = []
  const seen = new Set<number>()
  for (const c of rest) {
    if (seen.has(c)) continue
    const piece: number[] = []
    const stack = [c]
    seen.add(c)
    while (stack.length > 0) {
      const cur = stack.pop() as number
      piece.push(cur)
      for (const n of at(cur).neighbours) {
        if (inDomain.has(n) && !first.has(n) && !seen.has(n)) {
          seen.add(n)
          stack.push(n)
        }
      }
    }
    pieces.push(piece)
  }
  pieces.sort((a, b) => b.length - a.length || (a[0] as number) - (b[0] as number))
  for (const piece of pieces.slice(1)) {
    for (const c of piece) {
      first.add(c)
      load += weight(c)
    }
  }
  const second = pieces[0] ?? []
  return { first, second, miss: second.length === 0 ? Number.POSITIVE_INFINITY : Math.abs(load - target) }
}
