import type { Geometry } from 'geojson'
import { badRequest } from '../../http/errors.js'
import {
  COMPARISONS,
  type Comparison,
  checkGeometry,
  type Expr,
  MAX_FILTER_DEPTH,
  type Operand,
  syntaxError,
  tooDeep,
  unsupportedFunction,
} from './ast.js'

// CQL2 JSON (`cql2-json`) read into the same syntax tree as the text encoding: `{"op", "args"}`
// objects, literals as JSON values, `{"property"}`, `{"date"}`, `{"timestamp"}`, GeoJSON
// geometries and `{"bbox"}`. A wrong shape is a 400 naming where in the document it is.

const GEOMETRY_TYPES = ['Point', 'LineString', 'Polygon', 'MultiPoint', 'MultiLineString', 'MultiPolygon', 'GeometryCollection']

const wrong = (path: string, expected: string) => badRequest('ogc_filter_json_invalid', { path, expected })

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

/** A CQL2 JSON filter as its syntax tree. */
export function parseCql2Json(text: string): Expr {
  let document: unknown
  try {
    document = JSON.parse(text)
  } catch (error) {
    // V8 says where: "… in JSON at position 12" (0-based).
    const at = /position ([0-9]+)/.exec(String(error))
    const position = at ? Number(at[1]) + 1 : text.length + 1
    throw syntaxError(position, 'JSON', text.charAt(position - 1) || 'end')
  }
  return expression(document, '$', 0)
}

function args(node: Record<string, unknown>, path: string, count: number | [number, number]): unknown[] {
  const list = node.args
  const [min, max] = typeof count === 'number' ? [count, count] : count
  if (!Array.isArray(list) || list.length < min || list.length > max)
    throw wrong(`${path}.args`, min === max ? `${min} arguments` : `${min} or more arguments`)
  return list
}

function expression(node: unknown, path: string, depth: number): Expr {
  if (depth > MAX_FILTER_DEPTH) throw tooDeep()
  if (typeof node === 'boolean') return { op: 'literal', value: node }
  if (!isObject(node) || typeof node.op !== 'string') throw wrong(path, '{"op": …, "args": […]}')
  const op = node.op.toLowerCase()
  const at = (i: number) => `${path}.args[${i}]`
  switch (op) {
    case 'and':
    case 'or':
      return { op, args: args(node, path, [2, Number.POSITIVE_INFINITY]).map((arg, i) => expression(arg, at(i), depth + 1)) }
    case 'not':
      return { op, arg: expression(args(node, path, 1)[0], at(0), depth + 1) }
    case 'isnull':
      return { op: 'isNull', arg: operand(args(node, path, 1)[0], at(0), depth + 1) }
    case 'like': {
      const [value, pattern] = args(node, path, 2)
      return { op: 'like', value: operand(value, at(0), depth + 1), pattern: operand(pattern, at(1), depth + 1), caseInsensitive: false }
    }
    case 'between': {
      const [value, low, high] = args(node, path, 3).map((arg, i) => operand(arg, at(i), depth + 1)) as [Operand, Operand, Operand]
      return { op, value, low, high }
    }
    case 'in': {
      const [value, list] = args(node, path, 2)
      if (!Array.isArray(list) || list.length === 0) throw wrong(at(1), '[…]')
      return {
        op,
        value: operand(value, at(0), depth + 1),
        list: list.map((item, i) => operand(item, `${at(1)}[${i}]`, depth + 2)),
      }
    }
    case 's_intersects': {
      const [left, right] = args(node, path, 2).map((arg, i) => operand(arg, at(i), depth + 1)) as [Operand, Operand]
      return { op, left, right }
    }
    default: {
      if (!(COMPARISONS as readonly string[]).includes(op)) throw unsupportedFunction(node.op)
      const [left, right] = args(node, path, 2).map((arg, i) => operand(arg, at(i), depth + 1)) as [Operand, Operand]
      return { op: op as Comparison, left, right }
    }
  }
}

function operand(node: unknown, path: string, depth: number): Operand {
  if (depth > MAX_FILTER_DEPTH) throw tooDeep()
  // PostgreSQL's text holds no NUL (\u0000 in JSON): refused here rather than by the database.
  if (typeof node === 'string' && !node.includes('\u0000')) return { kind: 'string', value: node }
  // JSON.parse reads 1e400 as Infinity, which is no CQL2 number.
  if (typeof node === 'number' && Number.isFinite(node)) return { kind: 'number', value: node }
  if (typeof node === 'boolean') return { kind: 'boolean', value: node }
  if (isObject(node)) {
    if (typeof node.property === 'string') return { kind: 'property', name: node.property }
    if (typeof node.date === 'string') return { kind: 'date', value: node.date }
    if (typeof node.timestamp === 'string') return { kind: 'timestamp', value: node.timestamp }
    if ('bbox' in node) {
      const box = node.bbox
      if (!Array.isArray(box) || (box.length !== 4 && box.length !== 6) || !box.every((n) => typeof n === 'number' && Number.isFinite(n)))
        throw wrong(`${path}.bbox`, '[4 numbers]')
      const [a, b, c, d] = (box.length === 6 ? [box[0], box[1], box[3], box[4]] : box) as [number, number, number, number]
      return { kind: 'bbox', bbox: [a, b, c, d] }
    }
    if (typeof node.type === 'string' && GEOMETRY_TYPES.includes(node.type))
      return { kind: 'geometry', geometry: checkGeometry(node as unknown as Geometry, JSON.stringify(node)) }
    if (typeof node.op === 'string' || typeof node.function === 'object') throw unsupportedFunction(String(node.op ?? 'function'))
  }
  throw wrong(path, '<string>, <number>, <boolean>, {"property"}, {"date"}, {"timestamp"}, <GeoJSON geometry>, {"bbox"}')
}
