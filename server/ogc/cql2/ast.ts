import type { Geometry } from 'geojson'
import { badRequest } from '../../http/errors.js'

// The one syntax tree both CQL2 encodings are read into (text.ts, json.ts) and compile.ts turns
// into SQL. It holds what gridwork supports: basic-cql2, advanced comparison (LIKE, BETWEEN, IN),
// S_INTERSECTS with any simple geometry or a box, and ILIKE, which GDAL's OAPIF driver sends.

/** A value an operator compares: a property, a literal, or a geometry (in filter-crs, its axis order). */
export type Operand =
  | { kind: 'property'; name: string }
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'date'; value: string }
  | { kind: 'timestamp'; value: string }
  | { kind: 'geometry'; geometry: Geometry }
  | { kind: 'bbox'; bbox: [number, number, number, number] }

export type Comparison = '=' | '<>' | '<' | '>' | '<=' | '>='

export type Expr =
  | { op: 'and' | 'or'; args: Expr[] }
  | { op: 'not'; arg: Expr }
  | { op: 'literal'; value: boolean }
  | { op: Comparison; left: Operand; right: Operand }
  | { op: 'like'; value: Operand; pattern: Operand; caseInsensitive: boolean }
  | { op: 'between'; value: Operand; low: Operand; high: Operand }
  | { op: 'in'; value: Operand; list: Operand[] }
  | { op: 'isNull'; arg: Operand }
  | { op: 's_intersects'; left: Operand; right: Operand }

export const COMPARISONS: readonly Comparison[] = ['=', '<>', '<', '>', '<=', '>=']

/**
 * Longest filter taken, in characters. A URL over 8,192 characters is refused before (414,
 * server/http/request-line.ts), and a filter's characters may take 3 to 9 there when encoded.
 */
export const MAX_FILTER_LENGTH = 4_000
/** Deepest nesting of parentheses, NOT and JSON objects: bounds the parsers' recursion. */
export const MAX_FILTER_DEPTH = 32

/** The functions (text) and operators (JSON) beyond comparison and logic, as an error lists them. */
export const SUPPORTED_FUNCTIONS = 'S_INTERSECTS, DATE, TIMESTAMP, BBOX, LIKE, ILIKE, BETWEEN, IN, IS NULL'

export const syntaxError = (position: number, expected: string, found: string) =>
  badRequest('ogc_filter_syntax', { position, expected, found })
export const unsupportedFunction = (name: string) => badRequest('ogc_filter_function_unsupported', { name, supported: SUPPORTED_FUNCTIONS })
export const tooDeep = () => badRequest('ogc_filter_too_deep', { max: MAX_FILTER_DEPTH })
export const geometryInvalid = (value: string) => badRequest('ogc_filter_geometry_invalid', { value: value.slice(0, 80) })

/** A GeoJSON geometry's coordinates have the shape of its type (positions of 2 numbers, closed rings of 4+), else a 400. */
export function checkGeometry(geometry: Geometry, shown: string): Geometry {
  const position = (value: unknown) =>
    Array.isArray(value) && value.length === 2 && value.every((n) => typeof n === 'number' && Number.isFinite(n))
  const line = (value: unknown, min: number) => Array.isArray(value) && value.length >= min && value.every(position)
  const ring = (value: unknown) =>
    line(value, 4) && (value as number[][])[0]?.join() === (value as number[][])[(value as number[][]).length - 1]?.join()
  const polygon = (value: unknown) => Array.isArray(value) && value.length >= 1 && value.every(ring)
  const many = (value: unknown, each: (item: unknown) => boolean) => Array.isArray(value) && value.length >= 1 && value.every(each)
  const ok = (g: Geometry): boolean => {
    switch (g.type) {
      case 'Point':
        return position(g.coordinates)
      case 'LineString':
        return line(g.coordinates, 2)
      case 'Polygon':
        return polygon(g.coordinates)
      case 'MultiPoint':
        return many(g.coordinates, position)
      case 'MultiLineString':
        return many(g.coordinates, (l) => line(l, 2))
      case 'MultiPolygon':
        return many(g.coordinates, polygon)
      case 'GeometryCollection':
        return many(g.geometries, (item) => ok(item as Geometry))
      default:
        return false
    }
  }
  if (!ok(geometry)) throw geometryInvalid(shown)
  return geometry
}
