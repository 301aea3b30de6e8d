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

function orientation(a: Point, b: Point, c: Point): number {
  return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
}

// Orientations this close to zero are treated as collinear: the tests then ask whether the point
// lies on the segment, with a margin, so rounding can only make the proof more cautious.
const COLLINEAR = 1e-18
const MARGIN = 1e-12

function onSegment(a: Point, b: Point, p: Point): boolean {
  return (
    p[0] >= Math.min(a[0], b[0]) - MARGIN &&
    p[0] <= Math.max(a[0], b[0]) + MARGIN &&
    p[1] >= Math.min(a[1], b[1]) - MARGIN &&
    p[1] <= Math.max(a[1], b[1]) + MARGIN
  )
}

/** Module-level, not a closure per call: this runs millions of times in a sweep. */
function zero(o: number): boolean {
  return Math.abs(o) <= COLLINEAR
}

/** True when segments ab and cd may share a point (crossing, touching, or collinear overlap). */
function segmentsMeet(a: Point, b: Point, c: Point, d: Point): boolean {
  const o1 = orientation(a, b, c)
  const o2 = orientation(a, b, d)
  const o3 = orientation(c, d, a)
  const o4 = orientation(c, d, b)
  if ((zero(o1) && onSegment(a, b, c)) || (zero(o2) && onSegment(a, b, d))) return true
  if ((zero(o3) && onSegment(c, d, a)) || (zero(o4) && onSegment(c, d, b))) return true
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

interface Segment {
  a: Point
  b: Point
  ring: number
  i: number
  n: number
  /** [minX, minY, maxX, maxY, min(x + y), max(x + y)] */
  box: [number, number, number, number, number, number]
}

/** Whether two segments whose boxes overlap break simplicity (a touch, a crossing, a spike). */
function meet(first: Segment, second: Segment): boolean {
  if (first.ring === second.ring) {
    const gap = Math.abs(first.i - second.i)
    if (gap === 1 || gap === first.n - 1) return foldsBack(first, second)
  }
  return segmentsMeet(first.a, first.b, second.a, second.b)
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
  const segments: Segment[] = []
  rings.forEach((ring, r) => {
    const n = ring.length - 1
    for (let i = 0; i < n; i++) {
      const a = ring[i] as Point
      const b = ring[i + 1] as Point
      const box: Segment['box'] = [
        Math.min(a[0], b[0]),
        Math.min(a[1], b[1]),
        Math.max(a[0], b[0]),
        Math.max(a[1], b[1]),
        Math.min(a[0] + a[1], b[0] + b[1]),
        Math.max(a[0] + a[1], b[0] + b[1]),
      ]
      segments.push({ a, b, ring: r, i, n, box })
    }
  })
  const budget = COMPARISONS_PER_SEGMENT * segments.length + COMPARISONS_ALLOWANCE
  for (const [low, high] of SWEEPS) {
    const meetings = sweep(segments, low, high, budget, most)
    if (meetings !== null) return meetings
  }
  return null
}

/** Sweeps along one direction, counting meeting pairs up to `most` + 1; null when out of comparisons. */
function sweep(segments: Segment[], low: 0 | 1 | 4, high: 2 | 3 | 5, budget: number, most: number): number | null {
  const sorted = [...segments].sort((s, t) => s.box[low] - t.box[low])
  let meetings = 0
  for (let s = 0; s < sorted.length; s++) {
    const first = sorted[s] as Segment
    const [minX, minY, maxX, maxY] = first.box
    for (let u = s + 1; u < sorted.length; u++) {
      const second = sorted[u] as Segment
      if (second.box[low] > first.box[high]) break
      if (--budget < 0) return null
      // Boxes apart cannot meet (adjacent segments share a vertex, so never are).
      const box = second.box
      if (box[2] < minX || box[0] > maxX || box[3] < minY || box[1] > maxY) continue
      if (meet(first, second) && ++meetings > most) return meetings
    }
  }
  return meetings
}

/** Consecutive segments that run back along each other (a spike). */
function foldsBack(s: Segment, t: Segment): boolean {
  const shared = s.b === t.a || (s.b[0] === t.a[0] && s.b[1] === t.a[1]) ? s.b : s.a
  const p = shared === s.b ? s.a : s.b
  const q = shared === s.b ? t.b : t.a
  const dot = (p[0] - shared[0]) * (q[0] - shared[0]) + (p[1] - shared[1]) * (q[1] - shared[1])
  return Math.abs(orientation(p, shared, q)) <= COLLINEAR && dot > 0
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
