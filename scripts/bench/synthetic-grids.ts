import type { GridIndexBuilder } from '../../server/lookup/index/grid-index-builder.js'

// Synthetic grids for the lookup-index figures: a lattice of ~1 km cells whose shared sides are
// wavy polylines of `per` segments (the same vertices on both sides, so a valid coverage), 4 ×
// per + 1 vertices per ring. The source is one Float64Array of all rings plus the records, made
// before anything is timed: the figures are the index's own build time and memory.

export type GridRecordInput = Parameters<GridIndexBuilder['addGrid']>[0]

export interface SyntheticGrids {
  columns: number
  rows: number
  /** Flat x, y of every ring, closed, `ringValues` numbers each. */
  coords: Float64Array
  ringValues: number
  records: GridRecordInput[]
  /** minX, minY, maxX, maxY of the lattice. */
  bounds: [number, number, number, number]
}

export function syntheticGrids(columns = 400, rows = 250, options: { x0?: number; y0?: number; codePrefix?: string } = {}): SyntheticGrids {
  const size = 0.01
  const x0 = options.x0 ?? 108
  const y0 = options.y0 ?? 29
  const prefix = options.codePrefix ?? '99'
  const per = 20
  const amp = size * 0.02
  const wobble = (i: number, j: number, k: number, salt: number) => {
    const s = Math.sin(i * 12.9898 + j * 78.233 + k * 37.719 + salt * 4.581) * 43758.5453
    return (s - Math.floor(s) - 0.5) * 2 * amp
  }
  // Vertex k (0..per) of the horizontal lattice edge (i, j)→(i+1, j) and vertical (i, j)→(i, j+1).
  const hx = (i: number, _j: number, k: number) => x0 + (i + k / per) * size
  const hy = (i: number, j: number, k: number) => y0 + j * size + (k === 0 || k === per ? 0 : wobble(i, j, k, 1))
  const vx = (i: number, j: number, k: number) => x0 + i * size + (k === 0 || k === per ? 0 : wobble(i, j, k, 2))
  const vy = (_i: number, j: number, k: number) => y0 + (j + k / per) * size
  const ringValues = (4 * per + 1) * 2
  const coords = new Float64Array(columns * rows * ringValues)
  const records: GridRecordInput[] = []
  let n = 0
  const push = (x: number, y: number) => {
    coords[n++] = x
    coords[n++] = y
  }
  for (let j = 0; j < rows; j++) {
    for (let i = 0; i < columns; i++) {
      const first = n
      for (let k = 0; k < per; k++) push(hx(i, j, k), hy(i, j, k)) // bottom, west → east
      for (let k = 0; k < per; k++) push(vx(i + 1, j, k), vy(i + 1, j, k)) // east, south → north
      for (let k = per; k > 0; k--) push(hx(i, j + 1, k), hy(i, j + 1, k)) // top, east → west
      for (let k = per; k > 0; k--) push(vx(i, j, k), vy(i, j, k)) // west, north → south
      push(coords[first] as number, coords[first + 1] as number)
      const serial = j * columns + i + 1
      const region = `${prefix}${String(Math.floor(serial / 1000)).padStart(10, '0')}`
      records.push({
        code: `${region}${String(serial % 1000).padStart(3, '0')}`,
        name: `网格${serial}`,
        kind: 'comprehensive',
        region_code: region,
        households: 300,
        grid_head: null,
      })
    }
  }
  return { columns, rows, coords, ringValues, records, bounds: [x0, y0, x0 + columns * size, y0 + rows * size] }
}

/** Feeds the synthetic grids to a builder (one part, one ring each). */
export function addSyntheticGrids(builder: GridIndexBuilder, source: SyntheticGrids): void {
  const { coords, ringValues, records } = source
  for (let g = 0; g < records.length; g++) {
    builder.addGrid(records[g] as GridRecordInput)
    builder.beginPart()
    builder.addRing(coords, g * ringValues, (g + 1) * ringValues)
  }
}
