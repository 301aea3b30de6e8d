import type { Geometry, Position } from 'geojson'
import { geometryOfPolygons } from '../../geo/ewkb.js'
import { signedArea } from '../../geo/ring-area.js'

export { signedArea }

// A shapefile polygon is a flat list of rings: outer rings clockwise, holes counter-clockwise,
// with nothing saying which hole belongs to which outer ring. These rebuild GeoJSON polygons
// (RFC 7946 orientation: outer counter-clockwise) from such a list.

interface Outer {
  ring: Position[]
  area: number
  box: [number, number, number, number]
  holes: Position[][]
}

/**
 * A Polygon (one outer ring) or MultiPolygon from a record's rings, given already reversed from
 * file order (so outer rings, clockwise in the file, come counter-clockwise, and holes clockwise)
 * and `outer[i]`: ring i was clockwise in the file. A hole goes to the smallest outer ring holding
 * its first point; one inside none is an outer ring written the wrong way round.
 */
export function ringsToPolygon(rings: Position[][], outer: readonly boolean[]): Geometry {
  if (rings.length === 1)
    return { type: 'Polygon', coordinates: [outer[0] ? (rings[0] as Position[]) : [...(rings[0] as Position[])].reverse()] }
  const outers: Outer[] = []
  const holes: Position[][] = []
  for (const [i, ring] of rings.entries()) {
    if (outer[i]) outers.push({ ring, area: signedArea(ring), box: boxOf(ring), holes: [] })
    else holes.push(ring)
  }
  for (const hole of holes) {
    const point = hole[0] as Position
    const owner = outers
      .filter((candidate) => inBox(candidate.box, point) && pointInRing(point, candidate.ring))
      .reduce<Outer | null>((best, candidate) => (best === null || candidate.area < best.area ? candidate : best), null)
    if (owner !== null) owner.holes.push(hole)
    else {
      const ring = [...hole].reverse()
      outers.push({ ring, area: signedArea(ring), box: boxOf(ring), holes: [] })
    }
  }
  return geometryOfPolygons(outers.map((candidate) => [candidate.ring, ...candidate.holes]))
}

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
