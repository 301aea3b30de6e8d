import * as gjv from 'geojson-validation'
import type { MessageParams } from '../i18n/index.js'
import type { InvalidGeometryReason } from './report.schemas.js'

// The first layers of geometry checking, in plain JS before anything reaches PostGIS:
// GeoJSON structure (geojson-validation), then what it does not check — polygon type,
// coordinates that are numbers, lon/lat ranges, closed rings of at least 4 points.
// Off-the-shelf validators accept latitudes over 90 and unclosed rings, hence these checks.

export interface GeometryProblem {
  code: Extract<
    InvalidGeometryReason,
    | 'not_a_feature'
    | 'wrong_geometry_type'
    | 'empty_geometry'
    | 'coordinates_not_numbers'
    | 'out_of_range_coordinate'
    | 'too_few_points'
    | 'unclosed_ring'
  >
  params: MessageParams
}

export function checkPolygonFeature(feature: unknown): GeometryProblem[] {
  if (typeof feature !== 'object' || feature === null || (feature as { type?: unknown }).type !== 'Feature') {
    return [{ code: 'not_a_feature', params: {} }]
  }
  const geometry = (feature as { geometry?: unknown }).geometry as { type?: unknown; coordinates?: unknown } | null
  const type = geometry?.type
  if (type !== 'Polygon' && type !== 'MultiPolygon') {
    return [{ code: 'wrong_geometry_type', params: { type: String(type ?? 'null') } }]
  }
  const polygons = (type === 'Polygon' ? [geometry?.coordinates] : geometry?.coordinates) as unknown
  const problems: GeometryProblem[] = []
  if (!Array.isArray(polygons)) return [{ code: 'coordinates_not_numbers', params: { path: 'coordinates' } }]
  if (polygons.length === 0 || polygons.some((rings: unknown) => Array.isArray(rings) && rings.length === 0)) {
    return [{ code: 'empty_geometry', params: {} }]
  }
  // The first problem only: a feature is broken by one as by ten thousand (a hostile list of
  // 10,000 numbers as rings once made 10,000 issues and held the server for a second).
  for (const [p, rings] of polygons.entries()) {
    if (!Array.isArray(rings)) return [{ code: 'coordinates_not_numbers', params: { path: `coordinates[${p}]` } }]
    for (const [r, ring] of rings.entries()) {
      const found = checkRing(ring, type === 'Polygon' ? `[${r}]` : `[${p}][${r}]`)
      if (found.length > 0) return found.slice(0, 1)
    }
  }
  if (!restIsGeoJson(feature as { geometry: { bbox?: unknown } }, polygons as unknown[][][])) {
    // Anything the explicit checks above did not name (e.g. a missing properties member).
    problems.push({ code: 'not_a_feature', params: {} })
  }
  return problems
}

/**
 * What geojson-validation's isFeature checks beyond the checks above, once they have passed: the
 * feature's own members (asked of it with the geometry left out, so its 4 million positions in a
 * city are not walked a second time), the geometry's bbox, and each ring's first and last
 * positions equal as text (a z that differs, which the checks above do not read).
 */
function restIsGeoJson(feature: { geometry: { bbox?: unknown } }, polygons: unknown[][][]): boolean {
  if (!gjv.isFeature({ ...feature, geometry: null })) return false
  if ('bbox' in feature.geometry && !gjv.isBbox(feature.geometry.bbox)) return false
  for (const rings of polygons) {
    for (const ring of rings) {
      const positions = ring as unknown[]
      if (String(positions[0]) !== String(positions[positions.length - 1])) return false
    }
  }
  return true
}

/** The first problem of a ring (loops written out: a city's 4 million positions pass here). */
function checkRing(ring: unknown, path: string): GeometryProblem[] {
  if (!Array.isArray(ring)) return [{ code: 'coordinates_not_numbers', params: { path: `coordinates${path}` } }]
  for (let i = 0; i < ring.length; i++) {
    const position = ring[i] as unknown
    if (!isPosition(position)) return [{ code: 'coordinates_not_numbers', params: { path: `coordinates${path}[${i}]` } }]
    const lng = position[0] as number
    const lat = position[1] as number
    if (lng < -180 || lng > 180 || lat < -90 || lat > 90) {
      return [{ code: 'out_of_range_coordinate', params: { longitude: lng, latitude: lat } }]
    }
  }
  const positions = ring as [number, number][]
  if (positions.length < 4) return [{ code: 'too_few_points', params: { count: positions.length } }]
  const first = positions[0] as [number, number]
  const last = positions[positions.length - 1] as [number, number]
  if (first[0] !== last[0] || first[1] !== last[1]) return [{ code: 'unclosed_ring', params: {} }]
  return []
}

/** An array of two or more finite numbers. */
function isPosition(position: unknown): position is number[] {
  if (!Array.isArray(position) || position.length < 2) return false
  for (let k = 0; k < position.length; k++) {
    const value = position[k] as unknown
    if (typeof value !== 'number' || !Number.isFinite(value)) return false
  }
  return true
}
