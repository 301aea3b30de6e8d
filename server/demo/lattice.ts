// A jittered hexagonal lattice whose cells share vertices exactly, and the exact union of any
// set of its cells.
//
// Every polygon of the demo county (county, townships, communities, grids) is a union of whole
// lattice cells. Each lattice vertex has an integer identity and its coordinates are computed
// once, so neighbouring polygons share their common boundary vertex-for-vertex: no floating-point
// clipping is involved anywhere.
//
// Why hexagons: every vertex of a hexagonal lattice touches exactly three cells, so the boundary
// of any set of cells passes through a vertex at most once. Boundary rings can therefore be
// chained without ambiguity (squares would create "pinch" vertices where two cells meet only at a
// corner), and rings of different parts never touch.
//
// Why the union is written here rather than taken from a library: turf.union (polyclip-ts) is a
// floating-point overlay — slow for ~20 000 cells and not guaranteed to return the input vertices
// unchanged; topojson-client's `merge` would be exact but is only a transitive dependency and needs
// a topology built first. On the lattice the union is plain edge cancellation: an edge of a cell is
// on the boundary when the cell across it is not in the set. That is ~60 lines below.

import type { MultiPolygon, Position } from 'geojson'
import { hashInts, unit } from './random.js'

export interface LatticeOptions {
  /** Longitude / latitude of the lattice origin (x = 0, y = 0). */
  lon0: number
  lat0: number
  /** Hexagon circumradius in metres. */
  size: number
  /** Half extents of the rectangle of cell centres, metres. */
  halfWidth: number
  halfHeight: number
  /** Vertex jitter radius as a fraction of `size` (< 0.3 keeps every cell simple). */
  jitter: number
  /** Seed for the jitter. */
  seed: number
}

export interface Cell {
  index: number
  q: number
  r: number
  /** Centre in metres east / north of the origin. */
  x: number
  y: number
  /** Integer vertex ids in counter-clockwise order. */
  vertices: number[]
  /** Indexes of the neighbouring cells that exist in the lattice. */
  neighbours: number[]
  /** The cell across each edge (vertices[i] → vertices[i + 1]), or -1 outside the lattice. */
  sides: number[]
}

const SQRT3 = Math.sqrt(3)
// Corner offsets of a pointy-top hexagon in half-units (x in size·√3/2, y in size/2), CCW from 30°.
const CORNERS: ReadonlyArray<readonly [number, number]> = [
  [1, 1],
  [0, 2],
  [-1, 1],
  [-1, -1],
  [0, -2],
  [1, -1],
]
// Axial step to the cell across edge i (corner i → corner i + 1 faces 60° + 60°·i).
const SIDE_STEPS: ReadonlyArray<readonly [number, number]> = [
  [0, 1],
  [-1, 1],
  [-1, 0],
  [0, -1],
  [1, -1],
  [1, 0],
]
const KEY_OFFSET = 1 << 15
const KEY_SPAN = 1 << 16

function vertexKey(vx: number, vy: number): number {
  return (vx + KEY_OFFSET) * KEY_SPAN + (vy + KEY_OFFSET)
}

/** Round to 7 decimals (~1 cm): one fixed representation per vertex. */
function round7(value: number): number {
  return Math.round(value * 1e7) / 1e7
}

export class HexLattice {
  readonly cells: Cell[] = []
  readonly size: number
  /** Area of an undistorted cell, m². */
  readonly cellArea: number
  private readonly lonLat = new Map<number, Position>()
  private readonly metres = new Map<number, [number, number]>()
  private readonly byAxial = new Map<string, number>()
  private readonly metresPerDegLon: number
  private readonly metresPerDegLat: number
  private readonly options: LatticeOptions

  constructor(options: LatticeOptions) {
    this.options = options
    this.size = options.size
    this.cellArea = ((3 * SQRT3) / 2) * options.size * options.size
    const phi = (options.lat0 * Math.PI) / 180
    this.metresPerDegLat = 111132.92 - 559.82 * Math.cos(2 * phi) + 1.175 * Math.cos(4 * phi)
    this.metresPerDegLon = 111412.84 * Math.cos(phi) - 93.5 * Math.cos(3 * phi)

    const s = options.size
    const rMax = Math.ceil(options.halfHeight / (1.5 * s))
    for (let r = -rMax; r <= rMax; r++) {
      const y = 1.5 * s * r
      if (Math.abs(y) > options.halfHeight) continue
      const qMin = Math.ceil(-options.halfWidth / (SQRT3 * s) - r / 2)
      const qMax = Math.floor(options.halfWidth / (SQRT3 * s) - r / 2)
      for (let q = qMin; q <= qMax; q++) {
        const x = SQRT3 * s * (q + r / 2)
        const cx = 2 * q + r
        const cy = 3 * r
        const vertices = CORNERS.map(([dx, dy]) => {
          const key = vertexKey(cx + dx, cy + dy)
          if (!this.metres.has(key)) this.placeVertex(key, cx + dx, cy + dy)
          return key
        })
        const index = this.cells.length
        this.cells.push({ index, q, r, x, y, vertices, neighbours: [], sides: [] })
        this.byAxial.set(`${q},${r}`, index)
      }
    }
    for (const cell of this.cells) {
      for (const [dq, dr] of SIDE_STEPS) {
        const other = this.byAxial.get(`${cell.q + dq},${cell.r + dr}`)
        cell.sides.push(other ?? -1)
        if (other !== undefined) cell.neighbours.push(other)
      }
    }
  }

  private placeVertex(key: number, vx: number, vy: number): void {
    const s = this.options.size
    const h1 = hashInts(vx, vy, this.options.seed)
    const h2 = hashInts(vy, vx, this.options.seed ^ 0x5bd1e995)
    const angle = unit(h1) * 2 * Math.PI
    const radius = Math.sqrt(unit(h2)) * this.options.jitter * s
    const x = (vx * SQRT3 * s) / 2 + radius * Math.cos(angle)
    const y = (vy * s) / 2 + radius * Math.sin(angle)
    this.metres.set(key, [x, y])
    this.lonLat.set(key, this.toLonLat(x, y))
  }

  /** The cell at an index; throws for an index outside the lattice. */
  cell(index: number): Cell {
    const found = this.cells[index]
    if (found === undefined) throw new Error(`no lattice cell ${index}`)
    return found
  }

  /** Metres east/north of the origin → [lon, lat], rounded to 7 decimals. */
  toLonLat(x: number, y: number): Position {
    return [round7(this.options.lon0 + x / this.metresPerDegLon), round7(this.options.lat0 + y / this.metresPerDegLat)]
  }

  vertexLonLat(key: number): Position {
    const p = this.lonLat.get(key)
    if (!p) throw new Error(`unknown lattice vertex ${key}`)
    return p
  }

  /** Planar area of a cell in m² (after jitter). */
  areaOf(cellIndex: number): number {
    const cell = this.cells[cellIndex] as Cell
    let twice = 0
    for (let i = 0; i < 6; i++) {
      const a = this.metres.get(cell.vertices[i] as number) as [number, number]
      const b = this.metres.get(cell.vertices[(i + 1) % 6] as number) as [number, number]
      twice += a[0] * b[1] - b[0] * a[1]
    }
    return twice / 2
  }

  /**
   * The exact union of a set of cells as GeoJSON MultiPolygon coordinates (RFC 7946 winding:
   * shells counter-clockwise, holes clockwise). Rings start at a deterministic vertex.
   */
  union(cellIndexes: Iterable<number>): MultiPolygon {
    const members = new Uint8Array(this.cells.length)
    for (const index of cellIndexes) members[index] = 1
    // Each member's CCW edges whose far side is not a member form the boundary.
    const next = new Map<number, number>()
    const starts: number[] = []
    for (let index = 0; index < this.cells.length; index++) {
      if (members[index] === 0) continue
      const { vertices: v, sides } = this.cells[index] as Cell
      for (let i = 0; i < 6; i++) {
        const across = sides[i] as number
        if (across >= 0 && members[across] === 1) continue
        const a = v[i] as number
        if (next.has(a)) throw new Error('lattice union: vertex with two outgoing boundary edges')
        next.set(a, v[(i + 1) % 6] as number)
        starts.push(a)
      }
    }
    const rings: number[][] = []
    const used = new Set<number>()
    for (const start of starts) {
      if (used.has(start)) continue
      const ring: number[] = []
      let at = start
      do {
        used.add(at)
        ring.push(at)
        const to = next.get(at)
        if (to === undefined) throw new Error('lattice union: open boundary chain')
        at = to
      } while (at !== start)
      rings.push(ring)
    }
    const shells: { ring: Position[]; area: number }[] = []
    const holes: Position[][] = []
    for (const ring of rings) {
      const coords = ring.map((key) => this.vertexLonLat(key))
      coords.push(coords[0] as Position)
      const area = signedArea(coords)
      if (area > 0) shells.push({ ring: coords, area })
      else holes.push(coords)
    }
    const polygons: Position[][][] = shells.map((s) => [s.ring])
    for (const hole of holes) {
      let best = -1
      for (let i = 0; i < shells.length; i++) {
        const shell = shells[i] as { ring: Position[]; area: number }
        if (shells.length > 1 && !pointInRing(hole[0] as Position, shell.ring)) continue
        if (best < 0 || shell.area < (shells[best] as { area: number }).area) best = i
      }
      if (best < 0) throw new Error('lattice union: hole outside every shell')
      ;(polygons[best] as Position[][]).push(hole)
    }
    return { type: 'MultiPolygon', coordinates: polygons }
  }
}

/** Signed area of a closed ring in degree² (positive = counter-clockwise). */
export function signedArea(ring: Position[]): number {
  const [ox, oy] = ring[0] as [number, number]
  let twice = 0
  for (let i = 0; i + 1 < ring.length; i++) {
    const [ax, ay] = ring[i] as [number, number]
    const [bx, by] = ring[i + 1] as [number, number]
    twice += (ax - ox) * (by - oy) - (bx - ox) * (ay - oy)
  }
  return twice / 2
}

/** Even–odd point-in-ring test. */
export function pointInRing(point: Position, ring: Position[]): boolean {
  const [px, py] = point as [number, number]
  let inside = false
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i] as [number, number]
    const [xj, yj] = ring[j] as [number, number]
    if (yi > py !== yj > py && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) inside = !inside
  }
  return inside
}
