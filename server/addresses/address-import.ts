import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import path from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { parse } from 'csv-parse'
import iconv from 'iconv-lite'
import { type Kysely, sql } from 'kysely'
import type { Database } from '../db/database.js'
import { type CrsName, toLonLat } from '../geo/crs.js'
import { AppError } from '../http/errors.js'
import { type Language, translate } from '../i18n/index.js'
import { codeOfPrefix, parseRegionPrefix, prefixOfCode } from '../regions/region-codes.js'
import { forgetAddressIndexes } from './address-index.js'
import { regionNamesFor } from './address-lookup.js'
import { normaliseAddress } from './address-normalise.js'

// Loads a CSV of standard addresses (address, lon, lat) into the registry.
// - Encoding: UTF-8 (with or without BOM) or GBK/GB18030; without --encoding the whole file is
//   checked for valid UTF-8 first (a streaming fatal TextDecoder), else read as GB18030 (a
//   superset of GBK). Decoding streams through iconv-lite, parsing through csv-parse.
// - Each row's region: the finest region whose boundary covers the point (within --region when
//   given), refined by the region names the address starts with; county or finer.
// - All valid rows go in ONE transaction (all or nothing for a run; upserts in batches of 2,000
//   rows inside it), keyed by (region_code, normalised): a rerun updates, never duplicates.
// - Bad rows are reported with their line number and a reason, and skipped.
// - Address lookups in this process see the new rows at once (the county indexes are dropped);
//   other processes within a few seconds (address-index.ts).

export type AddressEncoding = 'utf8' | 'gbk' | 'gb18030'
export const ADDRESS_ENCODINGS: readonly AddressEncoding[] = ['utf8', 'gbk', 'gb18030']

export type AddressRejectReason =
  | 'missing_address'
  | 'address_too_long'
  | 'address_unreadable'
  | 'missing_coordinate'
  | 'bad_number'
  | 'out_of_range'
  | 'outside_region'
  | 'duplicate'
  | 'bad_csv'

export interface AddressRowError {
  /** Line number in the file (the header is line 1). */
  row: number
  reason: AddressRejectReason
  message: string
}

export interface AddressImportOptions {
  /** Decode as this; detected when absent. */
  encoding?: AddressEncoding
  /** Region code or prefix the file belongs to; otherwise found from each point. */
  region?: string
  /** Coordinate system of lon/lat (gcj02/bd09 are converted; default wgs84). */
  crs?: CrsName
  /** Recorded on each row (default: the file name). */
  source?: string
  language?: Language
  /** Called as bytes are read (for a progress bar). */
  onProgress?: (bytesRead: number) => void
}

export interface AddressImportReport {
  encoding: AddressEncoding
  /** Data rows read (header excluded). */
  rows: number
  inserted: number
  updated: number
  rejected: AddressRowError[]
  /** rejected rows by reason. */
  reasons: Partial<Record<AddressRejectReason, number>>
}

const BATCH = 2000
const MAX_ADDRESS_LENGTH = 300
const HEADERS = {
  address: ['address', 'addr', '地址', '标准地址', '详细地址'],
  lon: ['lon', 'lng', 'long', 'longitude', 'x', '经度'],
  lat: ['lat', 'latitude', 'y', '纬度'],
}

/** 'utf8' if the file is valid UTF-8 (a BOM is fine), else 'gb18030'. Reads the whole file once. */
export async function detectEncoding(file: string): Promise<AddressEncoding> {
  const decoder = new TextDecoder('utf-8', { fatal: true })
  try {
    for await (const chunk of createReadStream(file)) decoder.decode(chunk as Buffer, { stream: true })
    decoder.decode()
    return 'utf8'
  } catch (error) {
    if (error instanceof TypeError) return 'gb18030'
    throw error
  }
}

/** Imports a CSV file; see importAddresses. */
export async function importAddressFile(
  db: Kysely<Database>,
  file: string,
  options: AddressImportOptions = {},
): Promise<AddressImportReport> {
  await stat(file)
  const encoding = options.encoding ?? (await detectEncoding(file))
  return importAddresses(db, createReadStream(file), { ...options, encoding, source: options.source ?? path.basename(file) })
}

interface PendingRow {
  row: number
  address: string
  lon: number
  lat: number
}

/** Imports CSV bytes from a stream in the given encoding (default utf8). */
export async function importAddresses(
  db: Kysely<Database>,
  input: Readable,
  options: AddressImportOptions = {},
): Promise<AddressImportReport> {
  const language = options.language ?? 'zh-CN'
  const encoding = options.encoding ?? 'utf8'
  const convert = toLonLat(options.crs)
  const source = options.source ?? null
  const scope = options.region === undefined ? null : parseRegionPrefix(options.region.trim())
  if (options.region !== undefined && scope === null) throw new AppError(400, 'region_prefix_invalid', { code: options.region })

  const report: AddressImportReport = { encoding, rows: 0, inserted: 0, updated: 0, rejected: [], reasons: {} }
  const reject = (row: number, reason: AddressRejectReason, params: Record<string, string | number> = {}) => {
    // outside_region has two wordings: outside the given --region, or outside every region.
    const key = reason === 'outside_region' && !params.region ? 'outside_regions' : reason
    report.rejected.push({ row, reason, message: translate(language, `access.address_import.${key}`, { row, ...params }) })
    report.reasons[reason] = (report.reasons[reason] ?? 0) + 1
  }

  let bytes = 0
  input.on('data', (chunk: Buffer) => {
    bytes += chunk.length
    options.onProgress?.(bytes)
  })
  const parser = parse({
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
    trim: true,
    info: true,
    skip_records_with_error: true,
  })
  // A malformed line (e.g. a stray quote) is one bad row, not a failed import.
  // csv-parse does not resynchronise after a broken quote: the lines after it come back as one
  // more skipped record (reported at the last line), never silently lost.
  parser.on('skip', (error: Error & { lines?: number }) => {
    report.rows++
    reject(error.lines ?? 0, 'bad_csv', { detail: error.message })
  })
  const parsing = pipeline(input, iconv.decodeStream(encoding), parser)
  // Awaited below; on an early failure the pipeline rejects (aborted) before anyone awaits it.
  parsing.catch(() => {})

  try {
    await db.transaction().execute(async (trx) => {
      if (scope !== null) {
        const exists = await trx.selectFrom('regions').select('code').where('code', '=', codeOfPrefix(scope)).executeTakeFirst()
        if (!exists) throw new AppError(404, 'region_not_found', { code: options.region as string })
      }
      const seen = new Map<string, number>()
      let columns: { address: number; lon: number; lat: number } | null = null
      let pending: PendingRow[] = []
      const flush = async () => {
        if (pending.length === 0) return
        await loadBatch(trx, pending, scope, source, seen, report, reject)
        pending = []
      }
      for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
        if (!columns) {
          columns = headerColumns(record)
          continue
        }
        report.rows++
        const row = info.lines
        const address = (record[columns.address] ?? '').trim()
        if (address.length === 0) {
          reject(row, 'missing_address')
          continue
        }
        if ([...address].length > MAX_ADDRESS_LENGTH) {
          reject(row, 'address_too_long', { max: MAX_ADDRESS_LENGTH })
          continue
        }
        const lonText = (record[columns.lon] ?? '').normalize('NFKC').trim()
        const latText = (record[columns.lat] ?? '').normalize('NFKC').trim()
        if (lonText === '' || latText === '') {
          reject(row, 'missing_coordinate')
          continue
        }
        const lon = Number(lonText)
        const lat = Number(latText)
        if (!Number.isFinite(lon) || !Number.isFinite(lat)) {
          reject(row, 'bad_number', { value: Number.isFinite(lon) ? latText : lonText })
          continue
        }
        if (lon < -180 || lon > 180 || lat < -90 || lat > 90) {
          reject(row, 'out_of_range', { lon, lat })
          continue
        }
        const [x, y] = convert([lon, lat])
        pending.push({ row, address, lon: x, lat: y })
        if (pending.length >= BATCH) await flush()
      }
      if (!columns) throw new AppError(400, 'address_import_empty')
      await flush()
    })
  } catch (error) {
    input.destroy()
    await parsing.catch(() => {})
    throw error
  }
  await parsing
  forgetAddressIndexes(db)
  report.rejected.sort((a, b) => a.row - b.row)
  return report
}

function headerColumns(record: string[]): { address: number; lon: number; lat: number } {
  const names = record.map((cell) => cell.normalize('NFKC').trim().toLowerCase())
  const find = (wanted: string[]) => names.findIndex((name) => wanted.includes(name))
  const columns = { address: find(HEADERS.address), lon: find(HEADERS.lon), lat: find(HEADERS.lat) }
  if (columns.address < 0 || columns.lon < 0 || columns.lat < 0) {
    throw new AppError(400, 'address_import_columns', { found: record.join(', ') })
  }
  return columns
}

async function loadBatch(
  trx: Kysely<Database>,
  pending: PendingRow[],
  scope: string | null,
  source: string | null,
  seen: Map<string, number>,
  report: AddressImportReport,
  reject: (row: number, reason: AddressRejectReason, params?: Record<string, string | number>) => void,
): Promise<void> {
  // The finest region covering each point (within the scope), in one statement.
  const points = pending.map((p, i) => ({ i, x: p.lon, y: p.lat }))
  const covering = await sql<{ i: number; code: string | null }>`
    SELECT p.i, (
      SELECT r.code FROM regions r
      WHERE r.boundary IS NOT NULL AND r.code LIKE ${`${scope ?? ''}%`}
        AND ST_Covers(r.boundary, ST_SetSRID(ST_MakePoint(p.x, p.y), 4490))
      ORDER BY r.level DESC, r.code LIMIT 1) AS code
    FROM json_to_recordset(${JSON.stringify(points)}::json) AS p(i integer, x double precision, y double precision)`.execute(trx)
  const regionOf = new Map(covering.rows.map((r) => [r.i, r.code]))
  const scopeHasBoundary =
    scope === null
      ? true
      : (await trx
          .selectFrom('regions')
          .select('code')
          .where('code', '=', codeOfPrefix(scope))
          .where('boundary', 'is not', null)
          .executeTakeFirst()) !== undefined

  const values: { r: string; a: string; n: string; x: number; y: number; s: string | null }[] = []
  for (const [i, p] of pending.entries()) {
    const covered = regionOf.get(i) ?? null
    let pointPrefix: string
    if (covered) pointPrefix = prefixOfCode(covered)
    else if (scope !== null && !scopeHasBoundary) pointPrefix = scope
    else {
      reject(p.row, 'outside_region', { lon: round6(p.lon), lat: round6(p.lat), region: scope ?? '' })
      continue
    }
    // Names are stripped within the county (or the given scope when it is wider).
    const namesScope = scope !== null && scope.length < 6 ? scope : pointPrefix.slice(0, Math.max(6, scope?.length ?? 0))
    const names = await regionNamesFor(trx, namesScope)
    const { rest, regionPrefix: named } = names.strip(normaliseAddress(p.address), namesScope)
    if (rest.length === 0) {
      reject(p.row, 'address_unreadable')
      continue
    }
    // The finer of the named region and the point's region when they agree; the point's otherwise.
    const region = named.startsWith(pointPrefix) ? named : pointPrefix
    const key = `${region}|${rest}`
    const first = seen.get(key)
    if (first !== undefined) {
      reject(p.row, 'duplicate', { first })
      continue
    }
    seen.set(key, p.row)
    values.push({ r: codeOfPrefix(region), a: p.address, n: rest, x: p.lon, y: p.lat, s: source })
  }
  const counts = await upsertAddresses(trx, values)
  report.inserted += counts.inserted
  report.updated += counts.updated
}

const round6 = (value: number) => Math.round(value * 1e6) / 1e6

/** Upserts registry rows on (region_code, normalised); the rows must not repeat a key. */
export async function upsertAddresses(
  db: Kysely<Database>,
  values: { r: string; a: string; n: string; x: number; y: number; s: string | null }[],
): Promise<{ inserted: number; updated: number }> {
  if (values.length === 0) return { inserted: 0, updated: 0 }
  const result = await sql<{ inserted: boolean }>`
    INSERT INTO addresses (region_code, address, normalised, geom, source)
    SELECT a.r, a.a, a.n, ST_SetSRID(ST_MakePoint(a.x, a.y), 4490), a.s
    FROM json_to_recordset(${JSON.stringify(values)}::json)
      AS a(r text, a text, n text, x double precision, y double precision, s text)
    ON CONFLICT (region_code, normalised) DO UPDATE
      SET address = EXCLUDED.address, geom = EXCLUDED.geom, source = EXCLUDED.source, imported_at = now()
    RETURNING (xmax::text = '0') AS inserted`.execute(db)
  const inserted = result.rows.filter((row) => row.inserted).length
  return { inserted, updated: result.rows.length - inserted }
}

const DEMO_SOURCE = 'demo'
const DEMO_CHUNK = 10_000

/**
 * The demo county's address set: one registry row per demo building (address and point), loaded
 * once (skipped when the demo prefix already has addresses). Called after the demo seed.
 */
export async function seedDemoAddresses(db: Kysely<Database>, log: (message: string) => void = () => {}): Promise<number> {
  const count = await db.transaction().execute(async (trx) => {
    const present = await trx.selectFrom('addresses').select('id').where('region_code', 'like', '99%').limit(1).executeTakeFirst()
    if (present) return 0
    const buildings = await sql<{ region_code: string; address: string; x: number; y: number }>`
      SELECT region_code, address, ST_X(geom) AS x, ST_Y(geom) AS y FROM buildings
      WHERE region_code LIKE '99%' AND address IS NOT NULL ORDER BY id`.execute(trx)
    const seen = new Set<string>()
    const values: { r: string; a: string; n: string; x: number; y: number; s: string | null }[] = []
    for (const b of buildings.rows) {
      const county = b.region_code.slice(0, 6)
      const { rest } = (await regionNamesFor(trx, county)).strip(normaliseAddress(b.address), county)
      const key = `${b.region_code}|${rest}`
      if (rest.length === 0 || seen.has(key)) continue
      seen.add(key)
      values.push({ r: b.region_code, a: b.address, n: rest, x: b.x, y: b.y, s: DEMO_SOURCE })
    }
    for (let i = 0; i < values.length; i += DEMO_CHUNK) await upsertAddresses(trx, values.slice(i, i + DEMO_CHUNK))
    if (values.length > 0) log(`inserted ${values.length} demo addresses (地址库)`)
    return values.length
  })
  if (count > 0) forgetAddressIndexes(db)
  return count
}
