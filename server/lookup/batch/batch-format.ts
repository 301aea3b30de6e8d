import type { GridIndex } from '../index/grid-index.js'

// The output side of a batch: its formats, the row it answers, and a row as a CSV or NDJSON line.

export type BatchFormat = 'csv' | 'ndjson'

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

/** The batch format of a Content-Type header, or null. */
export function formatOf(contentType: string | undefined): BatchFormat | null {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase()
  if (type === 'text/csv') return 'csv'
  if (type === 'application/x-ndjson' || type === 'application/ndjson' || type === 'application/jsonl') return 'ndjson'
  return null
}

const NEEDS_QUOTES = /[",\r\n]/

/** A free-text CSV field, quoted when it must be. */
function csvField(value: string | null | undefined): string {
  if (value === null || value === undefined) return ''
  return NEEDS_QUOTES.test(value) ? `"${value.replaceAll('"', '""')}"` : value
}

/** Each grid's CSV bytes, made once per index: a batch repeats them. */
export interface GridBytes {
  /** The five grid fields (code … grid_head) and the comma after them, UTF-8. */
  fields: Buffer[]
  codes: Buffer[]
  longestFields: number
  longestCode: number
}

const gridBytes = new WeakMap<GridIndex, GridBytes>()

export function gridBytesOf(index: GridIndex): GridBytes {
  let found = gridBytes.get(index)
  if (found === undefined) {
    const fields = index.grids.map((g) => Buffer.from(`${csvGridPart(g)},`))
    const codes = index.grids.map((g) => Buffer.from(g.code, 'latin1'))
    found = {
      fields,
      codes,
      longestFields: fields.reduce((n, b) => Math.max(n, b.length), 0),
      longestCode: codes.reduce((n, b) => Math.max(n, b.length), 0),
    }
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
  const tail =
    r.address || r.error
      ? `${csvField(r.address?.address)},${plain(r.address?.score)},${plain(r.error?.code)},${csvField(r.error?.message)}`
      : ',,,'
  const gridPart = g ? csvGridPart(g) : ',,,,'
  const near = r.nearest ? `${r.nearest.code},${r.nearest.distance_m}` : ','
  return `${r.row},${csvField(r.id)},${gridPart},${r.dedicated.length === 0 ? '' : r.dedicated.join('|')},${near},${tail}\n`
}

export function ndjsonLine(r: BatchRow): string {
  return `${JSON.stringify(r)}\n`
}
