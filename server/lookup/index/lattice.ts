import type Flatbush from 'flatbush'

// A lattice over the index's extent: each cell that no grid edge touches holds its answer (grid
// or -1), so most points need neither the tree nor a point-in-polygon test; the rest are MIXED.

/** A cell whose answer is not the same for all its points: ask the tree. */
export const MIXED = -2
const UNVISITED = -3
/** A cell an edge touches, while the lattice is built (MIXED when done). */
const EDGE = -4
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
 * fills the unmarked cells: a connected run of them contains no boundary, so one lookup of a
 * cell centre answers for all. Cells inside a dedicated grid stay MIXED (the slow path
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
        for (let cell = j * nx + i0, last = j * nx + i1; cell <= last; cell++) lattice[cell] = EDGE
      }
    }
  }
  // Row by row, each run of unvisited cells takes the answer of a cell above it that no edge
  // touches (two such cells side by side have no boundary between them, so they answer alike),
  // else one lookup at its first cell's centre — if that centre maps back to the cell. A scan in
  // memory order: the flood fill it replaced spent ~1 s of a province's build hopping over the
  // 8 M cells.
  for (let j = 0; j < ny; j++) {
    const row = j * nx
    for (let i = 0; i < nx; i++) {
      if (lattice[row + i] !== UNVISITED) continue
      let end = i
      while (end + 1 < nx && lattice[row + end + 1] === UNVISITED) end++
      let value = UNVISITED
      if (j > 0) {
        for (let k = row - nx + i, last = row - nx + end; k <= last; k++) {
          if (lattice[k] !== EDGE) {
            value = lattice[k] as number
            break
          }
        }
      }
      if (value === UNVISITED) {
        const cx = x0 + (i + 0.5) / invW
        const cy = y0 + (j + 0.5) / invH
        value = Math.floor((cx - x0) * invW) === i && Math.floor((cy - y0) * invH) === j ? answerAt(cx, cy) : MIXED
      }
      lattice.fill(value, row + i, row + end + 1)
      i = end
    }
  }
  // Cells an edge touches: ask the tree.
  for (let cell = 0; cell < lattice.length; cell++) if (lattice[cell] === EDGE) lattice[cell] = MIXED
  return { cells: lattice, x0, y0, invW, invH, nx, ny }
}
