import type Flatbush from 'flatbush'

// A lattice over the index's extent: each cell that no grid edge touches holds its answer (grid
// or -1), so most points need neither the tree nor a point-in-polygon test; the rest are MIXED.

/** A cell whose answer is not the same for all its points: ask the tree. */
export const MIXED = -2
const UNVISITED = -3
/** Lattice cells per polygon part, and at most this many cells (4 bytes each). */
const CELLS_PER_PART = 1024
const MAX_CELLS = 8 * 1024 * 1024

/** Cells row by row (values ≥ -1 are the answer for the whole cell, else MIXED) and their placement. */
export interface Lattice {
  cells: Int32Array
  x0: number
  y0: number
  invW: number
  invH: number
  nx: number
  ny: number
}

/**
 * Marks every lattice cell that an edge's bounding box touches (closed, slightly widened, with
 * the same arithmetic as the query, so a point on an edge always lands in a marked cell), then
 * flood-fills the unmarked cells: a connected run of them contains no boundary, so one lookup
 * of a cell centre answers for all. Cells inside a dedicated grid stay MIXED (the slow path
 * lists dedicated grids): `answerAt` gives a point's grid, -1 for none, or MIXED.
 */
export function buildLattice(
  tree: Flatbush,
  coords: Float64Array,
  ringStart: Uint32Array,
  parts: number,
  answerAt: (x: number, y: number) => number,
): Lattice | null {
  const width = tree.maxX - tree.minX
  const height = tree.maxY - tree.minY
  if (!(width > 0) || !(height > 0)) return null
  const cells = Math.min(MAX_CELLS, Math.max(4096, parts * CELLS_PER_PART))
  const nx = Math.max(1, Math.round(Math.sqrt((cells * width) / height)))
  const ny = Math.max(1, Math.round(cells / nx))
  const x0 = tree.minX
  const y0 = tree.minY
  const invW = nx / width
  const invH = ny / height
  const lattice = new Int32Array(nx * ny).fill(UNVISITED)
  const epsX = width * 1e-9
  const epsY = height * 1e-9
  const c = coords
  const rings = ringStart.length - 1
  for (let ring = 0; ring < rings; ring++) {
    const end = (ringStart[ring + 1] as number) * 2 - 2
    for (let i = (ringStart[ring] as number) * 2; i < end; i += 2) {
      const ax = c[i] as number
      const ay = c[i + 1] as number
      const bx = c[i + 2] as number
      const by = c[i + 3] as number
      const i0 = Math.max(0, Math.floor((Math.min(ax, bx) - epsX - x0) * invW))
      const i1 = Math.min(nx - 1, Math.floor((Math.max(ax, bx) + epsX - x0) * invW))
      const j0 = Math.max(0, Math.floor((Math.min(ay, by) - epsY - y0) * invH))
      const j1 = Math.min(ny - 1, Math.floor((Math.max(ay, by) + epsY - y0) * invH))
      for (let j = j0; j <= j1; j++) {
        for (let cell = j * nx + i0, last = j * nx + i1; cell <= last; cell++) lattice[cell] = MIXED
      }
    }
  }
  let stack = new Int32Array(1024)
  for (let start = 0; start < lattice.length; start++) {
    if (lattice[start] !== UNVISITED) continue
    // The answer at the cell centre — if the centre maps back to this cell — for its whole run.
    const ci = start % nx
    const cj = (start - ci) / nx
    const cx = x0 + (ci + 0.5) / invW
    const cy = y0 + (cj + 0.5) / invH
    let value = MIXED
    if (Math.floor((cx - x0) * invW) === ci && Math.floor((cy - y0) * invH) === cj) value = answerAt(cx, cy)
    let top = 0
    stack[top++] = start
    lattice[start] = value
    while (top > 0) {
      const cell = stack[--top] as number
      const i = cell % nx
      for (let k = 0; k < 4; k++) {
        const next = k === 0 ? (i > 0 ? cell - 1 : -1) : k === 1 ? (i < nx - 1 ? cell + 1 : -1) : k === 2 ? cell - nx : cell + nx
        if (next < 0 || next >= lattice.length || lattice[next] !== UNVISITED) continue
        lattice[next] = value
        if (top === stack.length) {
          const grown = new Int32Array(stack.length * 2)
          grown.set(stack)
          stack = grown
        }
        stack[top++] = next
      }
    }
  }
  return { cells: lattice, x0, y0, invW, invH, nx, ny }
}
