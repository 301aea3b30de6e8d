import { type AppError, badRequest } from '../http/errors.js'
import { isIsoDate, parseBBox } from '../http/query-params.js'
import type { BBox } from '../http/query-params.js'
import type { ItemQuery, OgcCollection } from './collection.js'
import { bboxToLonLat, CRS84, type OutputCrs, parseCrs } from './ogc-crs.js'
import { equalityValues, FILTER_PARAMETERS, filterCondition, queryParameters } from './ogc-filter.js'

// The query parameters of /ogc/collections/{id}/items (OGC API – Features Part 1), parsed into an
// ItemQuery; anything wrong is a 400 that names the parameter.

export const DEFAULT_LIMIT = 100
export const MAX_LIMIT = 10_000

/** Parameters every items request may carry; a collection adds its queryables (equality). */
export const ITEM_PARAMETERS = ['limit', 'offset', 'bbox', 'bbox-crs', 'datetime', 'crs', 'f', ...FILTER_PARAMETERS] as const

export interface ParsedItems {
  query: Omit<ItemQuery, 'scope'>
  /** The system the features are to be written in. */
  crs: OutputCrs
  /** The limit asked for, when it was over MAX_LIMIT and MAX_LIMIT was used. */
  clamped: number | null
}

export function parseItemParameters(collection: OgcCollection, raw: Record<string, string | undefined>): ParsedItems {
  const allowed = [...ITEM_PARAMETERS, ...queryParameters(collection)]
  for (const name of Object.keys(raw))
    if (!(allowed as readonly string[]).includes(name)) throw badRequest('ogc_parameter_unknown', { name, allowed: allowed.join(', ') })
  const limitText = raw.limit ?? String(DEFAULT_LIMIT)
  const asked = /^[0-9]{1,9}$/.test(limitText) ? Number(limitText) : Number.NaN
  if (!(asked >= 1)) throw badRequest('ogc_limit_invalid', { value: limitText, max: MAX_LIMIT })
  const offsetText = raw.offset ?? '0'
  if (!/^[0-9]{1,9}$/.test(offsetText)) throw badRequest('ogc_offset_invalid', { value: offsetText })
  const bboxCrs = parseCrs(raw['bbox-crs'], 'bbox-crs')
  return {
    crs: parseCrs(raw.crs, 'crs'),
    query: {
      limit: Math.min(asked, MAX_LIMIT),
      offset: Number(offsetText),
      bbox: raw.bbox === undefined ? undefined : bboxToLonLat(parseBBoxIn(raw.bbox, bboxCrs), bboxCrs),
      time: raw.datetime === undefined || !collection.temporal ? undefined : parseDatetime(raw.datetime),
      // A computed collection (validation-issues) reads its equality parameters in JS and takes no filter.
      ...(collection.computed
        ? { where: undefined, equals: equalityValues(collection, raw) }
        : { where: filterCondition(collection, raw) }),
    },
    clamped: asked > MAX_LIMIT ? asked : null,
  }
}

/**
 * `datetime` as days: an instant (a date, or a date-time whose day is taken) or an interval
 * `start/end` with `..` (or nothing) for an open end. Grids change by the day.
 */
export function parseDatetime(value: string, message = 'ogc_datetime_invalid'): ItemQuery['time'] {
  const refuse = (): AppError => badRequest(message, { value })
  const dayOf = (text: string): string => {
    const day = text.slice(0, 10)
    if (!isIsoDate(day)) throw refuse()
    if (text.length > 10 && Number.isNaN(Date.parse(text))) throw refuse()
    return day
  }
  const parts = value.split('/')
  if (parts.length === 1) return { day: dayOf(value) }
  if (parts.length !== 2) throw refuse()
  const [start, end] = parts.map((part) => (part === '..' || part === '' ? undefined : dayOf(part)))
  if (start === undefined && end === undefined) return { from: undefined, to: undefined }
  if (start !== undefined && end !== undefined && start > end) throw refuse()
  return { from: start, to: end }
}

/** A bbox in lon/lat (CRS84, checked as such) or, in another system, four numbers with min < max. */
function parseBBoxIn(value: string, crs: OutputCrs): BBox {
  if (crs.uri === CRS84) return parseBBox(value)
  const parts = value.split(',').map((part) => (part.trim() === '' ? Number.NaN : Number(part)))
  const [a0, b0, a1, b1] = parts as BBox
  if (parts.length !== 4 || !parts.every(Number.isFinite) || a0 >= a1 || b0 >= b1)
    throw badRequest('ogc_bbox_crs_invalid', { value, crs: crs.uri })
  return [a0, b0, a1, b1]
}

/**
 * The query's parameters, one value each. A parameter given twice with the same value counts once:
 * GDAL adds the parameters of the URL it was given to every request, next links included, which
 * already carry them. Two different values are a 400.
 */
export function singleValues(query: unknown): Record<string, string | undefined> {
  const values: Record<string, string | undefined> = {}
  for (const [name, value] of Object.entries((query ?? {}) as Record<string, unknown>)) {
    const all = (Array.isArray(value) ? value : [value]).map(String)
    if (new Set(all).size > 1) throw badRequest('ogc_parameter_repeated', { name, values: all.join(' | ') })
    values[name] = all[0]
  }
  return values
}
