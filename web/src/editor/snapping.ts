import type { Position } from 'geojson'
import { projectOntoSegment } from '../../../server/geo/segment.js'
import { nearestWithin } from './shared-vertices'

// Where a drawn or dragged point snaps, in order of precedence: a grid or boundary corner (what
// shared edges are made of), then a corner of a reference line (road, river, footprint edge), then
// the nearest point on such a line — each within the same screen radius. Snapping only moves the
// point the user gives; the server still nodes shared edges exactly (docs/editor.md).

export type SnapKind = 'corner' | 'reference-vertex' | 'reference-line'

export interface SnapTargets {
  /** Grid and region-boundary corners: they win whenever one is within reach. */
  corners: readonly Position[]
  /** Reference lines (road centre lines, rivers, footprint rings) with a name for the hint. */
  lines: readonly { coordinates: readonly Position[]; name: string | null }[]
}

export interface Snap {
  point: Position
  kind: SnapKind
  /** The reference line's name (road code 县道 X001…), for the hint. */
  name: string | null
}

/** Screen position (pixels) of a lon/lat at the current view. */
export type ToScreen = (p: Position) => [number, number]

const lonLatBox = (p: Position, reach: number) => [(p[0] ?? 0) - reach, (p[1] ?? 0) - reach, (p[0] ?? 0) + reach, (p[1] ?? 0) + reach]

/**
 * The snap for `target` within `pixels`, or null. `reach` (degrees) bounds the lon/lat box around
 * the target in which candidates are looked at, so a county road network costs a few segments.
 */
export function snapPoint(target: Position, targets: SnapTargets, toScreen: ToScreen, pixels: number, reach: number): Snap | null {
  const [tx, ty] = toScreen(target)
  const distance = (p: Position) => {
    const [x, y] = toScreen(p)
    return Math.hypot(x - tx, y - ty)
  }
  const [minX, minY, maxX, maxY] = lonLatBox(target, reach) as [number, number, number, number]
  const near = (p: Position) => (p[0] ?? 0) >= minX && (p[0] ?? 0) <= maxX && (p[1] ?? 0) >= minY && (p[1] ?? 0) <= maxY

  const corner = nearestWithin(target, targets.corners.filter(near), (_, p) => distance(p), pixels)
  if (corner) return { point: corner, kind: 'corner', name: null }

  let best: Snap | null = null
  let bestDistance = pixels
  for (const line of targets.lines) {
    for (const p of line.coordinates) {
      if (!near(p)) continue
      const d = distance(p)
      if (d <= bestDistance) [best, bestDistance] = [{ point: p, kind: 'reference-vertex', name: line.name }, d]
    }
  }
  if (best) return best

  for (const line of targets.lines) {
    for (let i = 0; i + 1 < line.coordinates.length; i++) {
      const a = line.coordinates[i] as Position
      const b = line.coordinates[i + 1] as Position
      if (Math.max(a[0] ?? 0, b[0] ?? 0) < minX || Math.min(a[0] ?? 0, b[0] ?? 0) > maxX) continue
      if (Math.max(a[1] ?? 0, b[1] ?? 0) < minY || Math.min(a[1] ?? 0, b[1] ?? 0) > maxY) continue
      const onSegment = projectOntoSegment([tx, ty], toScreen(a), toScreen(b)) // in screen pixels
      if (onSegment.distance > bestDistance) continue
      // Linear between the ends: a segment a few pixels long is straight in lon/lat too.
      const t = onSegment.t
      const point = [(a[0] ?? 0) + t * ((b[0] ?? 0) - (a[0] ?? 0)), (a[1] ?? 0) + t * ((b[1] ?? 0) - (a[1] ?? 0))]
      best = { point, kind: 'reference-line', name: line.name }
      bestDistance = onSegment.distance
    }
  }
  return best
}
