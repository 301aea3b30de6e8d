import { StringDecoder } from 'node:string_decoder'
import type { Readable } from 'node:stream'
import type { Kysely } from 'kysely'
import type { Database } from '../db/database.js'
import { CRS_NAMES, type CrsName } from '../geo/crs.js'
import { AppError, badRequest } from '../http/errors.js'
import { type Language, type MessageParams, translate } from '../i18n/index.js'
import { isWithinScope } from '../regions/region-codes.js'
import { lookupAddress } from './address-lookup.js'
import { CsvRecords } from './csv-records.js'
import type { GridIndex, IndexedGrid } from './grid-index.js'
import type { IndexHolder } from './index-holder.js'
import { checkPoint, type LookupResult, lookupInPostgis, toWgs84 } from './lookup.service.js'

// Batch lookup, streamed both ways: rows are parsed as they arrive (csv-records.ts / lines), looked
// up, and written out in input order as they are ready, so neither the request nor the response is
// ever held whole. The consumer pulls (an async generator behind a Readable), which gives
// backpressure: a slow client stops the parsing. Point rows are answered synchronously from the
// index; address rows (and points when the index cannot answer, e.g. as_of a past day) are
// promises, at most ADDRESS_CONCURRENCY in flight, their results still written in order.
// A bad row becomes an error row with its number, code and message; the batch goes on.

export type BatchFormat = 'csv' | 'ndjson'

export interface BatchOptions {
  db: Kysely<Database>
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

export interface BatchRow {
  row: number
  id: string | null
  grid: { code: string; name: string; kind: string; region_code: string; households: number | null; grid_head: string | null } | null
  dedicated: string[]
  nearest: { code: string; distance_m: number } | null
  address?: { address: string; score: number } | null
  error?: { code: string; message: string }
}

export const CSV_COLUMNS = [
  'row',
  'id',
  'grid_code',
  'grid_name',
  'grid_kind',
  'region_code',
  'grid_head',
  'dedicated',
  'nearest_code',
  'nearest_distance_m',
  'match_address',
  'match_score',
  'error_code',
  'error_message',
] as const

const ADDRESS_CONCURRENCY = 8
const FLUSH_CHARS = 64 * 1024

/** The batch format of a Content-Type header, or null. */
export function formatOf(contentType: string | undefined): BatchFormat | null {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase()
  if (type === 'text/csv') return 'csv'
  if (type === 'application/x-ndjson' || type === 'application/ndjson' || type === 'application/jsonl') return 'ndjson'
  return null
}

interface RowInput {
  id: string | null
  lng?: unknown
  lat?: unknown
  crs?: unknown
  address?: unknown
}

class RowResolver {
  constructor(private readonly options: BatchOptions) {}

  error(row: number, id: string | null, code: string, params: MessageParams = {}): BatchRow {
    return { row, id, grid: null, dedicated: [], nearest: null, error: { code, message: translate(this.options.language, `error.${code}`, params) } }
  }

  /**
   * The CSV line of a plain point row (default CRS, good coordinates, index current), or null
   * for anything else — the general path then handles it (and its error messages). This is most
   * rows of a big batch, so it allocates as little as it can.
   */
  csvPointLine(row: number, id: string, lngText: string, latText: string): string | null {
    const o = this.options
    if (o.defaultCrs !== 'wgs84' && o.defaultCrs !== 'cgcs2000') return null
    const x = Number(lngText)
    const y = Number(latText)
    if (!(x >= -180 && x <= 180 && y >= -90 && y <= 90) || lngText === '' || latText === '' || (x === 0 && lngText.trim() === '') || (y === 0 && latText.trim() === '')) return null
    if (o.china && !(x >= 73 && x <= 136 && y >= 3 && y <= 54)) return null
    const loaded = o.holder?.current()
    if (!loaded || (o.asOf !== undefined && o.asOf !== loaded.day)) return null
    const index = loaded.index
    const hit = index.lookup(x, y)
    const idField = csvField(id)
    if (hit.grid >= 0) {
      const g = index.grids[hit.grid] as IndexedGrid
      if (!isWithinScope(o.scope, g.region_code)) return null
      const dedicated = hit.dedicated.length === 0 ? '' : hit.dedicated.map((i) => (index.grids[i] as IndexedGrid).code).join('|')
      return `${row},${idField},${g.code},${csvField(g.name)},${g.kind},${g.region_code},${csvField(g.grid_head)},${dedicated},,,,,,\n`
    }
    const near = index.nearest(x, y)
    const n = near ? index.grids[near.grid] : undefined
    const nearField = near && n && isWithinScope(o.scope, n.region_code) ? `${n.code},${Math.round(near.distanceM * 10) / 10}` : ','
    return `${row},${idField},,,,,,,${nearField},,,,\n`
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

  private resolvePoint(row: number, id: string | null, lngRaw: unknown, latRaw: unknown, crsRaw: unknown, address: BatchRow['address']): BatchRow | Promise<BatchRow> {
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
    const loaded = o.holder?.current() ?? null
    if (loaded && (o.asOf === undefined || o.asOf === loaded.day)) return this.fromIndex(row, id, loaded.index, wgs84[0], wgs84[1], address)
    const query: LookupResult['query'] = { lng: checked.lng, lat: checked.lat, crs, wgs84 }
    return lookupInPostgis(o.db, query, { scope: o.scope, asOf: o.asOf }, loaded).then(
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
      if (near && g && isWithinScope(this.options.scope, g.region_code)) nearest = { code: g.code, distance_m: Math.round(near.distanceM * 10) / 10 }
    }
    const dedicated = hit.dedicated.length === 0 ? NONE : hit.dedicated.map((i) => (index.grids[i] as IndexedGrid).code)
    const out: BatchRow = { row, id, grid, dedicated, nearest }
    if (address !== null) out.address = address
    return out
  }

  private fromResult(row: number, id: string | null, result: LookupResult, address: BatchRow['address']): BatchRow {
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

const NONE: string[] = []
const NEEDS_QUOTES = /[",\r\n]/

/** A free-text CSV field, quoted when it must be. */
function csvField(value: string | null | undefined): string {
  if (value === null || value === undefined) return ''
  return NEEDS_QUOTES.test(value) ? `"${value.replaceAll('"', '""')}"` : value
}

/** Codes, kinds and numbers never need quoting. */
const plain = (value: string | number | null | undefined) => (value === null || value === undefined ? '' : value)

export function csvLine(r: BatchRow): string {
  const g = r.grid
  const tail = r.address || r.error ? `${csvField(r.address?.address)},${plain(r.address?.score)},${plain(r.error?.code)},${csvField(r.error?.message)}` : ',,,'
  const gridPart = g ? `${g.code},${csvField(g.name)},${g.kind},${g.region_code},${csvField(g.grid_head)}` : ',,,,'
  const near = r.nearest ? `${r.nearest.code},${r.nearest.distance_m}` : ','
  return `${r.row},${csvField(r.id)},${gridPart},${r.dedicated.length === 0 ? '' : r.dedicated.join('|')},${near},${tail}\n`
}

function ndjsonLine(r: BatchRow): string {
  return `${JSON.stringify(r)}\n`
}

export interface BatchChunk {
  text: string
  rows: number
}

/** A row's answer: a row, a promise of one, or (fast path) its formatted line. */
type Pending = BatchRow | Promise<BatchRow> | string

/** Keeps rows in input order while promises (address rows) resolve, at most `limit` pending. */
async function* ordered(batches: AsyncIterable<Pending[]>, format: (row: BatchRow) => string, limit: number): AsyncGenerator<BatchChunk> {
  let queue: Pending[] = []
  let head = 0
  let out = ''
  let count = 0
  for await (const batch of batches) {
    for (const row of batch) {
      queue.push(row)
      while (head < queue.length) {
        const first = queue[head] as Pending
        if (first instanceof Promise) {
          if (queue.length - head <= limit) break
          out += format(await first)
        } else {
          out += typeof first === 'string' ? first : format(first)
        }
        head++
        count++
      }
      if (head === queue.length) {
        queue = []
        head = 0
      }
    }
    if (out.length >= FLUSH_CHARS) {
      yield { text: out, rows: count }
      out = ''
      count = 0
    }
  }
  for (; head < queue.length; head++, count++) {
    const pending = queue[head] as Pending
    out += typeof pending === 'string' ? pending : format(await pending)
  }
  if (out.length > 0) yield { text: out, rows: count }
}

interface CsvHeader {
  lng: number
  lat: number
  crs: number
  id: number
  address: number
}

function csvHeader(record: string[]): CsvHeader | null {
  const names = record.map((name) => name.trim().toLowerCase())
  const at = (...aliases: string[]) => names.findIndex((name) => aliases.includes(name))
  const header = {
    lng: at('lng', 'lon', 'longitude', 'x'),
    lat: at('lat', 'latitude', 'y'),
    crs: at('crs'),
    id: at('id'),
    address: at('address', '地址'),
  }
  if (header.address < 0 && (header.lng < 0 || header.lat < 0)) return null
  return header
}

/**
 * Starts a batch over `input`: reads what is needed to know the batch is well-formed (the CSV
 * header) and throws a 400 if it is not; then returns the output as text chunks to stream.
 */
export async function openBatch(input: Readable, format: BatchFormat, options: BatchOptions): Promise<{ chunks: AsyncGenerator<BatchChunk>; header: string }> {
  const resolver = new RowResolver(options)
  const limit = options.concurrency ?? ADDRESS_CONCURRENCY
  const chunks = input[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>
  if (format === 'ndjson') return { chunks: ordered(ndjsonRows(chunks, resolver), ndjsonLine, limit), header: '' }
  const splitter = new CsvRecords()
  // Read up to the header row.
  let records: string[][] = []
  let ended = false
  try {
    while (records.length === 0) {
      const next = await chunks.next()
      if (next.done) {
        records = splitter.end()
        ended = true
        break
      }
      records = splitter.push(next.value)
    }
  } catch (error) {
    input.resume()
    throw badRequest('lookup_batch_unreadable', { detail: error instanceof Error ? error.message : String(error) })
  }
  const header = records.length > 0 ? csvHeader(records[0] as string[]) : null
  if (!header) {
    input.resume()
    throw badRequest('lookup_batch_header')
  }
  return { chunks: ordered(csvRows(chunks, splitter, records.slice(1), ended, header, resolver), csvLine, limit), header: `${CSV_COLUMNS.join(',')}\n` }
}

async function* csvRows(
  chunks: AsyncIterator<Buffer | string>,
  splitter: CsvRecords,
  first: string[][],
  ended: boolean,
  h: CsvHeader,
  resolver: RowResolver,
): AsyncGenerator<Pending[]> {
  let row = 0
  const plainPoints = h.address < 0 && h.crs < 0
  const resolve = (records: string[][]): Pending[] =>
    records.map((r) => {
      row++
      const id = h.id >= 0 ? (r[h.id]?.trim() ?? '') : ''
      if (plainPoints) {
        const line = resolver.csvPointLine(row, id, r[h.lng] ?? '', r[h.lat] ?? '')
        if (line !== null) return line
      }
      return resolver.resolve(row, {
        id: id === '' ? null : id,
        lng: h.lng >= 0 ? r[h.lng] : undefined,
        lat: h.lat >= 0 ? r[h.lat] : undefined,
        crs: h.crs >= 0 ? r[h.crs]?.trim() : undefined,
        address: h.address >= 0 ? r[h.address]?.trim() : undefined,
      })
    })
  if (first.length > 0) yield resolve(first)
  if (ended) return
  while (true) {
    let records: string[][]
    let done = false
    try {
      const next = await chunks.next()
      if (next.done) {
        done = true
        records = splitter.end()
      } else {
        records = splitter.push(next.value)
      }
    } catch (error) {
      // A malformed CSV (or a broken upload) stops here: say so as the last row.
      yield [resolver.error(row + 1, null, 'lookup_batch_unreadable', { detail: error instanceof Error ? error.message : String(error) })]
      return
    }
    if (records.length > 0) yield resolve(records)
    if (done) return
  }
}

async function* ndjsonRows(chunks: AsyncIterator<Buffer | string>, resolver: RowResolver): AsyncGenerator<Pending[]> {
  const decoder = new StringDecoder('utf8')
  let rest = ''
  let row = 0
  const one = (line: string): Pending | null => {
    if (line.trim() === '') return null
    row++
    let value: unknown
    try {
      value = JSON.parse(line)
    } catch (error) {
      return resolver.error(row, null, 'lookup_row_json', { detail: error instanceof Error ? error.message : String(error) })
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return resolver.error(row, null, 'lookup_row_json', { detail: 'not an object' })
    const o = value as Record<string, unknown>
    const id = o.id === undefined || o.id === null ? null : String(o.id)
    return resolver.resolve(row, { id, lng: o.lng ?? o.lon, lat: o.lat, crs: o.crs, address: o.address })
  }
  while (true) {
    const next = await chunks.next()
    const text = rest + (next.done ? decoder.end() : typeof next.value === 'string' ? next.value : decoder.write(next.value))
    const lines = text.split('\n')
    rest = next.done ? '' : (lines.pop() ?? '')
    const batch: Pending[] = []
    for (const line of lines) {
      const pending = one(line)
      if (pending !== null) batch.push(pending)
    }
    if (batch.length > 0) yield batch
    if (next.done) return
  }
}
