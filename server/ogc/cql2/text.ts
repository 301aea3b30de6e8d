import type { Geometry, Position } from 'geojson'
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

// CQL2 text (OGC 21-065r2, `cql2-text`) read by a small recursive-descent parser into ast.ts.
// Hand-written because npm has no well-kept CQL2 parser for Node: `cql2-wasm` is a release
// candidate (0.5.0-rc1), `geostyler-cql-parser` reads the older ECQL into style filters, and the
// grammar needed here (basic-cql2, LIKE/BETWEEN/IN, S_INTERSECTS) is small. Besides the standard
// it takes what GDAL's OAPIF driver writes: ILIKE, `(name IS NULL)` and dates as '2026-01-01T'.

type Token =
  | { type: 'word'; text: string; at: number }
  | { type: 'quoted'; text: string; at: number }
  | { type: 'string'; text: string; at: number }
  | { type: 'number'; text: string; value: number; at: number }
  | { type: 'symbol'; text: string; at: number }
  | { type: 'end'; text: string; at: number }

/** Identifier characters: letters of any script (Chinese property names), digits, `_`, `.`, `:`. */
const WORD_START = /[\p{L}_:]/u
const WORD_PART = /[\p{L}\p{N}_.:]/u
const NUMBER = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/

/** The filter as tokens, each with its 1-based position; the last is `end`. */
function tokenize(text: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < text.length) {
    const c = text[i] as string
    const at = i + 1
    if (/\s/.test(c)) {
      i++
    } else if (c === "'" || c === '"') {
      // '' (or \' in a string) is the quote itself; anything else stands for itself.
      let value = ''
      let j = i + 1
      for (;;) {
        if (j >= text.length) throw syntaxError(at, c, 'end')
        const d = text[j] as string
        if (d === c && text[j + 1] === c) {
          value += c
          j += 2
        } else if (c === "'" && d === '\\' && text[j + 1] === "'") {
          value += "'"
          j += 2
        } else if (d === c) break
        else {
          value += d
          j++
        }
      }
      tokens.push({ type: c === "'" ? 'string' : 'quoted', text: value, at })
      i = j + 1
    } else if (/[0-9.]/.test(c) || ((c === '-' || c === '+') && /[0-9.]/.test(text[i + 1] ?? ''))) {
      const match = NUMBER.exec(text.slice(i))
      if (!match || !Number.isFinite(Number(match[0]))) throw syntaxError(at, '<number>', match?.[0] ?? c)
      tokens.push({ type: 'number', text: match[0], value: Number(match[0]), at })
      i += match[0].length
    } else if (WORD_START.test(c)) {
      let j = i + 1
      while (j < text.length && WORD_PART.test(text[j] as string)) j++
      tokens.push({ type: 'word', text: text.slice(i, j), at })
      i = j
    } else {
      const two = text.slice(i, i + 2)
      const symbol = ['<>', '<=', '>=', '!='].includes(two) ? two : c
      if (!['(', ')', ',', '=', '<', '>', '<>', '<=', '>=', '!='].includes(symbol)) throw syntaxError(at, '<expression>', c)
      tokens.push({ type: 'symbol', text: symbol === '!=' ? '<>' : symbol, at })
      i += symbol.length
    }
  }
  tokens.push({ type: 'end', text: 'end', at: text.length + 1 })
  return tokens
}

const GEOMETRY_TYPES: Record<string, Geometry['type']> = {
  POINT: 'Point',
  LINESTRING: 'LineString',
  POLYGON: 'Polygon',
  MULTIPOINT: 'MultiPoint',
  MULTILINESTRING: 'MultiLineString',
  MULTIPOLYGON: 'MultiPolygon',
  GEOMETRYCOLLECTION: 'GeometryCollection',
}

/** Words that cannot be a bare property name: a property so named must be double-quoted. */
const RESERVED = new Set(['AND', 'OR', 'NOT', 'IS', 'NULL', 'LIKE', 'ILIKE', 'BETWEEN', 'IN', 'TRUE', 'FALSE'])

/** A CQL2 text filter as its syntax tree; a 400 (`ogc_filter_syntax`) says where it went wrong and what was expected. */
export function parseCql2Text(text: string): Expr {
  const tokens = tokenize(text)
  let next = 0
  let depth = 0
  const peek = (): Token => tokens[next] as Token
  const shown = (token: Token) => (token.type === 'end' ? 'end' : token.type === 'string' ? `'${token.text}'` : token.text)
  const fail = (expected: string, token = peek()) => syntaxError(token.at, expected, shown(token))
  const isWord = (word: string, token = peek()) => token.type === 'word' && token.text.toUpperCase() === word
  const isSymbol = (symbol: string, token: Token | undefined = peek()) => token?.type === 'symbol' && token.text === symbol
  /** A word followed by "(": a function, or a literal such as DATE('…'). */
  const isCall = () => peek().type === 'word' && isSymbol('(', tokens[next + 1])
  const acceptWord = (word: string) => {
    if (!isWord(word)) return false
    next++
    return true
  }
  const expectSymbol = (symbol: string) => {
    const token = peek()
    if (token.type !== 'symbol' || token.text !== symbol) throw fail(`"${symbol}"`)
    next++
  }
  const nested = <T>(read: () => T): T => {
    if (++depth > MAX_FILTER_DEPTH) throw tooDeep()
    const value = read()
    depth--
    return value
  }

  const orExpr = (): Expr => {
    const args = [andExpr()]
    while (acceptWord('OR')) args.push(andExpr())
    return args.length === 1 ? (args[0] as Expr) : { op: 'or', args }
  }
  const andExpr = (): Expr => {
    const args = [notExpr()]
    while (acceptWord('AND')) args.push(notExpr())
    return args.length === 1 ? (args[0] as Expr) : { op: 'and', args }
  }
  const notExpr = (): Expr => (acceptWord('NOT') ? nested(() => ({ op: 'not', arg: notExpr() })) : primary())
  const primary = (): Expr => {
    const token = peek()
    if (isSymbol('(')) {
      next++
      const inner = nested(orExpr)
      expectSymbol(')')
      return inner
    }
    if (isWord('TRUE') || isWord('FALSE')) {
      const after = tokens[next + 1] as Token
      if (after.type === 'end' || (after.type === 'symbol' && after.text === ')') || isWord('AND', after) || isWord('OR', after)) {
        next++
        return { op: 'literal', value: token.text.toUpperCase() === 'TRUE' }
      }
    }
    if (isCall()) {
      const name = token.text.toUpperCase()
      if (name === 'S_INTERSECTS') {
        next += 2
        const left = geometryOperand()
        expectSymbol(',')
        const right = geometryOperand()
        expectSymbol(')')
        return { op: 's_intersects', left, right }
      }
      if (name !== 'DATE' && name !== 'TIMESTAMP') throw unsupportedFunction(token.text)
    }
    return predicate()
  }
  const predicate = (): Expr => {
    const value = scalar()
    const token = peek()
    if (token.type === 'symbol' && (COMPARISONS as readonly string[]).includes(token.text)) {
      next++
      return { op: token.text as Comparison, left: value, right: scalar() }
    }
    if (acceptWord('IS')) {
      const negated = acceptWord('NOT')
      if (!acceptWord('NULL')) throw fail('NULL')
      return negate(negated, { op: 'isNull', arg: value })
    }
    const negated = acceptWord('NOT')
    if (isWord('LIKE') || isWord('ILIKE')) {
      const caseInsensitive = isWord('ILIKE')
      next++
      return negate(negated, { op: 'like', value, pattern: scalar(), caseInsensitive })
    }
    if (acceptWord('BETWEEN')) {
      const low = scalar()
      if (!acceptWord('AND')) throw fail('AND')
      return negate(negated, { op: 'between', value, low, high: scalar() })
    }
    if (acceptWord('IN')) {
      expectSymbol('(')
      const list = [scalar()]
      while (isSymbol(',')) {
        next++
        list.push(scalar())
      }
      expectSymbol(')')
      return negate(negated, { op: 'in', value, list })
    }
    throw fail(negated ? 'LIKE, BETWEEN, IN' : '=, <>, <, >, <=, >=, LIKE, BETWEEN, IN, IS')
  }
  const negate = (negated: boolean, expr: Expr): Expr => (negated ? { op: 'not', arg: expr } : expr)
  const scalar = (): Operand => {
    const token = peek()
    if (token.type === 'string') {
      next++
      return { kind: 'string', value: token.text }
    }
    if (token.type === 'number') {
      next++
      return { kind: 'number', value: token.value }
    }
    if (token.type === 'quoted') {
      next++
      return { kind: 'property', name: token.text }
    }
    if (token.type === 'word') {
      const upper = token.text.toUpperCase()
      if (upper === 'TRUE' || upper === 'FALSE') {
        next++
        return { kind: 'boolean', value: upper === 'TRUE' }
      }
      if ((upper === 'DATE' || upper === 'TIMESTAMP') && isCall()) {
        next += 2
        const literal = peek()
        if (literal.type !== 'string') throw fail('<string>')
        next++
        expectSymbol(')')
        return { kind: upper === 'DATE' ? 'date' : 'timestamp', value: literal.text }
      }
      if (isCall()) throw unsupportedFunction(token.text)
      if (!RESERVED.has(upper)) {
        next++
        return { kind: 'property', name: token.text }
      }
    }
    throw fail('<property>, <string>, <number>, <date>')
  }

  // Geometry literals: WKT (2D) or BBOX(x1, y1, x2, y2); ENVELOPE(west, east, north, south) of earlier drafts.
  const geometryOperand = (): Operand => {
    const token = peek()
    const upper = token.type === 'word' ? token.text.toUpperCase() : ''
    const type = GEOMETRY_TYPES[upper]
    if (type) {
      const start = token.at
      const geometry = wkt()
      return { kind: 'geometry', geometry: checkGeometry(geometry, text.slice(start - 1, peek().at - 1)) }
    }
    if (upper === 'BBOX' || upper === 'ENVELOPE') {
      next++
      expectSymbol('(')
      const numbers = [number()]
      while (isSymbol(',')) {
        next++
        numbers.push(number())
      }
      expectSymbol(')')
      // A 3D box (x1, y1, z1, x2, y2, z2): the heights are dropped.
      if (upper === 'BBOX' && numbers.length === 6)
        numbers.splice(0, 6, numbers[0] as number, numbers[1] as number, numbers[3] as number, numbers[4] as number)
      if (numbers.length !== 4) throw syntaxError(token.at, `${upper}(4 <number>)`, `${numbers.length} <number>`)
      const [a, b, c, d] = numbers as [number, number, number, number]
      return { kind: 'bbox', bbox: upper === 'BBOX' ? [a, b, c, d] : [a, d, b, c] }
    }
    if (token.type === 'quoted' || (token.type === 'word' && !RESERVED.has(upper) && !isCall())) {
      next++
      return { kind: 'property', name: token.text }
    }
    throw fail('<property>, <geometry>, BBOX')
  }
  const number = (): number => {
    const token = peek()
    if (token.type !== 'number') throw fail('<number>')
    next++
    return token.value
  }
  const position = (): Position => [number(), number()]
  /** `( item, item, … )` */
  const list = <T>(item: () => T): T[] =>
    nested(() => {
      expectSymbol('(')
      const items = [item()]
      while (isSymbol(',')) {
        next++
        items.push(item())
      }
      expectSymbol(')')
      return items
    })
  const single = (): Position => {
    expectSymbol('(')
    const at = position()
    expectSymbol(')')
    return at
  }
  const wkt = (): Geometry => {
    const token = peek()
    const type = token.type === 'word' ? GEOMETRY_TYPES[token.text.toUpperCase()] : undefined
    if (!type) throw fail('<geometry>')
    next++
    const ring = () => list(position)
    switch (type) {
      case 'Point':
        return { type, coordinates: single() }
      case 'LineString':
        return { type, coordinates: list(position) }
      case 'Polygon':
        return { type, coordinates: list(ring) }
      case 'MultiPoint':
        // Both MULTIPOINT((1 2), (3 4)) and MULTIPOINT(1 2, 3 4).
        return { type, coordinates: list(() => (isSymbol('(') ? single() : position())) }
      case 'MultiLineString':
        return { type, coordinates: list(ring) }
      case 'MultiPolygon':
        return { type, coordinates: list(() => list(ring)) }
      default:
        return { type: 'GeometryCollection', geometries: list(wkt) }
    }
  }

  const expr = orExpr()
  if (peek().type !== 'end') throw fail('AND, OR, end')
  return expr
}
