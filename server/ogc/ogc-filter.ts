import type { RawBuilder } from 'kysely'
import { badRequest } from '../http/errors.js'
import { isIsoDate } from '../http/query-params.js'
import { type Expr, MAX_FILTER_LENGTH, type Operand, syntaxError } from './cql2/ast.js'
import { compileFilter, type QueryableType } from './cql2/compile.js'
import { parseCql2Json } from './cql2/json.js'
import { parseCql2Text } from './cql2/text.js'
import type { OgcCollection } from './collection.js'
import { parseCrs } from './ogc-crs.js'

// OGC API – Features Part 3 on the items: `filter` in CQL2 (`filter-lang`, `filter-crs`) and the
// queryables as equality query parameters, both as one SQL condition (cql2/compile.ts).

export const FILTER_PARAMETERS = ['filter', 'filter-lang', 'filter-crs'] as const

/**
 * The languages `filter-lang` takes. `cql-text` is the name of drafts before CQL2 1.0, which GDAL's
 * OAPIF driver (3.6, and later versions' source) still looks for in the OpenAPI document and sends; it is
 * read as cql2-text (GDAL writes standard CQL2 text).
 */
export const FILTER_LANGUAGES = ['cql2-text', 'cql2-json', 'cql-text'] as const

/** The queryables a query parameter can name: all but the geometry. */
export const queryParameters = (collection: OgcCollection): string[] =>
  Object.entries(collection.queryables)
    .filter(([, queryable]) => queryable.type !== 'geometry')
    .map(([name]) => name)

/** A queryable as JSON Schema (Part 3): dates as `format: date`, the geometry as any GeoJSON geometry. */
export function queryableSchema(type: QueryableType): Record<string, string> {
  if (type === 'date') return { type: 'string', format: 'date' }
  if (type === 'geometry') return { format: 'geometry-any' }
  return { type }
}

/** The equality query parameters and `filter` of an items request as one condition; undefined when none. */
export function filterCondition(collection: OgcCollection, raw: Record<string, string | undefined>): RawBuilder<boolean> | undefined {
  const parts: Expr[] = []
  for (const name of queryParameters(collection)) {
    const value = raw[name]
    if (value !== undefined) parts.push({ op: '=', left: { kind: 'property', name }, right: parameterValue(name, value, collection) })
  }
  const crs = parseCrs(raw['filter-crs'], 'filter-crs')
  const language = raw['filter-lang'] ?? 'cql2-text'
  if (!(FILTER_LANGUAGES as readonly string[]).includes(language))
    throw badRequest('ogc_filter_lang_invalid', { value: language, allowed: FILTER_LANGUAGES.join(', ') })
  const text = raw.filter
  if (text !== undefined) {
    if (text.length > MAX_FILTER_LENGTH) throw badRequest('ogc_filter_too_long', { length: text.length, max: MAX_FILTER_LENGTH })
    // PostgreSQL's text holds no NUL character: refused here rather than by the database (a 500).
    if (text.includes('\u0000')) throw syntaxError(text.indexOf('\u0000') + 1, '<character>', 'NUL')
    parts.push(language === 'cql2-json' ? parseCql2Json(text) : parseCql2Text(text))
  }
  if (parts.length === 0) return undefined
  return compileFilter(parts.length === 1 ? (parts[0] as Expr) : { op: 'and', args: parts }, collection.queryables, crs)
}

/**
 * The equality query parameters of a `computed` collection (read in JS, not SQL), by name. A CQL2
 * `filter` cannot be run there: it is a 400 naming the parameter, never ignored.
 */
export function equalityValues(collection: OgcCollection, raw: Record<string, string | undefined>): Record<string, string> {
  const parameters = queryParameters(collection)
  if (raw.filter !== undefined) throw badRequest('ogc_filter_not_supported', { id: collection.id, parameters: parameters.join(', ') })
  const values: Record<string, string> = {}
  for (const name of parameters) {
    const value = raw[name]
    if (value === undefined) continue
    parameterValue(name, value, collection)
    values[name] = value
  }
  return values
}

/** A query parameter's value as the literal its queryable's type takes; a 400 naming the parameter otherwise. */
function parameterValue(name: string, value: string, collection: OgcCollection): Operand {
  const type = collection.queryables[name]?.type
  if (type === 'integer') {
    if (!/^-?[0-9]{1,15}$/.test(value)) throw badRequest('ogc_parameter_invalid', { name, value, type })
    return { kind: 'number', value: Number(value) }
  }
  if (type === 'date') {
    if (!isIsoDate(value)) throw badRequest('ogc_parameter_invalid', { name, value, type })
    return { kind: 'date', value }
  }
  if (value.includes('\u0000'))
    throw badRequest('ogc_parameter_invalid', { name, value: value.replaceAll('\u0000', '\\0'), type: 'string' })
  return { kind: 'string', value }
}
