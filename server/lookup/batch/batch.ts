import type { Readable } from 'node:stream'
import type { Kysely } from 'kysely'
import type { Database } from '../../db/database.js'
import { CRS_NAMES, type CrsName } from '../../geo/crs.js'
import { AppError, badRequest } from '../../http/errors.js'
import { MAX_BATCH_RECORD_CHARS, formatCount } from '../../http/limits.js'
import { type Language, type MessageParams, translate } from '../../i18n/index.js'
import { isWithinScope } from '../../regions/region-codes.js'
import { lookupAddress } from '../../addresses/address-lookup.js'
import { ByteBlock, OutputBytes, parsePlainDecimal, writeDigits, writeTenths } from './batch-bytes.js'
import { LINE_TOO_LONG, ndjsonLines, utf8Checked } from './batch-input.js'
import { CsvRecords, type RecordVisitor } from './csv-records.js'
import type { GridIndex } from '../index/grid-index.js'
import { type IndexedGrid, roundDistanceM } from '../index/indexed-grid.js'
import type { IndexHolder } from '../index/index-holder.js'
import { checkPoint, inChina, inLonLatRange, toWgs84 } from '../lookup.service.js'
import { type PostgisAnswer, PostgisPointGroup } from '../postgis-lookup.js'

// Batch lookup, streamed both ways: rows are parsed as they arrive (csv-records.ts / lines), looked
// up, and written out in input order as they are ready, so neither the request nor the response is
// ever held whole. The consumer pulls (an async generator behind a Readable), which gives
// backpressure: a slow client stops the parsing. Point rows are answered synchronously from the
// index; address rows (and points when the index cannot answer, e.g. as_of a past day) are
// promises, at most ADDRESS_CONCURRENCY in flight, their results still written in order. Points
// for PostGIS wait in the batch's PostgisPointGroup and go POSTGIS_GROUP to a statement.
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
const FLUSH_BYTES = 64 * 1024
/** Output buffer of the fast path: room for a few thousand rows. */
const BLOCK_BYTES = 256 * 1024

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
  /** Points only PostGIS can answer, waiting to go as one statement. */
  readonly postgis: PostgisPointGroup

  constructor(private readonly options: BatchOptions) {
    this.postgis = new PostgisPointGroup(options.db, { scope: options.scope, asOf: options.asOf })
  }

  error(row: number, id: string | null, code: string, params: MessageParams = {}): BatchRow {
    return { row, id, grid: null, dedicated: [], nearest: null, error: { code, message: translate(this.options.language, `error.${code}`, params) } }
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
      if (near && g && isWithinScope(this.options.scope, g.region_code)) nearest = { code: g.code, distance_m: roundDistanceM(near.distanceM) }
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

const NONE: string[] = []
const NEEDS_QUOTES = /[",\r\n]/

/** A free-text CSV field, quoted when it must be. */
function csvField(value: string | null | undefined): string {
  if (value === null || value === undefined) return ''
  return NEEDS_QUOTES.test(value) ? `"${value.replaceAll('"', '""')}"` : value
}

const COMMA = 44
const PIPE = 124
const GENERAL_PATH = -1
const NEED_ROOM = -2

/** Each grid's CSV bytes, made once per index: a batch repeats them. */
interface GridBytes {
  /** The five grid fields (code … grid_head) and the comma after them, UTF-8. */
  fields: Buffer[]
  codes: Buffer[]
  longestFields: number
  longestCode: number
}

const gridBytes = new WeakMap<GridIndex, GridBytes>()

function gridBytesOf(index: GridIndex): GridBytes {
  let found = gridBytes.get(index)
  if (found === undefined) {
    const fields = index.grids.map((g) => Buffer.from(`${csvGridPart(g)},`))
    const codes = index.grids.map((g) => Buffer.from(g.code, 'latin1'))
    found = { fields, codes, longestFields: fields.reduce((n, b) => Math.max(n, b.length), 0), longestCode: codes.reduce((n, b) => Math.max(n, b.length), 0) }
    gridBytes.set(index, found)
  }
  return found
}

/** A grid's five CSV fields, code … grid_head. */
function csvGridPart(g: NonNullable<BatchRow['grid']>): string {
  return `${g.code},${csvField(g.name)},${g.kind},${g.region_code},${csvField(g.grid_head)}`
}

/** Codes, kinds and numbers never need quoting. */
const plain = (value: string | number | null | undefined) => (value === null || value === undefined ? '' : value)

export function csvLine(r: BatchRow): string {
  const g = r.grid
  const tail = r.address || r.error ? `${csvField(r.address?.address)},${plain(r.address?.score)},${plain(r.error?.code)},${csvField(r.error?.message)}` : ',,,'
  const gridPart = g ? csvGridPart(g) : ',,,,'
  const near = r.nearest ? `${r.nearest.code},${r.nearest.distance_m}` : ','
  return `${r.row},${csvField(r.id)},${gridPart},${r.dedicated.length === 0 ? '' : r.dedicated.join('|')},${near},${tail}\n`
}

function ndjsonLine(r: BatchRow): string {
  return `${JSON.stringify(r)}\n`
}

/** Output bytes of consecutive rows. */
export type BatchChunk = ByteBlock

/** A row's answer: a row, a promise of one, or (fast path) the bytes of a run of rows. */
type Pending = BatchRow | Promise<BatchRow> | ByteBlock

/**
 * Keeps rows in input order while promises (address rows) resolve, at most `limit` pending plus
 * the points waiting in `postgis` (< POSTGIS_GROUP), which it sends before it waits for a row.
 */
async function* ordered(batches: AsyncIterable<Pending[]>, format: (row: BatchRow) => string, limit: number, postgis: PostgisPointGroup): AsyncGenerator<BatchChunk> {
  let queue: Pending[] = []
  let head = 0
  const out = new OutputBytes(FLUSH_BYTES)
  const append = (pending: BatchRow | ByteBlock) => {
    if (pending instanceof ByteBlock) {
      out.appendBytes(pending.bytes)
      out.rows += pending.rows
    } else {
      out.appendString(format(pending))
      out.rows++
    }
  }
  for await (const batch of batches) {
    for (const row of batch) {
      queue.push(row)
      while (head < queue.length) {
        const first = queue[head] as Pending
        if (first instanceof Promise) {
          if (queue.length - head <= limit + postgis.waiting) break
          postgis.flush()
          append(await first)
        } else {
          append(first)
        }
        head++
      }
      if (head === queue.length) {
        queue = []
        head = 0
      }
    }
    if (out.size >= FLUSH_BYTES) yield out.take()
  }
  postgis.flush()
  for (; head < queue.length; head++) append(await (queue[head] as Pending))
  if (out.size > 0) yield out.take()
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
  let chunks: AsyncIterator<Buffer | string>
  try {
    chunks = await utf8Checked(input[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>)
  } catch (error) {
    input.resume()
    throw error
  }
  if (format === 'ndjson') return { chunks: ordered(ndjsonRows(chunks, resolver), ndjsonLine, limit, resolver.postgis), header: '' }
  const splitter = new CsvRecords()
  // Read up to the header row; the records after it in the same chunk wait for csvRows.
  const start = new HeaderThenRecords()
  let ended = false
  try {
    while (start.header === null && !start.headerTooLong) {
      const next = await chunks.next()
      if (next.done) {
        splitter.visitEnd(start)
        ended = true
        break
      }
      splitter.visit(next.value, start)
    }
  } catch (error) {
    input.resume()
    throw badRequest('lookup_batch_unreadable', { detail: error instanceof Error ? error.message : String(error) })
  }
  if (start.headerTooLong) {
    // Nothing is answered yet, so the whole request is refused; the rest of the body is drained unread.
    input.resume()
    throw new AppError(413, 'lookup_batch_header_too_long', { limit: formatCount(MAX_BATCH_RECORD_CHARS) })
  }
  const header = start.header ? csvHeader(start.header) : null
  if (!header) {
    input.resume()
    throw badRequest('lookup_batch_header')
  }
  return { chunks: ordered(csvRows(chunks, splitter, start, ended, header, resolver), csvLine, limit, resolver.postgis), header: `${CSV_COLUMNS.join(',')}\n` }
}

/** The first record's fields (the header); the records after it kept to be replayed. */
class HeaderThenRecords implements RecordVisitor {
  header: string[] | null = null
  headerTooLong = false
  private readonly after: ({ text: string; start: number; end: number } | string[] | typeof LINE_TOO_LONG)[] = []

  line(text: string, start: number, end: number): void {
    if (this.header === null) this.header = text.slice(start, end).split(',')
    else this.after.push({ text, start, end })
  }

  record(fields: string[]): void {
    if (this.header === null) this.header = fields
    else this.after.push(fields)
  }

  tooLong(): void {
    if (this.header === null) this.headerTooLong = true
    else this.after.push(LINE_TOO_LONG)
  }

  replay(visitor: RecordVisitor): void {
    for (const entry of this.after) {
      if (entry === LINE_TOO_LONG) visitor.tooLong()
      else if (Array.isArray(entry)) visitor.record(entry)
      else visitor.line(entry.text, entry.start, entry.end)
    }
  }
}

async function* csvRows(
  chunks: AsyncIterator<Buffer | string>,
  splitter: CsvRecords,
  first: HeaderThenRecords,
  ended: boolean,
  h: CsvHeader,
  resolver: RowResolver,
): AsyncGenerator<Pending[]> {
  // Point rows without a crs column take the byte path where they can (PointRows).
  const rows: PointRows | FieldRows = h.address < 0 && h.crs < 0 ? new PointRows(resolver, h) : new FieldRows(resolver, h)
  first.replay(rows)
  const answeredFirst = rows.take()
  if (answeredFirst.length > 0) yield answeredFirst
  if (ended) return
  while (true) {
    let done = false
    try {
      const next = await chunks.next()
      if (next.done) {
        done = true
        splitter.visitEnd(rows)
      } else {
        splitter.visit(next.value, rows)
      }
    } catch (error) {
      // A malformed CSV (or a broken upload) stops here: say so as the last row.
      const answered = rows.take()
      answered.push(resolver.error(rows.row + 1, null, 'lookup_batch_unreadable', { detail: error instanceof Error ? error.message : String(error) }))
      yield answered
      return
    }
    const answered = rows.take()
    if (answered.length > 0) yield answered
    if (done) return
  }
}

/** Every CSV record by the general path. */
class FieldRows implements RecordVisitor {
  row = 0
  private pending: Pending[] = []

  constructor(
    private readonly resolver: RowResolver,
    private readonly h: CsvHeader,
  ) {}

  line(text: string, start: number, end: number): void {
    this.record(text.slice(start, end).split(','))
  }

  record(fields: string[]): void {
    this.pending.push(this.resolver.resolveRecord(++this.row, fields, this.h))
  }

  tooLong(): void {
    this.pending.push(this.resolver.tooLong(++this.row))
  }

  take(): Pending[] {
    const pending = this.pending
    this.pending = []
    return pending
  }
}

/** Where a quote-free line's id, lng and lat fields are (start, end; an absent id is empty). */
interface FieldRanges {
  idStart: number
  idEnd: number
  lngStart: number
  lngEnd: number
  latStart: number
  latEnd: number
}

/**
 * Point records: quote-free lines are answered into byte blocks by writePointRow when it can,
 * anything else (and quoted records) by the general path, all kept in input order.
 */
class PointRows implements RecordVisitor {
  row = 0
  private pending: Pending[] = []
  private out = Buffer.allocUnsafe(BLOCK_BYTES)
  private blockStart = 0
  private pos = 0
  private blockRows = 0
  private readonly ranges: FieldRanges = { idStart: 0, idEnd: 0, lngStart: 0, lngEnd: 0, latStart: 0, latEnd: 0 }
  private readonly lastField: number

  constructor(
    private readonly resolver: RowResolver,
    private readonly h: CsvHeader,
  ) {
    this.lastField = Math.max(h.id, h.lng, h.lat)
  }

  line(text: string, start: number, end: number): void {
    const row = ++this.row
    if (this.findFields(text, start, end)) {
      let at = this.resolver.writePointRow(this.out, this.pos, row, text, this.ranges)
      if (at === NEED_ROOM) {
        this.closeBlock()
        this.out = Buffer.allocUnsafe(BLOCK_BYTES)
        this.blockStart = 0
        this.pos = 0
        at = this.resolver.writePointRow(this.out, this.pos, row, text, this.ranges)
      }
      if (at >= 0) {
        this.pos = at
        this.blockRows++
        return
      }
    }
    this.general(row, text.slice(start, end).split(','))
  }

  record(fields: string[]): void {
    this.general(++this.row, fields)
  }

  tooLong(): void {
    this.closeBlock()
    this.pending.push(this.resolver.tooLong(++this.row))
  }

  take(): Pending[] {
    this.closeBlock()
    const pending = this.pending
    this.pending = []
    return pending
  }

  private general(row: number, fields: string[]): void {
    this.closeBlock()
    this.pending.push(this.resolver.resolveRecord(row, fields, this.h))
  }

  private closeBlock(): void {
    if (this.blockRows === 0) return
    this.pending.push(new ByteBlock(this.out.subarray(this.blockStart, this.pos), this.blockRows))
    this.blockStart = this.pos
    this.blockRows = 0
  }

  /** Fills `ranges` for the line; false when it has too few fields. */
  private findFields(text: string, start: number, end: number): boolean {
    const r = this.ranges
    r.idStart = 0
    r.idEnd = 0
    let field = 0
    let fieldStart = start
    for (let i = start; ; i++) {
      if (i < end && text.charCodeAt(i) !== COMMA) continue
      if (field === this.h.id) {
        r.idStart = fieldStart
        r.idEnd = i
      }
      if (field === this.h.lng) {
        r.lngStart = fieldStart
        r.lngEnd = i
      }
      if (field === this.h.lat) {
        r.latStart = fieldStart
        r.latEnd = i
      }
      if (field === this.lastField) return true
      if (i >= end) return false
      field++
      fieldStart = i + 1
    }
  }
}

async function* ndjsonRows(chunks: AsyncIterator<Buffer | string>, resolver: RowResolver): AsyncGenerator<Pending[]> {
  let row = 0
  const one = (line: string | typeof LINE_TOO_LONG): Pending | null => {
    if (line === LINE_TOO_LONG) return resolver.tooLong(++row)
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
  for await (const lines of ndjsonLines(chunks)) {
    const batch: Pending[] = []
    for (const line of lines) {
      const pending = one(line)
      if (pending !== null) batch.push(pending)
    }
    if (batch.length > 0) yield batch
  }
}
