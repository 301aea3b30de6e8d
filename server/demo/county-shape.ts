// Stage 2 of the demo generator: the county is the set of lattice cells inside a noisy ellipse
// (29.5 × 22 km), the connected part around the centre, with its holes filled.

import type { HexLattice } from './lattice.js'
import { dist } from './plan.js'
import { fractalNoise, type Random } from './random.js'

/** The county's cells, sorted by index. `rng` draws the phases of the outline's waves. */
export function countyCells(lattice: HexLattice, rng: Random, seedNumber: number): number[] {
  const phases = [0, 1, 2, 3].map(() => rng.range(0, 2 * Math.PI))
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
  const county = new Set<number>()
  // Connected component of the shape around the centre …
  const start = nearestCell(lattice, 0, 0)
  const stack = [start]
  county.add(start)
  while (stack.length > 0) {
    const at = stack.pop() as number
    for (const n of lattice.cell(at).neighbours) {
      if (!county.has(n) && inShape(lattice.cell(n).x, lattice.cell(n).y)) {
        county.add(n)
        stack.push(n)
      }
    }
  }
  // … with its holes filled: cells not reachable from the lattice edge join the county.
  const outside = new Set<number>()
  const edge = lattice.cells.filter((c) => c.neighbours.length < 6 && !county.has(c.index)).map((c) => c.index)
  for (const e of edge) outside.add(e)
  const todo = [...edge]
  while (todo.length > 0) {
    const at = todo.pop() as number
    for (const n of lattice.cell(at).neighbours) {
      if (!county.has(n) && !outside.has(n)) {
        outside.add(n)
        todo.push(n)
      }
    }
  }
  for (const c of lattice.cells) if (!county.has(c.index) && !outside.has(c.index)) county.add(c.index)
  return [...county].sort((a, b) => a - b)
}

/** The cell whose centre is nearest (x, y) metres, among `among` when given; the lowest index on a tie. */
export function nearestCell(lattice: HexLattice, x: number, y: number, among?: ReadonlySet<number>): number {
  let best = -1
  let bestD = Number.POSITIVE_INFINITY
  for (const { index: c, x: cx, y: cy } of lattice.cells) {
    if (among && !among.has(c)) continue
    const d = dist(cx, cy, x, y)
    if (d < bestD) {
      bestD = d
      best = c
    }
  }
  return best
}
