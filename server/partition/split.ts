import type { UnitGraph } from './graph.js'
import type { Random } from './random.js'

// Recursive spanning-tree bipartition (the ReCom move of GerryChain, with a variable number of
// parts): draw a random spanning tree of a connected region, cut one tree edge so that both sides
// can still be divided into grids inside the range, recurse. Road edges weigh more in the tree, so
// a tree crosses a road only where it must: the blocks between roads hang off few road edges, and
// cutting one of those puts the grid boundary on the road.

export interface SplitContext {
  graph: UnitGraph
  min: number
  max: number
  /** Scratch: local index of each unit in the region being split, −1 elsewhere (left so after each call). */
  local: Int32Array
}

export interface Bipartition {
  a: number[]
  b: number[]
  gridsA: number
  /** Both sides can be divided into the range by households alone (not yet proven by units). */
  feasible: boolean
}

/** Extra score of a cut whose tree edge is not on a road, in units of "one grid of imbalance". */
const OFF_ROAD_CUT_PENALTY = 0.3
/** Random jitter on the score, so seeds explore different equally good cuts. */
const CUT_JITTER = 0.05

/**
 * The number of grids for the side holding `h` of `total` households when the region is to make
 * `grids` grids, or −1 when no split count keeps both sides divisible into the range.
 */
export function gridsForSide(h: number, size: number, total: number, totalSize: number, grids: number, min: number, max: number): number {
  const rest = total - h
  const lo = Math.max(1, Math.ceil(h / max - 1e-9), grids - Math.floor(rest / min + 1e-9), grids - (totalSize - size))
  const hi = Math.min(grids - 1, Math.floor(h / min + 1e-9), grids - Math.ceil(rest / max - 1e-9), size)
  if (lo > hi) return -1
  const ideal = Math.round((h / total) * grids)
  return Math.min(hi, Math.max(lo, ideal))
}

/** Households outside the range when the side with `h` makes `gridsA` grids and the rest the others. */
function splitViolation(h: number, total: number, gridsA: number, grids: number, min: number, max: number): number {
  const rest = total - h
  const gridsB = grids - gridsA
  return Math.max(0, gridsA * min - h) + Math.max(0, h - gridsA * max) + Math.max(0, gridsB * min - rest) + Math.max(0, rest - gridsB * max)
}

/**
 * Splits a connected region into two connected sides meant to make `gridsA` and `grids − gridsA`
 * grids. Tries up to `tries` spanning trees for a feasible cut; otherwise returns the cut with the
 * fewest households outside the range (repair deals with it). Null when the region has one unit
 * or is not connected.
 */
export function bipartition(ctx: SplitContext, units: readonly number[], grids: number, rng: Random, tries: number): Bipartition | null {
  const { graph, min, max, local } = ctx
  const n = units.length
  if (n < 2 || grids < 2) return null
  let total = 0
  for (let i = 0; i < n; i++) {
    const u = units[i] as number
    local[u] = i
    total += graph.households[u] as number
  }
  // Edges inside the region, each once.
  const edgeA: number[] = []
  const edgeB: number[] = []
  const edgeRoad: number[] = []
  for (let i = 0; i < n; i++) {
    const u = units[i] as number
    for (let e = graph.offsets[u] as number; e < (graph.offsets[u + 1] as number); e++) {
      const j = local[graph.neighbours[e] as number] as number
      if (j > i) {
        edgeA.push(i)
        edgeB.push(j)
        edgeRoad.push(graph.onRoad[e] as number)
      }
    }
  }
  const weights = new Float64Array(edgeA.length)
  const order = new Int32Array(edgeA.length)
  const parentSet = new Int32Array(n)
  const treeOffsets = new Int32Array(n + 1)
  const treeNext = new Int32Array(2 * (n - 1))
  const treeRoad = new Uint8Array(2 * (n - 1))
  const treeA = new Int32Array(n - 1)
  const treeB = new Int32Array(n - 1)
  const treeR = new Uint8Array(n - 1)
  const bfs = new Int32Array(n)
  const parent = new Int32Array(n)
  const parentRoad = new Uint8Array(n)
  const sub = new Float64Array(n)
  const size = new Int32Array(n)
  const find = (x: number): number => {
    let root = x
    while (parentSet[root] !== root) root = parentSet[root] as number
    while (parentSet[x] !== root) {
      const next = parentSet[x] as number
      parentSet[x] = root
      x = next
    }
    return root
  }

  interface Cut {
    v: number
    gridsA: number
    score: number
    feasible: boolean
  }
  let best: Cut | null = null
  let bestBfs: Int32Array | null = null
  let bestParent: Int32Array | null = null
  for (let attempt = 0; attempt < tries; attempt++) {
    // Kruskal over random weights, road edges after all others.
    for (let e = 0; e < weights.length; e++) {
      weights[e] = rng.next() + (edgeRoad[e] as number)
      order[e] = e
    }
    order.sort((p, q) => (weights[p] as number) - (weights[q] as number))
    for (let i = 0; i < n; i++) parentSet[i] = i
    let treeEdges = 0
    for (let k = 0; k < order.length && treeEdges < n - 1; k++) {
      const e = order[k] as number
      const ra = find(edgeA[e] as number)
      const rb = find(edgeB[e] as number)
      if (ra === rb) continue
      parentSet[ra] = rb
      treeA[treeEdges] = edgeA[e] as number
      treeB[treeEdges] = edgeB[e] as number
      treeR[treeEdges] = edgeRoad[e] as number
      treeEdges++
    }
    if (treeEdges < n - 1) break // not connected: callers only split connected regions
    treeOffsets.fill(0)
    for (let t = 0; t < treeEdges; t++) {
      const a = (treeA[t] as number) + 1
      const b = (treeB[t] as number) + 1
      treeOffsets[a] = (treeOffsets[a] as number) + 1
      treeOffsets[b] = (treeOffsets[b] as number) + 1
    }
    for (let i = 0; i < n; i++) treeOffsets[i + 1] = (treeOffsets[i + 1] as number) + (treeOffsets[i] as number)
    const fill = treeOffsets.slice(0, n)
    for (let t = 0; t < treeEdges; t++) {
      const a = treeA[t] as number
      const b = treeB[t] as number
      const slotA = fill[a] as number
      const slotB = fill[b] as number
      treeNext[slotA] = b
      treeRoad[slotA] = treeR[t] as number
      treeNext[slotB] = a
      treeRoad[slotB] = treeR[t] as number
      fill[a] = slotA + 1
      fill[b] = slotB + 1
    }
    // Root it at a random unit; subtree households and sizes from the leaves up.
    const root = rng.below(n)
    parent.fill(-1)
    parent[root] = root
    bfs[0] = root
    let tail = 1
    for (let head = 0; head < tail; head++) {
      const i = bfs[head] as number
      for (let s = treeOffsets[i] as number; s < (treeOffsets[i + 1] as number); s++) {
        const j = treeNext[s] as number
        if (parent[j] !== -1) continue
        parent[j] = i
        parentRoad[j] = treeRoad[s] as number
        bfs[tail++] = j
      }
    }
    for (let i = 0; i < n; i++) {
      sub[i] = graph.households[units[i] as number] as number
      size[i] = 1
    }
    for (let k = n - 1; k > 0; k--) {
      const i = bfs[k] as number
      const p = parent[i] as number
      sub[p] = (sub[p] as number) + (sub[i] as number)
      size[p] = (size[p] as number) + (size[i] as number)
    }
    const mean = total / grids
    let found: Cut | null = null
    let fallback: Cut | null = null
    for (let k = 1; k < n; k++) {
      const v = bfs[k] as number
      const h = sub[v] as number
      const gridsA = gridsForSide(h, size[v] as number, total, n, grids, min, max)
      if (gridsA > 0) {
        const score =
          Math.abs(h - gridsA * mean) / mean +
          (parentRoad[v] ? 0 : OFF_ROAD_CUT_PENALTY) * (graph.hasRoads ? 1 : 0) +
          CUT_JITTER * rng.next()
        if (!found || score < found.score) found = { v, gridsA, score, feasible: true }
      } else if (!found) {
        const ideal = Math.min(grids - 1, Math.max(1, Math.round((h / total) * grids)))
        const score = splitViolation(h, total, ideal, grids, min, max)
        if (!fallback || score < fallback.score) fallback = { v, gridsA: ideal, score, feasible: false }
      }
    }
    const pick: Cut | null = found ?? fallback
    if (pick && (!best || (pick.feasible && !best.feasible) || (pick.feasible === best.feasible && pick.score < best.score))) {
      best = pick
      bestBfs = bfs.slice()
      bestParent = parent.slice()
    }
    if (found) break
  }
  for (const u of units) local[u] = -1
  if (!best || !bestBfs || !bestParent) return null
  // The side below the cut: units whose tree path to the root passes through best.v.
  const below = new Uint8Array(n)
  below[best.v] = 1
  const a: number[] = []
  const b: number[] = []
  for (let k = 0; k < n; k++) {
    const i = bestBfs[k] as number
    if (i !== best.v && k > 0 && below[bestParent[i] as number]) below[i] = 1
    if (below[i]) a.push(units[i] as number)
    else b.push(units[i] as number)
  }
  return { a, b, gridsA: best.gridsA, feasible: best.feasible }
}

/** Divides a connected region into `grids` connected parts, each meant to fall in the range. */
export function splitInto(ctx: SplitContext, units: number[], grids: number, rng: Random, tries = 8): number[][] {
  const parts: number[][] = []
  const stack: [number[], number][] = [[units, grids]]
  while (stack.length > 0) {
    const [region, count] = stack.pop() as [number[], number]
    const cut = count > 1 ? bipartition(ctx, region, count, rng, tries) : null
    if (!cut) {
      parts.push(region)
      continue
    }
    stack.push([cut.b, count - cut.gridsA], [cut.a, cut.gridsA])
  }
  return parts
}
