import type { Position } from 'geojson'
import { area, length, lineString, polygon } from '@turf/turf'

// The measure tool's pure part: geodesic length and area of what was clicked (Turf), and the
// unit each is shown in. The words for the units live in the i18n files (measure.unit.*).

export type MeasureMode = 'distance' | 'area'
export type LengthUnit = 'm' | 'km'
export type AreaUnit = 'm2' | 'ha' | 'km2'

/** A measured amount as shown: the number (already rounded for display) and its unit. */
export interface Shown<U extends string> {
  value: string
  unit: U
}

/** Length of the polyline through `points`, in metres (0 for fewer than two points). */
export function pathLength(points: readonly Position[]): number {
  if (points.length < 2) return 0
  return length(lineString(points.map((p) => [...p])), { units: 'meters' })
}

/** Area enclosed by `points` (the ring is closed here), in square metres (0 for fewer than three). */
export function enclosedArea(points: readonly Position[]): number {
  if (points.length < 3) return 0
  const first = points[0] as Position
  return area(polygon([[...points.map((p) => [...p]), [...first]]]))
}

/** Perimeter of the ring through `points` (closed), in metres. */
export function perimeter(points: readonly Position[]): number {
  if (points.length < 3) return pathLength(points)
  return pathLength([...points, points[0] as Position])
}

const fixed = (n: number, digits: number) => n.toFixed(digits)

/** Metres below 1 km (whole metres), kilometres above (two decimals, one from 100 km). */
export function showLength(metres: number): Shown<LengthUnit> {
  if (metres < 1000) return { value: fixed(metres, 0), unit: 'm' }
  const km = metres / 1000
  return { value: fixed(km, km < 100 ? 2 : 1), unit: 'km' }
}

/** Square metres below a hectare, hectares below a square kilometre, then square kilometres. */
export function showArea(squareMetres: number): Shown<AreaUnit> {
  if (squareMetres < 10_000) return { value: fixed(squareMetres, 0), unit: 'm2' }
  if (squareMetres < 1_000_000) return { value: fixed(squareMetres / 10_000, 2), unit: 'ha' }
  return { value: fixed(squareMetres / 1_000_000, 2), unit: 'km2' }
}

export const MEASURE_MODES = ['distance', 'area'] as const satisfies readonly MeasureMode[]

/** The measure tool's keys (the toolbar's tooltips, the key handler and the shortcut help). */
export const MEASURE_KEYS: Record<MeasureMode, string> = { distance: 'D', area: 'A' }
