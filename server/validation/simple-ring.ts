// A fast proof of validity for the common case, written by hand because PostGIS validity costs
// ~0.8 ms per 80-vertex polygon in PGlite's WASM GEOS (3,000 grids ≈ 2.5 s) and no JS library
// gives an exact OGC answer. This only ever says "certainly valid": a polygon with a single ring
// that is closed, has non-zero area and is simple — no two non-adjacent segments meet, and no
// adjacent segments fold back on each other (spikes). Such a polygon is OGC-valid by definition.
// Anything else (holes, several parts, any touch or collinear doubt) goes to ST_IsValidDetail.

type Point = readonly [number, number]

/** Twice the signed area (shoelace, relative to the first vertex for precision): > 0 for CCW. */
export function ringArea2(ring: readonly Point[]): number {
  const origin = ring[0]
  if (!origin) return 0
  let sum = 0
  for (let i = 0; i + 1 < ring.length; i++) {
    const a = ring[i] as Point
    const b = ring[i + 1] as Point
    sum += (a[0] - origin[0]) * (b[1] - origin[1]) - (b[0] - origin[0]) * (a[1] - origin[1])
  }
  return sum
}

/** (b − a) × (c − a), from the coordinates (no arrays made: this runs millions of times in a sweep). */
function orientation(ax: number, ay: number, bx: number, by: number, cx: number, cy: number): number {
  return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax)
}

// Orientations this close to zero are treated as collinear: the tests then ask whether the point
// lies on the segment, with a margin, so rounding can only make the proof more cautious.
const COLLINEAR = 1e-18
const MARGIN = 1e-12

function onSegment(ax: number, ay: number, bx: number, by: number, px: number, py: number): boolean {
  return (
    px >= Math.min(ax, bx) - MARGIN && px <= Math.max(ax, bx) + MARGIN && py >= Math.min(ay, by) - MARGIN && py <= Math.max(ay, by) + MARGIN
  )
}

/** Module-level, not a closure per call: this runs millions of times in a sweep. */
function zero(o: number): boolean {
  return Math.abs(o) <= COLLINEAR
}

/** True when segments ab and cd may share a point (crossing, touching, or collinear overlap). */
function segmentsMeet(ax: number, ay: number, bx: number, by: number, cx: number, cy: number, dx: number, dy: number): boolean {
  const o1 = orientation(ax, ay, bx, by, cx, cy)
  const o2 = orientation(ax, ay, bx, by, dx, dy)
  const o3 = orientation(cx, cy, dx, dy, ax, ay)
  const o4 = orientation(cx, cy, dx, dy, bx, by)
  if ((zero(o1) && onSegment(ax, ay, bx, by, cx, cy)) || (zero(o2) && onSegment(ax, ay, bx, by, dx, dy))) return true
  if ((zero(o3) && onSegment(cx, cy, dx, dy, ax, ay)) || (zero(o4) && onSegment(cx, cy, dx, dy, bx, by))) return true
  return o1 > 0 !== o2 > 0 && o3 > 0 !== o4 > 0 && !zero(o1) && !zero(o2) && !zero(o3) && !zero(o4)
}

/** Drops repeated consecutive points (valid in OGC; zero-length segments confuse the tests). */
export function withoutRepeats(ring: readonly Point[]): Point[] {
  const points: Point[] = []
  for (const point of ring) {
    const last = points[points.length - 1]
    if (!last || last[0] !== point[0] || last[1] !== point[1]) points.push(point)
  }
  return points
}

/**
 * Pairs of segments a sweep may compare per segment (plus a fixed allowance) before it gives up.
 * Real boundaries need a few per segment; a comb of long teeth needs n²/4 (the unbounded sweep
 * took 1 s on a 16,000-vertex comb, growing with the square), and "not proven" only sends the
 * shape to PostGIS, whose noding is O(n log n).
 */
const COMPARISONS_PER_SEGMENT = 32
const COMPARISONS_ALLOWANCE = 1_000_000

/**
 * The segments of the rings being checked, as flat typed arrays kept between calls (a city's
 * 100,000 rings are proven one after another; objects per segment cost more in allocation and
 * garbage collection than the sweep itself). Segment s runs from (ax[s], ay[s]) to (bx[s], by[s]),
 * is number i of ring `ring` of n segments, and has the box [minX, minY, maxX, maxY, min(x + y),
 * max(x + y)] at boxes[6s…6s+5].
 */
class SegmentTable {
  size = 0
  ax = new Float64Array(0)
  ay = new Float64Array(0)
  bx = new Float64Array(0)
  by = new Float64Array(0)
  boxes = new Float64Array(0)
  ring = new Int32Array(0)
  i = new Int32Array(0)
  n = new Int32Array(0)
  order = new Uint32Array(0)

  reset(count: number): void {
    this.size = 0
    if (this.ax.length >= count) return
    const capacity = Math.max(count, this.ax.length * 2, 64)
    this.ax = new Float64Array(capacity)
    this.ay = new Float64Array(capacity)
    this.bx = new Float64Array(capacity)
    this.by = new Float64Array(capacity)
    this.boxes = new Float64Array(capacity * 6)
    this.ring = new Int32Array(capacity)
    this.i = new Int32Array(capacity)
    this.n = new Int32Array(capacity)
    this.order = new Uint32Array(capacity)
  }

  push(a: Point, b: Point, ring: number, i: number, n: number): void {
    const s = this.size++
    const [ax, ay] = a
    const [bx, by] = b
    this.ax[s] = ax
    this.ay[s] = ay
    this.bx[s] = bx
    this.by[s] = by
    this.ring[s] = ring
    this.i[s] = i
    this.n[s] = n
    const box = this.boxes
    box[6 * s] = Math.min(ax, bx)
    box[6 * s + 1] = Math.min(ay, by)
    box[6 * s + 2] = Math.max(ax, bx)
    box[6 * s + 3] = Math.max(ay, by)
    box[6 * s + 4] = Math.min(ax + ay, bx + by)
    box[6 * s + 5] = Math.max(ax + ay, bx + by)
  }
}

const table = new SegmentTable()

/** Whether two segments whose boxes overlap break simplicity (a touch, a crossing, a spike). */
function meet(t: SegmentTable, first: number, second: number): boolean {
  if (t.ring[first] === t.ring[second]) {
    const gap = Math.abs((t.i[first] as number) - (t.i[second] as number))
    if (gap === 1 || gap === (t.n[first] as number) - 1) return foldsBack(t, first, second)
  }
  return segmentsMeet(
    t.ax[first] as number,
    t.ay[first] as number,
    t.bx[first] as number,
    t.by[first] as number,
    t.ax[second] as number,
    t.ay[second] as number,
    t.bx[second] as number,
    t.by[second] as number,
  )
}

/** Sweep directions: along x, along y, along x + y (box fields: low, high). */
const SWEEPS: [0 | 1 | 4, 2 | 3 | 5][] = [
  [0, 2],
  [1, 3],
  [4, 5],
]

/**
 * True when no two segments of these closed rings meet, except consecutive segments of one ring
 * at their shared vertex (and those must not fold back on each other). A sweep over the segments
 * sorted by their west end compares only segments whose boxes overlap. Many segments at one x
 * (a straight north–south border) make that slow, so after COMPARISONS_PER_SEGMENT comparisons
 * per segment it gives up and sweeps south–north, then along x + y (no straight line is
 * degenerate for both x and x + y); false (not proven) when all three give up.
 */
export function ringsAreSimpleAndApart(rings: readonly (readonly Point[])[]): boolean {
  return meetingsUpTo(rings, 0) === 0
}

/**
 * How many pairs of segments of these rings meet (as in ringsAreSimpleAndApart), counted up to
 * `most` + 1; null when the sweeps ran out of comparisons first.
 */
export function meetingsUpTo(rings: readonly (readonly Point[])[], most: number): number | null {
  let count = 0
  for (const ring of rings) count += Math.max(0, ring.length - 1)
  table.reset(count)
  rings.forEach((ring, r) => {
    const n = ring.length - 1
    for (let i = 0; i < n; i++) table.push(ring[i] as Point, ring[i + 1] as Point, r, i, n)
  })
  const budget = COMPARISONS_PER_SEGMENT * table.size + COMPARISONS_ALLOWANCE
  for (const [low, high] of SWEEPS) {
    const meetings = sweep(table, low, high, budget, most)
    if (meetings !== null) return meetings
  }
  return null
}

/** Sweeps along one direction, counting meeting pairs up to `most` + 1; null when out of comparisons. */
function sweep(t: SegmentTable, low: 0 | 1 | 4, high: 2 | 3 | 5, budget: number, most: number): number | null {
  const box = t.boxes
  // The segments by the low end of their boxes, ties in input order (a stable sort).
  const sorted = t.order.subarray(0, t.size)
  for (let s = 0; s < sorted.length; s++) sorted[s] = s
  if (sorted.length > 64) {
    // A plain array sorts with a comparator faster than a typed one does.
    const keys = Array.from(sorted)
    keys.sort((s, u) => (box[6 * s + low] as number) - (box[6 * u + low] as number) || s - u)
    sorted.set(keys)
  } else {
    // Insertion sort: a grid's ring has a few dozen segments, where it beats a comparator sort.
    for (let s = 1; s < sorted.length; s++) {
      const key = box[6 * s + low] as number
      let at = s - 1
      while (at >= 0 && (box[6 * (sorted[at] as number) + low] as number) > key) {
        sorted[at + 1] = sorted[at] as number
        at--
      }
      sorted[at + 1] = s
    }
  }
  let meetings = 0
  for (let s = 0; s < sorted.length; s++) {
    const first = sorted[s] as number
    const minX = box[6 * first] as number
    const minY = box[6 * first + 1] as number
    const maxX = box[6 * first + 2] as number
    const maxY = box[6 * first + 3] as number
    const end = box[6 * first + high] as number
    for (let u = s + 1; u < sorted.length; u++) {
      const second = sorted[u] as number
      if ((box[6 * second + low] as number) > end) break
      if (--budget < 0) return null
      // Boxes apart cannot meet (adjacent segments share a vertex, so never are).
      if (
        (box[6 * second + 2] as number) < minX ||
        (box[6 * second] as number) > maxX ||
        (box[6 * second + 3] as number) < minY ||
        (box[6 * second + 1] as number) > maxY
      )
        continue
      if (meet(t, first, second) && ++meetings > most) return meetings
    }
  }
  return meetings
}

/** Consecutive segments that run back along each other (a spike). */
function foldsBack(t: SegmentTable, s: number, u: number): boolean {
  const sbx = t.bx[s] as number
  const sby = t.by[s] as number
  // The shared vertex: s's end when it is u's start, else s's start.
  const atEnd = sbx === t.ax[u] && sby === t.ay[u]
  const sharedX = atEnd ? sbx : (t.ax[s] as number)
  const sharedY = atEnd ? sby : (t.ay[s] as number)
  const px = atEnd ? (t.ax[s] as number) : sbx
  const py = atEnd ? (t.ay[s] as number) : sby
  const qx = (atEnd ? t.bx[u] : t.ax[u]) as number
  const qy = (atEnd ? t.by[u] : t.ay[u]) as number
  const dot = (px - sharedX) * (qx - sharedX) + (py - sharedY) * (qy - sharedY)
  return Math.abs(orientation(px, py, sharedX, sharedY, qx, qy)) <= COLLINEAR && dot > 0
}

/** True only when a polygon of this one ring is certainly valid. */
export function isCertainlySimpleRing(ring: readonly Point[]): boolean {
  const points = withoutRepeats(ring)
  if (points.length < 4 || ringArea2(points) === 0) return false
  return ringsAreSimpleAndApart([points])
}

/** Even-odd point-in-ring test (the point must not lie on the ring). */
export function pointInRing(point: Point, ring: readonly Point[]): boolean {
  let inside = false
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const a = ring[i] as Point
    const b = ring[j] as Point
    if (a[1] > point[1] !== b[1] > point[1] && point[0] < ((b[0] - a[0]) * (point[1] - a[1])) / (b[1] - a[1]) + a[0]) {
      inside = !inside
    }
  }
  return inside
}
