import { once } from 'node:events'
import { createWriteStream, existsSync } from 'node:fs'
import { mkdir, open, rename, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import { finished } from 'node:stream/promises'
import { createGzip } from 'node:zlib'
import { sql } from 'kysely'
import type { DatabaseHandle } from '../db/connect.js'
import { sequenceStates, tablesToDump } from './catalog.js'
import { countAndChecksum, primaryKeyOrder, useNeutralTextSettings } from './checksums.js'
import { DUMP_EXTENSION, DUMP_FORMAT, DUMP_FORMAT_VERSION, type DumpManifest, type DumpTable, storedColumns } from './dump-format.js'
import { appliedSchemaVersion } from './schema-version.js'

// Writes a dump of the whole database (dump-format.ts) from one snapshot: a read-only REPEATABLE
// READ transaction, so counts, checksums and rows agree even while a PostgreSQL server keeps
// writing. (On PGlite the transaction holds the one connection: the server waits while it runs.)
// Rows are read through a cursor a page at a time and streamed through gzip, so memory stays
// bounded whatever the size of the tables. The file appears under its name only when complete:
// it is written to a hidden temporary name, synced, then renamed.

export interface DumpResult {
  file: string
  bytes: number
  ms: number
  manifest: DumpManifest
}

/** Refused before anything is read: the database has no gridwork schema to dump. */
export class NothingToDumpError extends Error {}

const CHUNK_CHARS = 256 * 1024
const PAGE_BYTES = 8 * 1024 * 1024
const MAX_PAGE_ROWS = 4000

/** `gridwork-YYYYMMDD-HHMMSS.gwdump` (UTC) for `when`. */
export function dumpFileName(when = new Date()): string {
  const stamp = when.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)
  return `gridwork-${stamp}${DUMP_EXTENSION}`
}

/** A file name in `dir` for a new dump that no file has yet (…-2.gwdump when a second comes within the same second). */
export function newDumpPath(dir: string, when = new Date()): string {
  const base = dumpFileName(when).slice(0, -DUMP_EXTENSION.length)
  for (let n = 1; ; n++) {
    const candidate = path.join(dir, `${base}${n === 1 ? '' : `-${n}`}${DUMP_EXTENSION}`)
    if (!existsSync(candidate)) return candidate
  }
}

export async function writeDump(database: DatabaseHandle, file: string): Promise<DumpResult> {
  const started = performance.now()
  const target = path.resolve(file)
  if (existsSync(target)) throw new Error(`${target} already exists; a backup never overwrites a file.`)
  await mkdir(path.dirname(target), { recursive: true })
  const partial = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.partial`)
  const output = createWriteStream(partial, { flags: 'wx' })
  const gzip = createGzip({ level: 6 })
  gzip.pipe(output)
  let chunk = ''
  const write = async (line: string) => {
    chunk += `${line}\n`
    if (chunk.length < CHUNK_CHARS) return
    const text = chunk
    chunk = ''
    if (!gzip.write(text)) await once(gzip, 'drain')
  }
  try {
    const manifest = await database.kysely
      .transaction()
      .setIsolationLevel('repeatable read')
      .setAccessMode('read only')
      .execute(async (trx) => {
        await useNeutralTextSettings(trx)
        const schemaVersion = await appliedSchemaVersion(trx)
        if (!schemaVersion)
          throw new NothingToDumpError('This database has no gridwork schema (no migrations applied): there is nothing to back up.')
        const shapes = await tablesToDump(trx)
        const tables: DumpTable[] = []
        for (const shape of shapes) tables.push({ ...shape, ...(await countAndChecksum(trx, shape)) })
        const sequences = (await sequenceStates(trx, shapes)).map(({ sequence: _, ...state }) => state)
        const { capabilities, engine } = database
        const manifest: DumpManifest = {
          format: DUMP_FORMAT,
          formatVersion: DUMP_FORMAT_VERSION,
          schemaVersion,
          createdAt: new Date().toISOString(),
          source: { engine, postgres: capabilities.postgres, postgis: capabilities.postgis, geos: capabilities.geos },
          tables,
          sequences,
        }
        await write(JSON.stringify(manifest))
        for (const table of tables) {
          await write(JSON.stringify({ table: table.name }))
          const written = await writeRows(trx, table, write)
          if (written !== table.rows) throw new Error(`${table.name}: counted ${table.rows} rows but read ${written}`)
          await write(JSON.stringify({ end: table.name, rows: written }))
        }
        await write(JSON.stringify({ end: DUMP_FORMAT, tables: tables.length }))
        return manifest
      })
    gzip.end(chunk)
    await finished(output)
    // Synced before the rename, and the folder after it: a crash leaves either no file or a whole one.
    const handle = await open(partial, 'r')
    await handle.sync()
    await handle.close()
    await rename(partial, target)
    await syncFolder(path.dirname(target))
    return { file: target, bytes: (await stat(target)).size, ms: Math.round(performance.now() - started), manifest }
  } catch (error) {
    gzip.destroy()
    output.destroy()
    await rm(partial, { force: true })
    throw error
  }
}

async function syncFolder(dir: string): Promise<void> {
  const handle = await open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

// biome-ignore lint/suspicious/noExplicitAny: a transaction over the gridwork Database type
async function writeRows(trx: any, table: DumpTable, write: (line: string) => Promise<void>): Promise<number> {
  const columns = storedColumns(table)
  const selected = sql.join(columns.map((column, i) => sql`${sql.ref(column.name)}::text AS ${sql.ref(`c${i}`)}`))
  await sql`DECLARE gridwork_dump NO SCROLL CURSOR FOR
    SELECT ${selected} FROM ${sql.table(table.name)} ORDER BY ${primaryKeyOrder(table)}`.execute(trx)
  let written = 0
  let pageRows = 500
  for (;;) {
    const { rows } = await sql<Record<string, string | null>>`FETCH FORWARD ${sql.raw(String(pageRows))} FROM gridwork_dump`.execute(trx)
    let bytes = 0
    for (const row of rows) {
      const line = JSON.stringify(columns.map((_, i) => row[`c${i}`] ?? null))
      bytes += line.length
      await write(line)
    }
    written += rows.length
    if (rows.length < pageRows) break
    // Pages of about PAGE_BYTES: many small rows per fetch, few when rows are large (a proposal's changes).
    pageRows = Math.max(1, Math.min(MAX_PAGE_ROWS, Math.round((pageRows * PAGE_BYTES) / Math.max(bytes, 1))))
  }
  // (After an error the transaction is rolled back, which closes the cursor too.)
  await sql`CLOSE gridwork_dump`.execute(trx)
  return written
}
