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

/** True when segments ab and cd may share a point (crossing, touching, or collinear overlap). */
function segmentsMeet(a: Point, b: Point, c: Point, d: Point): boolean {
  const o1 = orientation(a, b, c)
  const o2 = orientation(a, b, d)
  const o3 = orientation(c, d, a)
  const o4 = orientation(c, d, b)
  const zero = (o: number) => Math.abs(o) <= COLLINEAR
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
 * True when no two segments of these closed rings meet, except consecutive segments of one ring
 * at their shared vertex (and those must not fold back on each other). A sweep over the segments
 * sorted by their west end compares only segments whose x-ranges overlap.
 */
export function ringsAreSimpleAndApart(rings: readonly (readonly Point[])[]): boolean {
  const segments: { a: Point; b: Point; ring: number; i: number; n: number; minX: number; maxX: number }[] = []
  rings.forEach((ring, r) => {
    const n = ring.length - 1
    for (let i = 0; i < n; i++) {
      const a = ring[i] as Point
      const b = ring[i + 1] as Point
      segments.push({ a, b, ring: r, i, n, minX: Math.min(a[0], b[0]), maxX: Math.max(a[0], b[0]) })
    }
  })
  segments.sort((s, t) => s.minX - t.minX)
  for (let s = 0; s < segments.length; s++) {
    const first = segments[s] as (typeof segments)[number]
    for (let u = s + 1; u < segments.length; u++) {
      const second = segments[u] as (typeof segments)[number]
      if (second.minX > first.maxX) break
      if (first.ring === second.ring) {
        const gap = Math.abs(first.i - second.i)
        if (gap === 1 || gap === first.n - 1) {
          if (foldsBack(first, second)) return false
          continue
        }
      }
      if (Math.max(second.a[1], second.b[1]) < Math.min(first.a[1], first.b[1])) continue
      if (Math.min(second.a[1], second.b[1]) > Math.max(first.a[1], first.b[1])) continue
      if (segmentsMeet(first.a, first.b, second.a, second.b)) return false
    }
  }
  return true
}

/** Consecutive segments that run back along each other (a spike). */
function foldsBack(s: { a: Point; b: Point }, t: { a: Point; b: Point }): boolean {
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
