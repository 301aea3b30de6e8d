import type { Geometry, Position } from 'geojson'

// A shapefile polygon is a flat list of rings: outer rings clockwise, holes counter-clockwise,
// with nothing saying which hole belongs to which outer ring. These rebuild GeoJSON polygons
// (RFC 7946 orientation: outer counter-clockwise) from such a list.

/** Twice the signed area of a ring: positive when counter-clockwise (y up). */
export function signedArea(ring: readonly Position[]): number {
  let sum = 0
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const a = ring[j] as Position
    const b = ring[i] as Position
    sum += (a[0] as number) * (b[1] as number) - (b[0] as number) * (a[1] as number)
  }
  return sum
}

interface Outer {
  ring: Position[]
  area: number
  box: [number, number, number, number]
  holes: Position[][]
}

/** A Polygon (one outer ring) or MultiPolygon; a hole goes to the smallest outer ring holding its first point. */
export function ringsToPolygon(rings: Position[][]): Geometry {
  const closed = rings.filter((ring) => ring.length >= 4)
  if (closed.length <= 1) return { type: 'Polygon', coordinates: closed.map(counterClockwise) }
  const outers: Outer[] = []
  const holes: Position[][] = []
  for (const ring of closed) {
    const area = signedArea(ring)
    if (area <= 0) outers.push({ ring: [...ring].reverse(), area: -area, box: boxOf(ring), holes: [] })
    else holes.push(ring)
  }
  for (const hole of holes) {
    const point = hole[0] as Position
    const owner = outers
      .filter((outer) => inBox(outer.box, point) && pointInRing(point, outer.ring))
      .reduce<Outer | null>((best, outer) => (best === null || outer.area < best.area ? outer : best), null)
    // A counter-clockwise ring inside no outer ring is itself an outer ring (written the wrong way round).
    if (owner === null) outers.push({ ring: hole, area: signedArea(hole), box: boxOf(hole), holes: [] })
    else owner.holes.push([...hole].reverse())
  }
  const polygons = outers.map((outer) => [outer.ring, ...outer.holes])
  return polygons.length === 1
    ? { type: 'Polygon', coordinates: polygons[0] as Position[][] }
    : { type: 'MultiPolygon', coordinates: polygons }
}

const counterClockwise = (ring: Position[]) => (signedArea(ring) < 0 ? [...ring].reverse() : ring)

function boxOf(ring: readonly Position[]): [number, number, number, number] {
  const box: [number, number, number, number] = [
    Number.POSITIVE_INFINITY,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
  ]
  for (const [x, y] of ring as [number, number][]) {
    if (x < box[0]) box[0] = x
    if (y < box[1]) box[1] = y
    if (x > box[2]) box[2] = x
    if (y > box[3]) box[3] = y
  }
  return box
}

const inBox = (box: readonly number[], [x, y]: Position) =>
  (x as number) >= (box[0] as number) &&
  (x as number) <= (box[2] as number) &&
  (y as number) >= (box[1] as number) &&
  (y as number) <= (box[3] as number)

/** Even-odd ray casting. */
function pointInRing([x, y]: Position, ring: readonly Position[]): boolean {
  let inside = false
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i] as [number, number]
    const [xj, yj] = ring[j] as [number, number]
    if (yi > (y as number) !== yj > (y as number) && (x as number) < ((xj - xi) * ((y as number) - yi)) / (yj - yi) + xi) inside = !inside
  }
  return inside
}
