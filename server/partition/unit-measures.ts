import Flatbush from 'flatbush'
import type { LineString, MultiLineString, MultiPolygon, Polygon } from 'geojson'
import { projectOntoSegment, SAME_POINT_DEGREES } from '../geo/segment.js'
import { bounds, orientRings, type PolygonRings, type Position } from '../validation/edge-match.js'
import type { PartitionEdge, PartitionUnit } from './types.js'

// Areas, lengths and centroids in metres, measured here rather than by ST_Transform: a local
// projection of the area's own (the ellipsoid's radii of curvature at its middle latitude, so
// scale errors stay below 0.1 % across a community of a few kilometres) needs no spatial_ref_sys
// rows on either engine, gives both engines the same numbers, and keeps areas exactly additive
// (shoelace sums over shared edges cancel), so the units' areas add up to the boundary's.
// Adjacency comes from identical segments: the polygonised faces share their edges exactly.

export interface AreaUnit extends PartitionUnit {
  /** Lon/lat rings, counter-clockwise shell first. */
  polygon: PolygonRings
  /** Indexes of the buildings counted in this unit. */
  buildings: number[]
}

export interface AreaUnits {
  units: AreaUnit[]
  edges: PartitionEdge[]
}

const WGS84_A = 6_378_137
const WGS84_E2 = 0.006_694_379_990_14

export type LocalProjection = (p: Position) => Position

/** Metres east and north of the middle of `boundary`'s box. */
export function localProjection(boundary: Polygon | MultiPolygon): LocalProjection {
  const rings = boundary.type === 'Polygon' ? boundary.coordinates : boundary.coordinates.flat()
  const [minX, minY, maxX, maxY] = bounds(rings.flat() as Position[])
  const lon0 = (minX + maxX) / 2
  const lat0 = (minY + maxY) / 2
  const phi = (lat0 * Math.PI) / 180
  const w = 1 - WGS84_E2 * Math.sin(phi) ** 2
  const perDegreeX = ((WGS84_A / Math.sqrt(w)) * Math.cos(phi) * Math.PI) / 180
  const perDegreeY = ((WGS84_A * (1 - WGS84_E2)) / w ** 1.5) * (Math.PI / 180)
  return ([x, y]) => [(x - lon0) * perDegreeX, (y - lat0) * perDegreeY]
}

/** Signed area (counter-clockwise positive) and length of a projected ring. */
function ringMeasures(ring: readonly Position[]): { area: number; length: number; cx: number; cy: number } {
  let area2 = 0
  let length = 0
  let cx = 0
  let cy = 0
  for (let i = 1; i < ring.length; i++) {
    const [x0, y0] = ring[i - 1] as Position
    const [x1, y1] = ring[i] as Position
    const cross = x0 * y1 - x1 * y0
    area2 += cross
    cx += (x0 + x1) * cross
    cy += (y0 + y1) * cross
    length += Math.hypot(x1 - x0, y1 - y0)
  }
  return { area: area2 / 2, length, cx: cx / 6, cy: cy / 6 }
}

/** Area (m²), perimeter (m) and centroid (m) of a polygon in lon/lat. */
export function polygonMeasures(
  polygon: PolygonRings,
  project: LocalProjection,
): { area: number; perimeter: number; x: number; y: number } {
  let area = 0
  let perimeter = 0
  let mx = 0
  let my = 0
  for (const ring of orientRings(polygon)) {
    const measures = ringMeasures(ring.map(project))
    area += measures.area
    perimeter += measures.length
    mx += measures.cx
    my += measures.cy
  }
  return { area, perimeter, x: mx / area, y: my / area }
}

interface Face {
  polygon: PolygonRings
  buildings: number[]
  households: number
}

export function measureUnits(
  faces: readonly Face[],
  boundary: Polygon | MultiPolygon,
  roads: readonly (LineString | MultiLineString)[],
): AreaUnits {
  const project = localProjection(boundary)
  const units: AreaUnit[] = faces.map((face, index) => {
    const polygon = orientRings(face.polygon) as Position[][]
    return { id: `u${index + 1}`, households: face.households, ...polygonMeasures(polygon, project), polygon, buildings: face.buildings }
  })
  return { units, edges: sharedEdges(units, project, roadIndex(roads)) }
}

/** Unit pairs with the length they share, split by whether it runs on a road. */
function sharedEdges(units: readonly AreaUnit[], project: LocalProjection, onRoad: (a: Position, b: Position) => boolean): PartitionEdge[] {
  const firstOwner = new Map<string, number>()
  const lengths = new Map<string, PartitionEdge>()
  for (const [u, unit] of units.entries()) {
    for (const ring of unit.polygon) {
      for (let i = 1; i < ring.length; i++) {
        const a = ring[i - 1] as Position
        const b = ring[i] as Position
        const forward = a[0] < b[0] || (a[0] === b[0] && a[1] < b[1])
        const key = forward ? `${a[0]},${a[1]},${b[0]},${b[1]}` : `${b[0]},${b[1]},${a[0]},${a[1]}`
        const other = firstOwner.get(key)
        if (other === undefined) {
          firstOwner.set(key, u)
          continue
        }
        const road = onRoad(a, b)
        const pair = `${other},${u},${road}`
        const [pa, pb] = [project(a), project(b)]
        const length = Math.hypot((pb[0] as number) - (pa[0] as number), (pb[1] as number) - (pa[1] as number))
        const edge = lengths.get(pair)
        if (edge) edge.length += length
        else lengths.set(pair, { a: (units[other] as AreaUnit).id, b: unit.id, length, onRoad: road })
      }
    }
  }
  return [...lengths.values()]
}

/** Whether a segment lies along the road linework (its middle within a millimetre of a road). */
function roadIndex(roads: readonly (LineString | MultiLineString)[]): (a: Position, b: Position) => boolean {
  const segments: [Position, Position][] = []
  for (const road of roads) {
    for (const line of road.type === 'LineString' ? [road.coordinates] : road.coordinates) {
      for (let i = 1; i < line.length; i++) segments.push([line[i - 1] as Position, line[i] as Position])
    }
  }
  if (segments.length === 0) return () => false
  const tree = new Flatbush(segments.length)
  for (const [a, b] of segments) {
    tree.add(Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[0], b[0]), Math.max(a[1], b[1]))
  }
  tree.finish()
  return (a, b) => {
    const middle: Position = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2]
    const d = SAME_POINT_DEGREES
    return tree.search(middle[0] - d, middle[1] - d, middle[0] + d, middle[1] + d).some((s) => {
      const [p, q] = segments[s] as [Position, Position]
      return projectOntoSegment(middle, p, q).distance <= d
    })
  }
}
