import type { Kysely } from 'kysely'
import { lookupAddress } from '../../addresses/address-lookup.js'
import type { Database } from '../../db/database.js'
import { CRS_NAMES, type CrsName } from '../../geo/crs.js'
import { AppError } from '../../http/errors.js'
import { MAX_BATCH_RECORD_CHARS, formatCount } from '../../http/limits.js'
import { type Language, type MessageParams, translate } from '../../i18n/index.js'
import { isWithinScope } from '../../regions/region-codes.js'
import type { GridIndex } from '../index/grid-index.js'
import type { IndexHolder } from '../index/index-holder.js'
import { type IndexedGrid, roundDistanceM } from '../index/indexed-grid.js'
import { checkPoint, inChina, inLonLatRange, toWgs84 } from '../lookup.service.js'
import { type PostgisAnswer, PostgisPointGroup } from '../postgis-lookup.js'
import { parsePlainDecimal, writeDigits, writeTenths } from './batch-bytes.js'
import { type BatchRow, gridBytesOf } from './batch-format.js'

// One row of a batch looked up: plain point rows straight into output bytes (writePointRow),
// anything else by the general path into a BatchRow (or a promise of one, for addresses and
// points only PostGIS can answer).

export interface BatchOptions {
  db: Kysely<Database>
  /** Where points only PostGIS can answer are looked up (the read replica when there is one); default `db`. */
  reader?: Kysely<Database> | undefined
  holder: IndexHolder | null
  /** Caller's region prefix ('' = all) and how to name it in a refusal. */
  scope: string
  scopeName: string
  role: string
  asOf?: string | undefined
  /** CRS of rows without a crs column/field. */
  defaultCrs: CrsName
  language: Language
  /** Apply the China bounding-box check (the caller's profile is Chinese). */
  china: boolean
  concurrency?: number
}

interface RowInput {
  id: string | null
  lng?: unknown
  lat?: unknown
  crs?: unknown
  address?: unknown
}

export interface CsvHeader {
  lng: number
  lat: number
  crs: number
  id: number
  address: number
}

/** Where a quote-free line's id, lng and lat fields are (start, end; an absent id is empty). */
export interface FieldRanges {
  idStart: number
  idEnd: number
  lngStart: number
  lngEnd: number
  latStart: number
  latEnd: number
}

const NONE: string[] = []

export const COMMA = 44

const PIPE = 124

export const GENERAL_PATH = -1

export const NEED_ROOM = -2

export class RowResolver {
  /** Points only PostGIS can answer, waiting to go as one statement. */
  readonly postgis: PostgisPointGroup

  constructor(private readonly options: BatchOptions) {
    this.postgis = new PostgisPointGroup(options.reader ?? options.db, { scope: options.scope, asOf: options.asOf })
  }

  error(row: number, id: string | null, code: string, params: MessageParams = {}): BatchRow {
    return {
      row,
      id,
      grid: null,
      dedicated: [],
      nearest: null,
      error: { code, message: translate(this.options.language, `error.${code}`, params) },
    }
  }

  /** A record over MAX_BATCH_RECORD_CHARS, skipped. */
  tooLong(row: number): BatchRow {
    return this.error(row, null, 'lookup_row_too_long', { limit: formatCount(MAX_BATCH_RECORD_CHARS) })
  }

  /**
   * Writes the answer to a plain point row straight into `out` at `pos` and returns where it
   * ends, or NEED_ROOM, or GENERAL_PATH for anything but the plain case (another CRS, coordinates
   * that are not plain decimals or not in range, an id that needs quoting or trimming, a grid
   * outside the caller's scope, no current index): that path then answers the row, with its
   * messages, in the same format. Most rows of a big batch come here.
   */
  writePointRow(out: Buffer, pos: number, row: number, text: string, f: FieldRanges): number {
    const o = this.options
    if (o.defaultCrs !== 'wgs84' && o.defaultCrs !== 'cgcs2000') return GENERAL_PATH
    const x = parsePlainDecimal(text, f.lngStart, f.lngEnd)
    const y = parsePlainDecimal(text, f.latStart, f.latEnd)
    // checkPoint's conditions; anything it would refuse goes the general path for its message
    if (!inLonLatRange(x, y) || (o.china && !inChina(x, y))) return GENERAL_PATH
    // Printable ASCII without spaces: csvField and trim() leave such an id as it is.
    for (let i = f.idStart; i < f.idEnd; i++) {
      const c = text.charCodeAt(i)
      if (c < 33 || c > 126) return GENERAL_PATH
    }
    const loaded = o.holder?.currentFor(o.asOf)
    if (!loaded) return GENERAL_PATH
    const index = loaded.index
    const bytes = gridBytesOf(index)
    const hit = index.lookup(x, y)
    const near = hit.grid >= 0 ? null : index.nearest(x, y)
    const need = 48 + (f.idEnd - f.idStart) + bytes.longestFields + hit.dedicated.length * (bytes.longestCode + 1)
    if (pos + need > out.length) return NEED_ROOM
    if (hit.grid >= 0 && !isWithinScope(o.scope, (index.grids[hit.grid] as IndexedGrid).region_code)) return GENERAL_PATH
    let at = writeDigits(out, pos, row)
    out[at++] = COMMA
    for (let i = f.idStart; i < f.idEnd; i++) out[at++] = text.charCodeAt(i)
    out[at++] = COMMA
    if (hit.grid >= 0) {
      const fields = bytes.fields[hit.grid] as Buffer
      out.set(fields, at)
      at += fields.length
      for (let k = 0; k < hit.dedicated.length; k++) {
        if (k > 0) out[at++] = PIPE
        const code = bytes.codes[hit.dedicated[k] as number] as Buffer
        out.set(code, at)
        at += code.length
      }
      return at + out.write(',,,,,,\n', at, 'latin1')
    }
    const n = near ? (index.grids[near.grid] as IndexedGrid) : undefined
    if (near === null || n === undefined || !isWithinScope(o.scope, n.region_code)) return at + out.write(',,,,,,,,,,,\n', at, 'latin1')
    at += out.write(',,,,,,', at, 'latin1')
    const code = bytes.codes[near.grid] as Buffer
    out.set(code, at)
    at += code.length
    out[at++] = COMMA
    at = writeTenths(out, at, near.distanceM)
    return at + out.write(',,,,\n', at, 'latin1')
  }

  /** The general path for a CSV record (its fields). */
  resolveRecord(row: number, r: string[], h: CsvHeader): BatchRow | Promise<BatchRow> {
    const id = h.id >= 0 ? (r[h.id]?.trim() ?? '') : ''
    return this.resolve(row, {
      id: id === '' ? null : id,
      lng: h.lng >= 0 ? r[h.lng] : undefined,
      lat: h.lat >= 0 ? r[h.lat] : undefined,
      crs: h.crs >= 0 ? r[h.crs]?.trim() : undefined,
      address: h.address >= 0 ? r[h.address]?.trim() : undefined,
    })
  }

  resolve(row: number, input: RowInput): BatchRow | Promise<BatchRow> {
    if (input.address !== undefined && input.address !== null && input.address !== '') return this.resolveAddress(row, input)
    try {
      return this.resolvePoint(row, input.id, input.lng, input.lat, input.crs, null)
    } catch {
      // Never cut the stream for one row.
      return this.error(row, input.id, 'lookup_row_failed')
    }
  }

  private resolvePoint(
    row: number,
    id: string | null,
    lngRaw: unknown,
    latRaw: unknown,
    crsRaw: unknown,
    address: BatchRow['address'],
  ): BatchRow | Promise<BatchRow> {
    const o = this.options
    let crs = o.defaultCrs
    if (crsRaw !== undefined && crsRaw !== null && crsRaw !== '') {
      const named = String(crsRaw).trim().toLowerCase() as CrsName
      if (!CRS_NAMES.includes(named)) return this.error(row, id, 'lookup_crs_invalid', { crs: String(crsRaw) })
      crs = named
    }
    if ((lngRaw === undefined || lngRaw === '') && (latRaw === undefined || latRaw === '')) return this.error(row, id, 'lookup_row_empty')
    const checked = checkPoint(lngRaw, latRaw, o.china)
    if (!checked.ok) return this.error(row, id, checked.code, checked.params)
    const wgs84 = toWgs84(crs, checked.lng, checked.lat)
    const loaded = o.holder?.currentFor(o.asOf)
    if (loaded) return this.fromIndex(row, id, loaded.index, wgs84[0], wgs84[1], address)
    const answer = this.postgis.add(wgs84[0], wgs84[1])
    // an address row joins after its own await, when the reading loop may be waiting for it
    if (address !== null) this.postgis.flushSoon()
    return answer.then(
      (result) => this.fromResult(row, id, result, address),
      () => this.error(row, id, 'lookup_row_failed'),
    )
  }

  private async resolveAddress(row: number, input: RowInput): Promise<BatchRow> {
    const query = String(input.address).trim()
    try {
      const found = await lookupAddress(this.options.db, query, { regionPrefix: this.options.scope, limit: 1 })
      if (!found.match) return this.error(row, input.id, 'lookup_address_no_match', { address: query })
      const match = { address: found.match.address, score: found.match.score }
      return await this.resolvePoint(row, input.id, found.match.lng, found.match.lat, 'wgs84', match)
    } catch (error) {
      // e.g. an address too long: its own message, inline
      if (error instanceof AppError && error.statusCode < 500) return this.error(row, input.id, error.code, error.params)
      return this.error(row, input.id, 'lookup_row_failed')
    }
  }

  private forbidden(row: number, id: string | null, region: string): BatchRow {
    const o = this.options
    return this.error(row, id, 'forbidden_region', {
      region,
      role: translate(o.language, `role.${o.role}`),
      scope: o.scope ? `${o.scopeName}（${o.scope}）` : translate(o.language, 'scope.all'),
    })
  }

  /** The hot path: straight from the index to a row, no intermediate result objects. */
  private fromIndex(row: number, id: string | null, index: GridIndex, x: number, y: number, address: BatchRow['address']): BatchRow {
    const hit = index.lookup(x, y)
    let grid: BatchRow['grid'] = null
    let nearest: BatchRow['nearest'] = null
    if (hit.grid >= 0) {
      grid = index.grids[hit.grid] as IndexedGrid
      if (!isWithinScope(this.options.scope, grid.region_code)) return this.forbidden(row, id, grid.region_code)
    } else {
      const near = index.nearest(x, y)
      const g = near ? index.grids[near.grid] : undefined
      if (near && g && isWithinScope(this.options.scope, g.region_code))
        nearest = { code: g.code, distance_m: roundDistanceM(near.distanceM) }
    }
    const dedicated = hit.dedicated.length === 0 ? NONE : hit.dedicated.map((i) => (index.grids[i] as IndexedGrid).code)
    const out: BatchRow = { row, id, grid, dedicated, nearest }
    if (address !== null) out.address = address
    return out
  }

  private fromResult(row: number, id: string | null, result: PostgisAnswer, address: BatchRow['address']): BatchRow {
    const g = result.grid
    if (g && !isWithinScope(this.options.scope, g.region_code)) return this.forbidden(row, id, g.region_code)
    const out: BatchRow = {
      row,
      id,
      grid: g,
      dedicated: result.dedicated.map((d) => d.code),
      nearest: result.nearest ? { code: result.nearest.code, distance_m: result.nearest.distance_m } : null,
    }
    if (address !== null) out.address = address
    return out
  }
}
