import type { Position } from 'geojson'

// Point-to-segment geometry in plain lon/lat degrees, shared by the server's noding
// (server/proposals/noding.ts) and the web editor's corner drag (web/src/editor/shared-vertices.ts),
// so this module imports nothing at run time.

/**
 * Degrees (≈ 1 mm): two positions closer than this are the same point, and a position this close to
 * an edge lies on it. The server's noding and the editor's corner drag must agree on it.
 */
export const SAME_POINT_DEGREES = 1e-8

/**
 * Where p projects onto segment ab (t from 0 at a to 1 at b, clamped) and its distance from that
 * point, in degrees (plane approximation: only ever compared with a tolerance of a millimetre or so).
 */
export function projectOntoSegment(p: Position, a: Position, b: Position): { t: number; distance: number } {
  const [px = 0, py = 0] = p
  const [ax = 0, ay = 0] = a
  const [bx = 0, by = 0] = b
  const dx = bx - ax
  const dy = by - ay
  const length2 = dx * dx + dy * dy
  const t = length2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / length2))
  return { t, distance: Math.hypot(px - (ax + t * dx), py - (ay + t * dy)) }
}
