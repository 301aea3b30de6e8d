import type { Feature, FeatureCollection, Geometry, Point, Position } from 'geojson'

// Label points are computed here rather than left to MapLibre: a GeoJSON source is cut into
// tiles, and a polygon symbol would be placed once per tile piece (duplicated labels).

type Ring = Position[]

function ringArea(ring: Ring): number {
  let a = 0
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi = 0, yi = 0] = ring[i] ?? []
    const [xj = 0, yj = 0] = ring[j] ?? []
    a += xj * yi - xi * yj
  }
  return a / 2
}

function ringCentroid(ring: Ring): Position | null {
  const area = ringArea(ring)
  if (area === 0) return null
  let cx = 0
  let cy = 0
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi = 0, yi = 0] = ring[i] ?? []
    const [xj = 0, yj = 0] = ring[j] ?? []
    const f = xj * yi - xi * yj
    cx += (xi + xj) * f
    cy += (yi + yj) * f
  }
  return [cx / (6 * area), cy / (6 * area)]
}

function inRing(p: Position, ring: Ring): boolean {
  const [x = 0, y = 0] = p
  let inside = false
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi = 0, yi = 0] = ring[i] ?? []
    const [xj = 0, yj = 0] = ring[j] ?? []
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside
  }
  return inside
}

function inPolygon(p: Position, rings: Ring[]): boolean {
  const [outer, ...holes] = rings
  return !!outer && inRing(p, outer) && !holes.some((h) => inRing(p, h))
}

/** Midpoint of the widest interior stretch of the horizontal line at latitude y. */
function widestSpanMidpoint(rings: Ring[], y: number): Position | null {
  const xs: number[] = []
  for (const ring of rings) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi = 0, yi = 0] = ring[i] ?? []
      const [xj = 0, yj = 0] = ring[j] ?? []
      if (yi > y !== yj > y) xs.push(((xj - xi) * (y - yi)) / (yj - yi) + xi)
    }
  }
  xs.sort((a, b) => a - b)
  let best: Position | null = null
  let width = -1
  for (let i = 0; i + 1 < xs.length; i += 2) {
    const a = xs[i] ?? 0
    const b = xs[i + 1] ?? 0
    if (b - a > width) {
      width = b - a
      best = [(a + b) / 2, y]
    }
  }
  return best
}

/** A point inside the largest part of a (multi)polygon, near its centroid. */
export function labelPoint(geometry: Geometry | null): Position | null {
  if (!geometry) return null
  const polygons: Ring[][] =
    geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.type === 'MultiPolygon' ? geometry.coordinates : []
  let largest: Ring[] | undefined
  let largestArea = 0
  for (const poly of polygons) {
    const a = Math.abs(ringArea(poly[0] ?? []))
    if (a > largestArea) {
      largestArea = a
      largest = poly
    }
  }
  if (!largest?.[0]) return null
  const c = ringCentroid(largest[0])
  if (!c) return null
  if (inPolygon(c, largest)) return c
  return widestSpanMidpoint(largest, c[1] ?? 0) ?? c
}

/** A server-given interior point (`attributes.interior_point`), when the feature has one. */
function givenPoint(properties: unknown): Position | null {
  const p = (properties as { attributes?: { interior_point?: unknown } } | null)?.attributes?.interior_point
  return Array.isArray(p) && p.length === 2 && p.every((n) => typeof n === 'number') ? (p as Position) : null
}

/** One point feature per polygon feature, carrying the same properties. */
export function labelPoints<P>(fc: FeatureCollection<Geometry | null, P>): FeatureCollection<Point, P> {
  const features: Feature<Point, P>[] = []
  for (const f of fc.features) {
    const p = givenPoint(f.properties) ?? labelPoint(f.geometry)
    if (p) features.push({ type: 'Feature', geometry: { type: 'Point', coordinates: p }, properties: f.properties })
  }
  return { type: 'FeatureCollection', features }
}

export { geometryBBox } from '../../../server/geo/bbox.js'
