import { area, featureCollection, intersect, polygon } from '@turf/turf'
import type { MultiPolygon, Polygon, Position } from 'geojson'
import { geometryBBox } from '../map/geometry'

// What the editor shows while a line or a shape is being drawn (as Districtr does while painting):
// the two sides of a split line — their areas and each side's share of the grid's households by
// area — and for a new grid its area and the households of the grids it covers, by area. Estimates
// only: the server splits exactly and recounts households from building points. Called on every
// mouse move, so the split is worked out on the ring directly instead of with polygon clipping.

/** Earth radius of Turf's sphere, so these areas agree with the measure tool's. */
const EARTH_RADIUS_M = 6371008.8
const RAD = Math.PI / 180

/** A point where the drawn line crosses the grid's outer ring. */
interface Crossing {
  point: Position
  /** Segment of the line and the position along it (0..1). */
  lineSegment: number
  along: number
  /** Segment of the ring and the position along it (0..1). */
  ringSegment: number
  alongRing: number
}

export interface SplitEstimate {
  /** The two sides' areas in m² (the side to the line's left first). */
  areas: [number, number]
  /** Each side's share of the grid's households by area (summing to them); null without a count. */
  households: [number, number] | null
}

/** Where segments ab and cd cross: positions along each (a crossing at d or b counts for the next segment). */
function crossing(a: Position, b: Position, c: Position, d: Position): { t: number; u: number } | null {
  const [ax, ay] = a as [number, number]
  const [bx, by] = b as [number, number]
  const [cx, cy] = c as [number, number]
  const [dx, dy] = d as [number, number]
  const rx = bx - ax
  const ry = by - ay
  const sx = dx - cx
  const sy = dy - cy
  const denominator = rx * sy - ry * sx
  if (denominator === 0) return null // parallel: touching along an edge splits nothing
  const t = ((cx - ax) * sy - (cy - ay) * sx) / denominator
  const u = ((cx - ax) * ry - (cy - ay) * rx) / denominator
  return t >= 0 && t <= 1 && u >= 0 && u < 1 ? { t, u } : null
}

/** The line's crossings with a closed ring, in order along the line (one at a shared vertex counted once). */
function crossings(line: readonly Position[], ring: readonly Position[]): Crossing[] {
  const found: Crossing[] = []
  for (let i = 0; i + 1 < line.length; i++) {
    const a = line[i] as Position
    const b = line[i + 1] as Position
    for (let j = 0; j + 1 < ring.length; j++) {
      const hit = crossing(a, b, ring[j] as Position, ring[j + 1] as Position)
      if (!hit || (hit.t === 1 && i + 2 < line.length)) continue // the next line segment's start
      const point: Position = [(a[0] ?? 0) + hit.t * ((b[0] ?? 0) - (a[0] ?? 0)), (a[1] ?? 0) + hit.t * ((b[1] ?? 0) - (a[1] ?? 0))]
      found.push({ point, lineSegment: i, along: hit.t, ringSegment: j, alongRing: hit.u })
    }
  }
  return found.sort((p, q) => p.lineSegment - q.lineSegment || p.along - q.along)
}

/**
 * Signed area of a ring in m² (positive counter-clockwise), on a plane tangent at `origin`: grids are
 * small enough for this.
 */
function signedArea(ring: readonly Position[], origin: Position): number {
  const cos = Math.cos((origin[1] ?? 0) * RAD)
  const x = (p: Position) => ((p[0] ?? 0) - (origin[0] ?? 0)) * cos
  const y = (p: Position) => (p[1] ?? 0) - (origin[1] ?? 0)
  let twice = 0
  for (let i = 0; i < ring.length; i++) {
    const p = ring[i] as Position
    const q = ring[(i + 1) % ring.length] as Position
    twice += x(p) * y(q) - x(q) * y(p)
  }
  return (twice / 2) * (EARTH_RADIUS_M * RAD) ** 2
}

/** Splits `total` households by area share, whole households that add up to it. */
export function shareHouseholds(total: number, areas: readonly [number, number]): [number, number] {
  const sum = areas[0] + areas[1]
  const first = sum > 0 ? Math.round((total * areas[0]) / sum) : 0
  return [first, total - first]
}

/**
 * The two sides of a grid cut by a line (as drawn so far, the cursor last): null unless the line
 * crosses the outer ring of one of the grid's polygons exactly twice (a line still inside the grid,
 * or one that cuts it into more than two parts). Holes are left out of the areas.
 */
export function splitEstimate(grid: Polygon | MultiPolygon, households: number | null, line: readonly Position[]): SplitEstimate | null {
  if (line.length < 2) return null
  const outers = grid.type === 'Polygon' ? [grid.coordinates[0] ?? []] : grid.coordinates.map((p) => p[0] ?? [])
  for (const ring of outers) {
    const cut = crossings(line, ring)
    if (cut.length !== 2) continue
    const [from, to] = cut as [Crossing, Crossing]
    const corners = ring.length - 1
    // The ring from the first crossing forward to the second, then back along the line.
    let steps = (to.ringSegment - from.ringSegment + corners) % corners
    if (steps === 0 && from.alongRing > to.alongRing) steps = corners
    const side: Position[] = [from.point]
    for (let k = 1; k <= steps; k++) side.push(ring[(from.ringSegment + k) % corners] as Position)
    side.push(to.point)
    for (let i = to.lineSegment; i > from.lineSegment; i--) side.push(line[i] as Position)
    const origin = ring[0] as Position
    // `side` runs along the ring the way the ring runs, so it turns the same way; it has the line on
    // its way back, so a counter-clockwise side lies to the right of the line as drawn.
    const turn = signedArea(ring.slice(0, -1), origin)
    const one = Math.abs(signedArea(side, origin))
    const other = Math.max(0, Math.abs(turn) - one)
    const areas: [number, number] = turn > 0 ? [other, one] : [one, other]
    return { areas, households: households === null ? null : shareHouseholds(households, areas) }
  }
  return null
}

export interface CoverEstimate {
  /** Area of the shape in m². */
  area: number
  /** Households of the covered grids by the share of each grid covered (grids without a count left out). */
  households: number
  /** Grids the shape covers part of. */
  grids: number
}

/** A grid as the estimate needs it. */
export interface CountedGrid {
  geometry: Polygon | MultiPolygon
  households: number | null
}

/** A new grid's shape as drawn so far (an open ring, the cursor last): its area and what it covers. */
export function coverEstimate(shape: readonly Position[], grids: readonly CountedGrid[]): CoverEstimate | null {
  if (shape.length < 3) return null
  const drawn = polygon([[...shape.map((p) => [...p]), [...(shape[0] as Position)]]])
  const [west, south, east, north] = geometryBBox(drawn) ?? [0, 0, 0, 0]
  let households = 0
  let covered = 0
  for (const grid of grids) {
    const box = geometryBBox(grid.geometry)
    if (!box) continue
    const [w, s, e, n] = box
    if (w > east || e < west || s > north || n < south) continue
    let part: ReturnType<typeof intersect> = null
    try {
      part = intersect(featureCollection([drawn, { type: 'Feature', geometry: grid.geometry, properties: {} }]))
    } catch {
      continue // a shape crossing itself while it is drawn
    }
    if (!part) continue
    covered++
    if (grid.households !== null) households += (grid.households * area(part)) / area(grid.geometry)
  }
  return { area: area(drawn), households: Math.round(households), grids: covered }
}
