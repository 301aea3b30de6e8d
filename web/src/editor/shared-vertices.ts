import type { MultiPolygon, Polygon, Position } from 'geojson'
import { projectOntoSegment, SAME_POINT_DEGREES } from '../../../server/geo/segment.js'

// Shared-edge editing: moving a corner of one grid moves the same corner of every grid that
// touches it, so no gap or overlap opens between neighbours. Written by hand because neither
// terra-draw nor Turf edits several polygons' shared vertices together: terra-draw's select
// mode moves one feature's coordinate only.

export type PolygonGeometry = Polygon | MultiPolygon

/** A grid as the editor holds it: an id (code, or `new-N`) and its geometry in the draft. */
export interface EditableGrid {
  id: string
  geometry: PolygonGeometry
}

/** Two positions closer than this (degrees, ≈ 1 mm) are the same vertex: the server's noding tolerance. */
export const SAME_VERTEX = SAME_POINT_DEGREES

const samePosition = (a: Position, b: Position, tolerance = SAME_VERTEX): boolean =>
  Math.abs((a[0] ?? 0) - (b[0] ?? 0)) <= tolerance && Math.abs((a[1] ?? 0) - (b[1] ?? 0)) <= tolerance

/** The rings of a polygon or multipolygon, in order. */
export function ringsOf(geometry: PolygonGeometry): Position[][] {
  return geometry.type === 'Polygon' ? geometry.coordinates : geometry.coordinates.flat()
}

/** Every distinct vertex of a geometry (the closing position of each ring left out). */
export function verticesOf(geometry: PolygonGeometry): Position[] {
  const out: Position[] = []
  for (const ring of ringsOf(geometry)) for (const p of ring.slice(0, -1)) if (!out.some((q) => samePosition(p, q))) out.push(p)
  return out
}

/** Distance from p to segment ab in degrees (plane approximation; only compared with a tolerance). */
const distanceToSegment = (p: Position, a: Position, b: Position): number => projectOntoSegment(p, a, b).distance

function mapRings(geometry: PolygonGeometry, fn: (ring: Position[]) => Position[]): PolygonGeometry {
  return geometry.type === 'Polygon'
    ? { type: 'Polygon', coordinates: geometry.coordinates.map(fn) }
    : { type: 'MultiPolygon', coordinates: geometry.coordinates.map((polygon) => polygon.map(fn)) }
}

/** Where `from` lies in a ring: its vertex indices, else the segment it lies on (T-junction). */
function ringTouch(ring: Position[], from: Position): { vertex: boolean; segment: number | null } {
  if (ring.some((p) => samePosition(p, from))) return { vertex: true, segment: null }
  for (let i = 0; i < ring.length - 1; i++) {
    const a = ring[i] as Position
    const b = ring[i + 1] as Position
    if (distanceToSegment(from, a, b) <= SAME_VERTEX) return { vertex: false, segment: i }
  }
  return { vertex: false, segment: null }
}

/**
 * Moves the vertex at `from` to `to` in every grid whose boundary passes through `from`: where it
 * is a vertex it moves; where `from` lies inside an edge of a neighbour (a T-junction, e.g. after
 * a split added a corner on the cut), that edge gets the vertex inserted first, then moved.
 * Returns the grids that changed, with their new geometry.
 */
export function moveSharedVertex(grids: readonly EditableGrid[], from: Position, to: Position): EditableGrid[] {
  const changed: EditableGrid[] = []
  for (const grid of grids) {
    let touched = false
    const geometry = mapRings(grid.geometry, (ring) => {
      const touch = ringTouch(ring, from)
      if (touch.vertex) {
        touched = true
        return ring.map((p) => (samePosition(p, from) ? [...to] : p))
      }
      if (touch.segment !== null) {
        touched = true
        const at = touch.segment + 1
        return [...ring.slice(0, at), [...to], ...ring.slice(at)]
      }
      return ring
    })
    if (touched) changed.push({ id: grid.id, geometry })
  }
  return changed
}

/** The grids whose boundary passes through a point (as a vertex or inside an edge). */
export function gridsTouching(grids: readonly EditableGrid[], point: Position): string[] {
  return grids
    .filter((g) =>
      ringsOf(g.geometry).some((ring) => {
        const touch = ringTouch(ring, point)
        return touch.vertex || touch.segment !== null
      }),
    )
    .map((g) => g.id)
}

/**
 * The nearest of `candidates` to `target` within `maxDistance` by the caller's metric (screen
 * pixels on the map), for snapping a dragged or drawn point onto a neighbour's corner.
 */
export function nearestWithin(
  target: Position,
  candidates: readonly Position[],
  distance: (a: Position, b: Position) => number,
  maxDistance: number,
): Position | null {
  let best: Position | null = null
  let bestDistance = maxDistance
  for (const c of candidates) {
    const d = distance(target, c)
    if (d <= bestDistance) {
      best = c
      bestDistance = d
    }
  }
  return best
}
