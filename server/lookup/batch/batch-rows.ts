import { ByteBlock } from './batch-bytes.js'
import type { BatchRow } from './batch-format.js'
import { LINE_TOO_LONG, ndjsonLines } from './batch-input.js'
import { COMMA, type CsvHeader, type FieldRanges, NEED_ROOM, type RowResolver } from './batch-resolve.js'
import type { CsvRecords, RecordVisitor } from './csv-records.js'

// The input side of a batch: CSV records and NDJSON lines as they arrive, each handed to the
// RowResolver, their answers (rows, promises of rows, byte blocks) yielded in input order.

/** A row's answer: a row, a promise of one, or (fast path) the bytes of a run of rows. */
export type Pending = BatchRow | Promise<BatchRow> | ByteBlock

/** Output buffer of the fast path: room for a few thousand rows. */
const BLOCK_BYTES = 256 * 1024

/** Where a CSV header row puts each column (-1: absent), or null when it has neither lng and lat nor address. */
export function csvHeader(record: string[]): CsvHeader | null {
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

/** The first record's fields (the header); the records after it kept to be replayed. */
export class HeaderThenRecords implements RecordVisitor {
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

export async function* csvRows(
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
      answered.push(
        resolver.error(rows.row + 1, null, 'lookup_batch_unreadable', { detail: error instanceof Error ? error.message : String(error) }),
      )
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

export async function* ndjsonRows(chunks: AsyncIterator<Buffer | string>, resolver: RowResolver): AsyncGenerator<Pending[]> {
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
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      return resolver.error(row, null, 'lookup_row_json', { detail: 'not an object' })
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
