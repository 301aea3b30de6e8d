import Flatbush from 'flatbush'
import type { GridKind } from '../../db/database.js'
import { EDGES_PER_CHUNK, edgeChunks } from './edge-chunks.js'
import { compareCodes, type IndexedGrid } from './indexed-grid.js'
import { buildLattice, MIXED } from './lattice.js'

// In-memory index of the grids in force: a flatbush R-tree over the bounding boxes of polygon
// parts, then an exact point-in-polygon test on flat Float64Array coordinates (no per-vertex
// objects, so 100k grids × 80 vertices stay a few typed arrays).
//
// The point-in-polygon test is hand-written rather than point-in-polygon-hao because that library
// wants nested [x, y] arrays (one JS array per vertex, ~10× the memory) and has its own boundary
// tolerance. This one follows PostGIS's own ptarray_contains_point (winding number, side of segment
// as the same double expression, exactly zero = on the segment), so the index answers what
// PostGIS ST_Covers answers, also for points exactly on edges and vertices.
//
// Rule for a point covered by several grids (shared edge or vertex, or overlapping data):
// dedicated grids never compete — all that cover the point are listed in `dedicated`. Among the
// others the most specific kind wins (micro before comprehensive), then the smallest code.
//
// Built by GridIndexBuilder (grid-index-builder.ts), from WKB by addWkb (wkb.ts).

export interface PointHit {
  /** Position of the main grid in `grids`, or -1. */
  readonly grid: number
  /** Positions of the dedicated grids covering the point, ordered by code. */
  readonly dedicated: readonly number[]
}

/** Parts that may be nearest to some point of a lattice cell, by their boxes' distance from it. */
interface CellCandidates {
  parts: Int32Array
  /** Lower bound in metres of any cell point's distance to each part, ascending. */
  bounds: Float64Array
}

export interface NearestHit {
  grid: number
  distanceM: number
}

const OUTSIDE = 0
const INSIDE = 1
const BOUNDARY = 2

const NO_DEDICATED: readonly number[] = Object.freeze([])

/** Rank of a kind for the main-grid rule: higher wins; dedicated never is the main grid. */
function kindRank(kind: GridKind): number {
  return kind === 'micro' ? 2 : kind === 'dedicated' ? 0 : 1
}

/** Empty lattice cells whose nearest-grid candidates are kept at most (~40 MB). */
const MAX_CANDIDATE_CELLS = 262_144

const DEG = Math.PI / 180
const METRES_PER_DEGREE_LAT = 110_574
const METRES_PER_DEGREE_LON_EQUATOR = 111_320

/** Metres per degree of longitude at latitude `lat` (the local equirectangular scale). */
function metresPerDegreeLon(lat: number): number {
  return Math.cos(lat * DEG) * METRES_PER_DEGREE_LON_EQUATOR
}

export class GridIndex {
  readonly builtAt = new Date()
  private readonly tree: Flatbush | null
  private readonly rank: Uint8Array
  private readonly codeOrder: Uint32Array
  // Scratch space for one synchronous query at a time (JS is single-threaded).
  private stack = new Int32Array(256)
  private candidates = new Int32Array(64)
  private chunkFrom = new Int32Array(64)
  private chunkTo = new Int32Array(64)
  private chunkD2 = new Float64Array(64)
  // The lattice (lattice.ts): most points are answered by their cell, without the tree.
  private lattice: Int32Array = new Int32Array(0)
  private latticeX0 = 0
  private latticeY0 = 0
  private latticeInvW = 0
  private latticeInvH = 0
  private latticeNx = 0
  private latticeNy = 0
  // Boxes of runs of edges (edge-chunks.ts), so that big grids are not walked edge by edge.
  private readonly chunkBoxes: Float64Array
  private readonly ringChunkStart: Uint32Array
  // The answers the lattice gives (one per grid, and "none" last), made once: a batch asks a
  // million times, and a fresh object per answer was a tenth of its time.
  private readonly plainHits: readonly PointHit[]
  // Nearest-grid candidates of lattice cells outside every grid, found on a cell's first nearest
  // query (candidatesForCell): most points outside all grids then measure two or three parts
  // instead of walking the tree. Memory grows with the cells asked about, up to a bound.
  private readonly outsideCandidates = new Map<number, CellCandidates>()

  constructor(
    readonly grids: IndexedGrid[],
    /** Flat x, y of every ring's vertices (rings closed), for readers such as the tile renderer. */
    readonly coords: Float64Array,
    /** First vertex of each ring, and the vertex count last. */
    readonly ringStart: Uint32Array,
    /** First ring (the shell) of each polygon part, and the ring count last. */
    readonly partRingStart: Uint32Array,
    /** The grid (position in `grids`) of each part. */
    readonly partGrid: Uint32Array,
    /** minX, minY, maxX, maxY of each part. */
    readonly partBoxes: Float64Array,
  ) {
    const boxes = partBoxes
    const parts = partGrid.length
    if (parts > 0) {
      const tree = new Flatbush(parts)
      for (let p = 0; p < parts; p++)
        tree.add(boxes[p * 4] as number, boxes[p * 4 + 1] as number, boxes[p * 4 + 2] as number, boxes[p * 4 + 3] as number)
      tree.finish()
      this.tree = tree
    } else {
      this.tree = null
    }
    this.rank = Uint8Array.from(grids, (g) => kindRank(g.kind))
    // Rank of each grid's code in sorted order, so the rule compares integers, not strings.
    const order = grids.map((_, i) => i).sort((a, b) => compareCodes((grids[a] as IndexedGrid).code, (grids[b] as IndexedGrid).code))
    this.codeOrder = new Uint32Array(grids.length)
    order.forEach((gridIndex, position) => {
      this.codeOrder[gridIndex] = position
    })
    const chunks = edgeChunks(coords, ringStart)
    this.chunkBoxes = chunks.boxes
    this.ringChunkStart = chunks.ringChunkStart
    this.plainHits = Object.freeze([
      ...grids.map((_, i) => Object.freeze({ grid: i, dedicated: NO_DEDICATED })),
      Object.freeze({ grid: -1, dedicated: NO_DEDICATED }),
    ])
    const lattice = this.tree ? buildLattice(this.tree, coords, ringStart, partGrid.length, (x, y) => this.cellAnswer(x, y)) : null
    if (lattice) {
      this.latticeX0 = lattice.x0
      this.latticeY0 = lattice.y0
      this.latticeInvW = lattice.invW
      this.latticeInvH = lattice.invH
      this.latticeNx = lattice.nx
      this.latticeNy = lattice.ny
      this.lattice = lattice.cells
    }
  }

  /** A lattice cell's answer at (x, y): the main grid or -1, or MIXED where dedicated grids cover it (the slow path lists them). */
  private cellAnswer(x: number, y: number): number {
    const hit = this.lookupSlow(x, y)
    return hit.dedicated.length > 0 ? MIXED : hit.grid
  }

  /** The lattice's answer for (x, y): a grid, -1 for none, or MIXED (use the tree). */
  private latticeAt(x: number, y: number): number {
    const cell = this.latticeCell(x, y)
    return cell < 0 ? MIXED : (this.lattice[cell] as number)
  }

  /** The lattice cell of (x, y), or -1 outside the lattice. */
  private latticeCell(x: number, y: number): number {
    const i = Math.floor((x - this.latticeX0) * this.latticeInvW)
    const j = Math.floor((y - this.latticeY0) * this.latticeInvH)
    if (i < 0 || j < 0 || i >= this.latticeNx || j >= this.latticeNy) return -1
    return j * this.latticeNx + i
  }

  /** Parts whose bounding box meets the box (lon/lat), ascending. */
  partsMeeting(minX: number, minY: number, maxX: number, maxY: number): number[] {
    return this.tree === null ? [] : this.tree.search(minX, minY, maxX, maxY).sort((a, b) => a - b)
  }

  get size(): number {
    return this.grids.length
  }

  get partCount(): number {
    return this.partGrid.length
  }

  get vertexCount(): number {
    return this.coords.length >> 1
  }

  /** Bytes of the lattice: at most 32 MB per index, whatever its size (lattice.ts). */
  get latticeBytes(): number {
    return this.lattice.byteLength
  }

  /** Bytes held in typed arrays (coordinates, offsets, tree, lattice); grid records not counted. */
  get typedBytes(): number {
    return (
      this.lattice.byteLength +
      this.coords.byteLength +
      this.chunkBoxes.byteLength +
      this.ringChunkStart.byteLength +
      this.partBoxes.byteLength +
      this.ringStart.byteLength +
      this.partRingStart.byteLength +
      this.partGrid.byteLength +
      (this.tree?.data.byteLength ?? 0)
    )
  }

  /** Parts whose bounding box contains (x, y), written into this.candidates; returns their count. */
  private searchPoint(x: number, y: number): number {
    const tree = this.tree
    if (tree === null || x < tree.minX || x > tree.maxX || y < tree.minY || y > tree.maxY) return 0
    const boxes = tree._boxes
    const indices = tree._indices
    const levelBounds = tree._levelBounds
    const nodeSize = tree.nodeSize
    const numItems4 = tree.numItems * 4
    let found = 0
    let top = 0
    let stack = this.stack
    stack[top++] = boxes.length - 4
    stack[top++] = levelBounds.length - 1
    while (top > 0) {
      const level = stack[--top] as number
      const nodeIndex = stack[--top] as number
      const end = Math.min(nodeIndex + nodeSize * 4, levelBounds[level] as number)
      const isNode = nodeIndex >= numItems4
      for (let pos = nodeIndex; pos < end; pos += 4) {
        if (
          x < (boxes[pos] as number) ||
          y < (boxes[pos + 1] as number) ||
          x > (boxes[pos + 2] as number) ||
          y > (boxes[pos + 3] as number)
        )
          continue
        const index = (indices[pos >> 2] as number) | 0
        if (isNode) {
          if (top + 2 > stack.length) {
            const grown = new Int32Array(stack.length * 2)
            grown.set(stack)
            this.stack = stack = grown
          }
          stack[top++] = index
          stack[top++] = level - 1
        } else {
          if (found === this.candidates.length) {
            const grown = new Int32Array(found * 2)
            grown.set(this.candidates)
            this.candidates = grown
          }
          this.candidates[found++] = index
        }
      }
    }
    return found
  }

  /** OUTSIDE, INSIDE or BOUNDARY of one ring (winding number, as PostGIS ptarray_contains_point). */
  private locateInRing(ring: number, x: number, y: number): number {
    const c = this.coords
    const boxes = this.chunkBoxes
    const lastVertex = (this.ringStart[ring + 1] as number) - 1
    let wn = 0
    for (
      let chunk = this.ringChunkStart[ring] as number, v = this.ringStart[ring] as number;
      v < lastVertex;
      chunk++, v += EDGES_PER_CHUNK
    ) {
      // An edge can only cross, or hold, the point when y lies within its y-range: runs of edges
      // whose box misses y are skipped (comparisons only, so the answer is the same to the bit).
      if (y < (boxes[chunk * 4 + 1] as number) || y > (boxes[chunk * 4 + 3] as number)) continue
      const end = Math.min(v + EDGES_PER_CHUNK, lastVertex) * 2
      for (let i = v * 2; i < end; i += 2) {
        const x1 = c[i] as number
        const y1 = c[i + 1] as number
        const x2 = c[i + 2] as number
        const y2 = c[i + 3] as number
        // Same expression as PostGIS lw_segment_side, so the same rounding decides "on the line".
        const side = (x - x1) * (y2 - y1) - (x2 - x1) * (y - y1)
        if (side === 0) {
          if ((x1 <= x ? x <= x2 : x2 <= x) && (y1 <= y ? y <= y2 : y2 <= y)) return BOUNDARY
          // collinear but beyond the segment: not a crossing
        } else if (side < 0) {
          if (y1 <= y && y < y2) wn++
        } else if (y2 <= y && y < y1) {
          wn--
        }
      }
    }
    return wn === 0 ? OUTSIDE : INSIDE
  }

  /** OUTSIDE, INSIDE or BOUNDARY of a polygon part (shell minus holes). */
  locateInPart(part: number, x: number, y: number): number {
    const first = this.partRingStart[part] as number
    const last = this.partRingStart[part + 1] as number
    const shell = this.locateInRing(first, x, y)
    if (shell !== INSIDE) return shell
    for (let ring = first + 1; ring < last; ring++) {
      const hole = this.locateInRing(ring, x, y)
      if (hole === BOUNDARY) return BOUNDARY
      if (hole === INSIDE) return OUTSIDE
    }
    return INSIDE
  }

  /** Position of the main grid covering (x, y) by the documented rule, or -1; no allocation. */
  lookupMain(x: number, y: number): number {
    if (this.lattice.length > 0) {
      const cell = this.latticeAt(x, y)
      if (cell !== MIXED) return cell
    }
    const n = this.searchPoint(x, y)
    let best = -1
    for (let k = 0; k < n; k++) {
      const part = this.candidates[k] as number
      const grid = this.partGrid[part] as number
      const rank = this.rank[grid] as number
      if (rank === 0 || grid === best) continue
      if (best >= 0 && !this.better(grid, best)) continue
      if (this.locateInPart(part, x, y) !== OUTSIDE) best = grid
    }
    return best
  }

  /** The main grid and the dedicated grids covering (x, y). */
  lookup(x: number, y: number): PointHit {
    if (this.lattice.length > 0) {
      const cell = this.latticeAt(x, y)
      if (cell !== MIXED) return this.plainHits[cell < 0 ? this.plainHits.length - 1 : cell] as PointHit
    }
    return this.lookupSlow(x, y)
  }

  /** lookup() without the lattice: tree, then exact point-in-polygon. */
  lookupSlow(x: number, y: number): PointHit {
    const n = this.searchPoint(x, y)
    let best = -1
    let dedicated: number[] | null = null
    for (let k = 0; k < n; k++) {
      const part = this.candidates[k] as number
      const grid = this.partGrid[part] as number
      const rank = this.rank[grid] as number
      if (rank === 0) {
        if (dedicated?.includes(grid)) continue
        if (this.locateInPart(part, x, y) !== OUTSIDE) {
          dedicated ??= []
          dedicated.push(grid)
        }
        continue
      }
      if (grid === best || (best >= 0 && !this.better(grid, best))) continue
      if (this.locateInPart(part, x, y) !== OUTSIDE) best = grid
    }
    const codeOrder = this.codeOrder
    return { grid: best, dedicated: dedicated ? dedicated.sort((a, b) => (codeOrder[a] as number) - (codeOrder[b] as number)) : [] }
  }

  /** True when grid a beats grid b under the rule (kind rank, then smaller code). */
  private better(a: number, b: number): boolean {
    const ra = this.rank[a] as number
    const rb = this.rank[b] as number
    if (ra !== rb) return ra > rb
    return (this.codeOrder[a] as number) < (this.codeOrder[b] as number)
  }

  /**
   * The nearest non-dedicated grid to (x, y) and its distance in metres (to the nearest edge,
   * 0 when covered), on a local equirectangular projection — good to well under 1 % at grid scale.
   */
  nearest(x: number, y: number): NearestHit | null {
    if (this.tree === null) return null
    const covering = this.lookupMain(x, y)
    if (covering >= 0) return { grid: covering, distanceM: 0 }
    const kx = metresPerDegreeLon(y)
    const ky = METRES_PER_DEGREE_LAT
    const cell = this.lattice.length > 0 ? this.latticeCell(x, y) : -1
    if (cell < 0 || this.lattice[cell] !== -1) return this.nearestByTree(x, y, kx, ky)
    // A cell outside every grid: its few candidate parts, found once (see outsideCandidates).
    let candidates = this.outsideCandidates.get(cell)
    if (candidates === undefined) {
      candidates = this.candidatesForCell(cell)
      // Bounded (a province-wide index has millions of cells): start afresh when full.
      if (this.outsideCandidates.size >= MAX_CANDIDATE_CELLS) this.outsideCandidates.clear()
      this.outsideCandidates.set(cell, candidates)
    }
    const { parts, bounds } = candidates
    let bestGrid = -1
    let bestD = Number.POSITIVE_INFINITY
    for (let k = 0; k < parts.length; k++) {
      // Nearest boxes first: once a box is farther than the best edge, so are the rest.
      if ((bounds[k] as number) > bestD) break
      const part = parts[k] as number
      const grid = this.partGrid[part] as number
      const d = this.partDistanceM(part, x, y, kx, ky, bestD * bestD)
      if (d < bestD || (d === bestD && this.better(grid, bestGrid))) {
        bestGrid = grid
        bestD = d
      }
    }
    return bestGrid < 0 ? null : { grid: bestGrid, distanceM: bestD }
  }

  /**
   * Every non-dedicated part that can be the nearest (or tie) for some point of a lattice cell:
   * the nearest part of the cell's centre is at most d away from it, so from any point of the
   * cell at most d + half the cell's diagonal (scaled for the cell's latitudes); a part whose box
   * is farther than that from the cell's box is never nearer.
   */
  private candidatesForCell(cell: number): CellCandidates {
    const tree = this.tree as Flatbush
    const i = cell % this.latticeNx
    const j = (cell - i) / this.latticeNx
    const minX = this.latticeX0 + i / this.latticeInvW
    const maxX = this.latticeX0 + (i + 1) / this.latticeInvW
    const minY = this.latticeY0 + j / this.latticeInvH
    const maxY = this.latticeY0 + (j + 1) / this.latticeInvH
    const cx = (minX + maxX) / 2
    const cy = (minY + maxY) / 2
    const ky = METRES_PER_DEGREE_LAT
    const kxCentre = metresPerDegreeLon(cy)
    // cos is largest nearest the equator: the cell's widest and narrowest metres per degree.
    const kxMax = minY <= 0 && maxY >= 0 ? METRES_PER_DEGREE_LON_EQUATOR : Math.max(metresPerDegreeLon(minY), metresPerDegreeLon(maxY))
    const kxMin = Math.min(metresPerDegreeLon(minY), metresPerDegreeLon(maxY))
    const centre = this.nearestByTree(cx, cy, kxCentre, ky)
    if (centre === null) return { parts: new Int32Array(0), bounds: new Float64Array(0) }
    const halfDiagonal = Math.hypot(((maxX - minX) / 2) * kxMax, ((maxY - minY) / 2) * ky)
    const reach = (centre.distanceM * (kxMax / kxCentre) + halfDiagonal) * (1 + 1e-6) + 1e-6
    const found = tree.search(minX - reach / kxMin, minY - reach / ky, maxX + reach / kxMin, maxY + reach / ky)
    const near: { part: number; bound: number }[] = []
    for (const part of found) {
      if (this.rank[this.partGrid[part] as number] === 0) continue
      const b = this.partBoxes
      const dx = Math.max(((b[part * 4] as number) - maxX) * kxMin, (minX - (b[part * 4 + 2] as number)) * kxMin, 0)
      const dy = Math.max(((b[part * 4 + 1] as number) - maxY) * ky, (minY - (b[part * 4 + 3] as number)) * ky, 0)
      // Slightly under the true lower bound, so rounding never cuts off a tie.
      const bound = Math.hypot(dx, dy) * (1 - 1e-9)
      if (bound <= reach) near.push({ part, bound })
    }
    near.sort((a, b) => a.bound - b.bound)
    return { parts: Int32Array.from(near, (n) => n.part), bounds: Float64Array.from(near, (n) => n.bound) }
  }

  /** nearest() by a best-first walk of the tree. */
  private nearestByTree(x: number, y: number, kx: number, ky: number): NearestHit | null {
    const tree = this.tree as Flatbush
    // Best-first over the tree (as flatbush's neighbors, whose queue it borrows), with box
    // distances in metres, stopping as soon as no box left can beat the best edge distance.
    const boxes = tree._boxes
    const indices = tree._indices
    const levelBounds = tree._levelBounds
    const numItems4 = tree.numItems * 4
    const nodeSize4 = tree.nodeSize * 4
    const q = tree._queue
    q.clear()
    let bestGrid = -1
    let bestD = Number.POSITIVE_INFINITY
    let bestD2 = Number.POSITIVE_INFINITY
    q.push((boxes.length - 4) * 2, 0)
    while (q.length > 0) {
      if ((q.peekValue() as number) > bestD2) break
      const top = q.pop() as number
      if (top & 1) {
        const part = top >>> 1
        const grid = this.partGrid[part] as number
        const d = this.partDistanceM(part, x, y, kx, ky, bestD2)
        if (d < bestD || (d === bestD && this.better(grid, bestGrid))) {
          bestGrid = grid
          bestD = d
          bestD2 = d * d
        }
        continue
      }
      const nodeIndex = top >>> 1
      const isLeafLevel = nodeIndex < numItems4
      let end = nodeIndex + nodeSize4
      for (const bound of levelBounds) {
        if (bound > nodeIndex) {
          if (bound < end) end = bound
          break
        }
      }
      for (let pos = nodeIndex; pos < end; pos += 4) {
        const dx = Math.max((boxes[pos] as number) - x, x - (boxes[pos + 2] as number), 0) * kx
        const dy = Math.max((boxes[pos + 1] as number) - y, y - (boxes[pos + 3] as number), 0) * ky
        const dist = dx * dx + dy * dy
        if (dist > bestD2) continue
        const child = (indices[pos >> 2] as number) | 0
        if (isLeafLevel) {
          if (this.rank[this.partGrid[child] as number] !== 0) q.push(child * 2 + 1, dist)
        } else {
          q.push(child * 2, dist)
        }
      }
    }
    q.clear()
    return bestGrid < 0 ? null : { grid: bestGrid, distanceM: bestD }
  }

  /**
   * Distance in metres from (x, y), outside the part, to its nearest edge — exact when it is at
   * most sqrt(within2); larger distances may come back as any value above that (runs of edges
   * whose box is farther than sqrt(within2) are skipped).
   */
  private partDistanceM(part: number, x: number, y: number, kx: number, ky: number, within2: number): number {
    const boxes = this.chunkBoxes
    // A hair of slack so rounding in the box distance never skips an edge at exactly the best
    // distance (a tie the rule must see).
    let min = within2 === Number.POSITIVE_INFINITY ? within2 : within2 * (1 + 1e-9) + 1e-9
    // The runs whose box is near enough, with their box distances; the nearest run is measured
    // first, so the best distance is tight before the others are looked at.
    let near = 0
    let nearest = -1
    const firstRing = this.partRingStart[part] as number
    const lastRing = this.partRingStart[part + 1] as number
    for (let ring = firstRing; ring < lastRing; ring++) {
      const lastVertex = (this.ringStart[ring + 1] as number) - 1
      for (
        let chunk = this.ringChunkStart[ring] as number, v = this.ringStart[ring] as number;
        v < lastVertex;
        chunk++, v += EDGES_PER_CHUNK
      ) {
        const bx = Math.max((boxes[chunk * 4] as number) - x, x - (boxes[chunk * 4 + 2] as number), 0) * kx
        const by = Math.max((boxes[chunk * 4 + 1] as number) - y, y - (boxes[chunk * 4 + 3] as number), 0) * ky
        const d2 = bx * bx + by * by
        if (d2 > min) continue
        if (near === this.chunkFrom.length) this.growChunkScratch()
        this.chunkFrom[near] = v
        this.chunkTo[near] = Math.min(v + EDGES_PER_CHUNK, lastVertex)
        this.chunkD2[near] = d2
        if (nearest < 0 || d2 < (this.chunkD2[nearest] as number)) nearest = near
        near++
      }
    }
    if (nearest < 0) return Number.POSITIVE_INFINITY
    let exact = this.edgesDistance2(this.chunkFrom[nearest] as number, this.chunkTo[nearest] as number, x, y, kx, ky)
    if (exact < min) min = exact
    for (let k = 0; k < near; k++) {
      if (k === nearest || (this.chunkD2[k] as number) > min) continue
      const d2 = this.edgesDistance2(this.chunkFrom[k] as number, this.chunkTo[k] as number, x, y, kx, ky)
      if (d2 < exact) {
        exact = d2
        if (d2 < min) min = d2
      }
    }
    return Math.sqrt(exact)
  }

  /** Smallest squared distance in metres from (x, y) to the edges from vertex `from` to `to`. */
  private edgesDistance2(from: number, to: number, x: number, y: number, kx: number, ky: number): number {
    const c = this.coords
    let min = Number.POSITIVE_INFINITY
    for (let i = from * 2, end = to * 2; i < end; i += 2) {
      const ax = ((c[i] as number) - x) * kx
      const ay = ((c[i + 1] as number) - y) * ky
      const dx = ((c[i + 2] as number) - x) * kx - ax
      const dy = ((c[i + 3] as number) - y) * ky - ay
      const len2 = dx * dx + dy * dy
      let t = len2 > 0 ? -(ax * dx + ay * dy) / len2 : 0
      t = Math.min(1, Math.max(0, t))
      const px = ax + t * dx
      const py = ay + t * dy
      const d2 = px * px + py * py
      if (d2 < min) min = d2
    }
    return min
  }

  private growChunkScratch(): void {
    const size = this.chunkFrom.length * 2
    const from = new Int32Array(size)
    const to = new Int32Array(size)
    const d2 = new Float64Array(size)
    from.set(this.chunkFrom)
    to.set(this.chunkTo)
    d2.set(this.chunkD2)
    this.chunkFrom = from
    this.chunkTo = to
    this.chunkD2 = d2
  }
}
