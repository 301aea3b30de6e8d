import { createReadStream } from 'node:fs'
import { open } from 'node:fs/promises'
import { createInterface } from 'node:readline'
import { createGunzip } from 'node:zlib'
import type { EngineName } from '../db/engines.js'
import type { TableShape } from './catalog.js'

// The gridwork dump: one gzip file of JSON lines, the same on both engines.
//
//   line 1        the manifest: format, schema version, source engine, and per table its shape,
//                 row count and checksum (checksums.ts), plus where each id sequence stood
//   per table     {"table": name}, then one JSON array per row — the text form of each stored
//                 (not generated) column, null for NULL, geometry as hex EWKB — then
//                 {"end": name, "rows": n}
//   last line     {"end": "gridwork-dump", "tables": n}
//
// gzip's CRC-32 and length catch a damaged or cut file, and the end lines a file cut at a gzip
// block boundary; a reader checks everything before a restore writes anything.

export const DUMP_FORMAT = 'gridwork-dump'
export const DUMP_FORMAT_VERSION = 1
export const DUMP_EXTENSION = '.gwdump'

export interface DumpTable extends TableShape {
  rows: number
  checksum: string
}

export interface DumpManifest {
  format: typeof DUMP_FORMAT
  formatVersion: number
  /** Name of the last migration applied to the source (migrations/index.ts). */
  schemaVersion: string
  createdAt: string
  source: { engine: EngineName; postgres: string; postgis: string; geos: string }
  tables: DumpTable[]
  sequences: { table: string; column: string; lastValue: number; isCalled: boolean }[]
}

export type DumpValue = string | null

/** The columns a dump row holds, in order: the table's columns less the generated ones. */
export const storedColumns = (table: TableShape) => table.columns.filter((column) => !column.generated)

export type RefusalReason =
  | 'not_a_dump'
  | 'damaged'
  | 'truncated'
  | 'newer_format'
  | 'newer_schema'
  | 'unknown_schema'
  | 'not_empty'
  | 'shape_mismatch'
  | 'verification_failed'
  | 'no_postgis'
  | 'cannot_connect'

/** A restore (or move) refused with a plain sentence; nothing was written. */
export class RestoreRefusal extends Error {
  constructor(
    readonly reason: RefusalReason,
    message: string,
  ) {
    super(message)
    this.name = 'RestoreRefusal'
  }
}

export const refusals = {
  notADump: (file: string, why: string) =>
    new RestoreRefusal('not_a_dump', `${file} is not a gridwork dump (${why}). Nothing was restored.`),
  damaged: (file: string, why: string) =>
    new RestoreRefusal('damaged', `${file} is damaged (${why}). Nothing was restored; use another backup.`),
  truncated: (file: string) =>
    new RestoreRefusal(
      'truncated',
      `${file} is incomplete: it ends before the end of the dump (cut short while being written or copied). Nothing was restored; use another backup.`,
    ),
}

/** What a reader is told as it goes through a dump; each call is awaited before the next line is read. */
export interface DumpVisitor {
  rows?(table: DumpTable, rows: DumpValue[][]): Promise<void>
}

const BATCH_ROWS = 1000
const BATCH_CHARS = 4 * 1024 * 1024

/**
 * Reads a dump from start to end, checking its structure (and through gunzip its CRC), handing
 * rows to `visitor` in batches; returns its manifest. Throws a RestoreRefusal for a file that is
 * not a dump, is damaged or is cut short. Newer formats are refused after the manifest is read.
 */
export async function readDump(file: string, visitor: DumpVisitor = {}): Promise<DumpManifest> {
  await checkGzipMagic(file)
  const gunzip = createGunzip()
  let streamError: Error | null = null
  const source = createReadStream(file)
  source.on('error', (error) => gunzip.destroy(error))
  const lines = createInterface({ input: source.pipe(gunzip), crlfDelay: Number.POSITIVE_INFINITY })
  gunzip.on('error', (error) => {
    streamError = error
  })
  let manifest: DumpManifest | null = null
  let tableIndex = 0
  let current: DumpTable | null = null
  let width = 0
  let rowsSeen = 0
  let batch: DumpValue[][] = []
  let batchChars = 0
  let finished = false
  const flush = async () => {
    if (batch.length > 0 && current && visitor.rows) await visitor.rows(current, batch)
    batch = []
    batchChars = 0
  }
  try {
    for await (const line of lines) {
      if (finished) throw refusals.damaged(file, 'there is more after its end line')
      if (manifest === null) {
        manifest = parseManifest(file, line)
        continue
      }
      let record: unknown
      try {
        record = JSON.parse(line)
      } catch {
        throw refusals.damaged(file, `line of table ${current?.name ?? '(none)'} is not JSON`)
      }
      if (current) {
        if (Array.isArray(record)) {
          if (record.length !== width || !record.every((value) => value === null || typeof value === 'string')) {
            throw refusals.damaged(file, `a row of ${current.name} does not have its ${width} columns`)
          }
          rowsSeen++
          batch.push(record as DumpValue[])
          batchChars += line.length
          if (batch.length >= BATCH_ROWS || batchChars >= BATCH_CHARS) await flush()
          continue
        }
        const end = record as { end?: unknown; rows?: unknown }
        if (end?.end !== current.name || end.rows !== rowsSeen || rowsSeen !== current.rows) {
          throw refusals.damaged(file, `table ${current.name} should have ${current.rows} rows and its end line`)
        }
        await flush()
        current = null
        continue
      }
      const header = record as { table?: unknown; end?: unknown; tables?: unknown }
      if (tableIndex < manifest.tables.length) {
        const expected = manifest.tables[tableIndex] as DumpTable
        if (header?.table !== expected.name) throw refusals.damaged(file, `table ${expected.name} should come next`)
        current = expected
        width = storedColumns(expected).length
        rowsSeen = 0
        tableIndex++
        continue
      }
      if (header?.end !== DUMP_FORMAT || header.tables !== manifest.tables.length) {
        throw refusals.damaged(file, 'its end line is missing or wrong')
      }
      finished = true
    }
  } catch (error) {
    if (error instanceof Error && 'code' in error && typeof error.code === 'string' && error.code.startsWith('Z_')) {
      throw zlibRefusal(file, error)
    }
    throw error
  } finally {
    lines.close()
    source.destroy()
  }
  if (streamError) throw zlibRefusal(file, streamError)
  if (manifest === null) throw refusals.notADump(file, 'it is empty')
  if (!finished) throw refusals.truncated(file)
  return manifest
}

function zlibRefusal(file: string, error: Error): RestoreRefusal {
  if (/unexpected end of file/i.test(error.message)) return refusals.truncated(file)
  return refusals.damaged(file, `its compressed data fails the check: ${error.message}`)
}

async function checkGzipMagic(file: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>>
  try {
    handle = await open(file, 'r')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new RestoreRefusal(
      'not_a_dump',
      code === 'ENOENT' ? `There is no file ${file}.` : `Cannot read ${file}: ${(error as Error).message}`,
    )
  }
  try {
    const { bytesRead, buffer } = await handle.read(Buffer.alloc(2), 0, 2, 0)
    if (bytesRead < 2 || buffer[0] !== 0x1f || buffer[1] !== 0x8b) throw refusals.notADump(file, 'it is not a gzip file')
  } finally {
    await handle.close()
  }
}

function parseManifest(file: string, line: string): DumpManifest {
  let manifest: Partial<DumpManifest>
  try {
    manifest = JSON.parse(line)
  } catch {
    throw refusals.notADump(file, 'it does not start with a gridwork manifest')
  }
  if (manifest?.format !== DUMP_FORMAT) throw refusals.notADump(file, 'it does not start with a gridwork manifest')
  if (typeof manifest.formatVersion !== 'number' || manifest.formatVersion > DUMP_FORMAT_VERSION) {
    throw new RestoreRefusal(
      'newer_format',
      `${file} was made by a newer gridwork: dump format ${manifest.formatVersion}; this version reads format ${DUMP_FORMAT_VERSION}; update gridwork first.`,
    )
  }
  if (typeof manifest.schemaVersion !== 'string' || !Array.isArray(manifest.tables) || !Array.isArray(manifest.sequences)) {
    throw refusals.damaged(file, 'its manifest is incomplete')
  }
  return manifest as DumpManifest
}
