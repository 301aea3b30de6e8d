import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { gzipSync } from 'node:zlib'
import { sql } from 'kysely'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { DatabaseHandle } from '../db/connect.js'
import { migrateTo, migrateToLatest } from '../db/migrate.js'
import { openTestDatabase, withSchemaLock } from '../testing/database.js'
import {
  apiAnswers,
  appOver,
  type BackupTestApp,
  emptyTarget,
  miniCountyOver,
  type Populated,
  populateForBackup,
  rewriteDump,
  SPLIT_PARENT,
} from './backup-fixture.js'
import { UncarriableTableError } from './catalog.js'
import { type DumpResult, writeDump } from './dump.js'
import { type DumpManifest, readDump, RestoreRefusal } from './dump-format.js'
import { checkDumpFile, restoreDump } from './restore.js'
import { appliedSchemaVersion, KNOWN_SCHEMA_VERSIONS, LATEST_SCHEMA_VERSION } from './schema-version.js'

// Backup and restore on the engine of the run (PGlite, or PostgreSQL with DATABASE_URL): the mini
// county with a proposal through its chain, audit rows, an API key and its lookup log, addresses
// → dump → restore into an empty database → the same counts, checksums and API answers. Then each
// refusal, with its exact sentence and nothing written. Across engines: cross-engine.test.ts.

let source: BackupTestApp
let populated: Populated
let dump: DumpResult
const folder = mkdtempSync(path.join(os.tmpdir(), 'gridwork-restore-test-'))
const opened: DatabaseHandle[] = []

beforeAll(async () => {
  source = await miniCountyOver(await openTestDatabase())
  populated = await populateForBackup(source)
  dump = await writeDump(source.database, path.join(folder, 'source.gwdump'))
}, 240_000)
// Each test's targets are closed after it (a PGlite each: a few hundred MB).
afterEach(async () => {
  for (const database of opened.splice(0)) await database.close()
})
afterAll(async () => {
  await source?.close()
  await source?.database.close()
  rmSync(folder, { recursive: true, force: true })
})

async function target(): Promise<DatabaseHandle> {
  const database = await emptyTarget()
  opened.push(database)
  return database
}

/** Before proposal texts may be NULL, import field maps, reference layers and changes as json. */
const OLDER_SCHEMA = '2026-12-06T0000-proposal-initial-division'
/** Migrations on PostgreSQL hold the test schemas' lock (see openTestDatabase). */
const migrating = <T>(work: () => Promise<T>) => (process.env.DATABASE_URL ? withSchemaLock(process.env.DATABASE_URL, work) : work())

const rowsOf = (manifest: DumpManifest) => Object.fromEntries(manifest.tables.map((table) => [table.name, table.rows]))
const checksumsOf = (manifest: DumpManifest) => Object.fromEntries(manifest.tables.map((table) => [table.name, table.checksum]))

describe('backup and restore', () => {
  it('dumps every table of the schema with its count and checksum', () => {
    const rows = rowsOf(dump.manifest)
    expect(Object.keys(rows)).toEqual([
      'addresses',
      'api_keys',
      'app_meta',
      'audit_log',
      'buildings',
      'grid_codes',
      'grid_lineage',
      'grids',
      'import_field_maps',
      'lookup_log',
      'proposal_events',
      'proposals',
      'reference_features',
      'reference_layers',
      'regions',
      'users',
    ])
    expect(rows).toMatchObject({ proposals: 1, grid_lineage: 2, api_keys: 1 })
    for (const table of ['addresses', 'audit_log', 'grids', 'grid_codes', 'lookup_log', 'proposal_events', 'users', 'regions']) {
      expect(rows[table], table).toBeGreaterThan(0)
    }
    expect(dump.manifest).toMatchObject({ format: 'gridwork-dump', formatVersion: 1, schemaVersion: LATEST_SCHEMA_VERSION })
    expect(path.basename(dump.file)).toBe('source.gwdump')
    expect(readdirSync(folder)).toEqual(['source.gwdump']) // no temporary file left behind
  })

  it('restores into an empty database: same counts, checksums and API answers', async () => {
    const restoredInto = await target()
    const summary = await restoreDump(restoredInto, dump.file)
    expect(summary.tables.every((verdict) => verdict.ok)).toBe(true)
    expect(summary.migratedAfterLoad).toEqual([])
    // A dump of the restored database is the same, table by table.
    const again = await writeDump(restoredInto, path.join(folder, 'again.gwdump'))
    expect(checksumsOf(again.manifest)).toEqual(checksumsOf(dump.manifest))
    expect(again.manifest.sequences).toEqual(dump.manifest.sequences)

    const before = await apiAnswers(source, source.county, populated)
    const restoredApp = await appOver(restoredInto)
    try {
      const after = await apiAnswers(restoredApp, source.county, populated)
      expect(after.pointLookup.status).toBe(200)
      expect(after.pointLookup.body.grid.code).not.toBe(SPLIT_PARENT) // one of the split's new grids
      expect(after.history.body.features.length).toBeGreaterThan(0)
      expect(after.keyLookup.status).toBe(200)
      expect(after).toEqual(before)
    } finally {
      await restoredApp.close()
    }
    // New rows continue after the restored ids.
    const { rows } = await sql<{ id: number }>`
      INSERT INTO audit_log (action, entity) VALUES ('test', 'test') RETURNING id`.execute(restoredInto.kysely)
    const highest = dump.manifest.sequences.find((state) => state.table === 'audit_log')?.lastValue ?? 0
    expect(rows[0]?.id).toBeGreaterThan(highest)
  })

  it('restores a dump of an older schema: builds that schema, loads the rows, then runs the newer migrations', async () => {
    const older = await target()
    await migrating(() => migrateTo(older.kysely, OLDER_SCHEMA))
    await sql`INSERT INTO regions (code, name, level) VALUES ('990000000000', '示范省', 1)`.execute(older.kysely)
    await sql`
      INSERT INTO proposals (region_code, profile_id, title, reason, changes, created_by)
      VALUES ('990000000000', 'cn-default', '旧方案', '旧数据', '[{"op": "retire", "grid": "990101001001001"}]'::jsonb, 'township')`.execute(
      older.kysely,
    )
    const oldDump = await writeDump(older, path.join(folder, 'older.gwdump'))
    expect(oldDump.manifest.schemaVersion).toBe(OLDER_SCHEMA)
    expect(oldDump.manifest.tables.map((table) => table.name)).not.toContain('reference_layers')

    const into = await target()
    const summary = await restoreDump(into, oldDump.file)
    expect(summary.tables.every((verdict) => verdict.ok)).toBe(true)
    expect(summary.migratedAfterLoad).toEqual(KNOWN_SCHEMA_VERSIONS.filter((name) => name > OLDER_SCHEMA))
    expect(await appliedSchemaVersion(into.kysely)).toBe(LATEST_SCHEMA_VERSION)
    // 2026-12-08T0300-proposal-changes-json turned the loaded jsonb into json.
    const { rows } = await sql<{
      type: string
      changes: string
    }>`SELECT pg_typeof(changes)::text AS type, changes::text AS changes FROM proposals`.execute(into.kysely)
    expect(rows).toEqual([{ type: 'json', changes: '[{"op": "retire", "grid": "990101001001001"}]' }])
    // The usual migrator agrees that nothing is left to do.
    expect(await migrating(() => migrateToLatest(into.kysely))).toEqual([])
  })

  it('refuses a target that already holds data, naming its tables, and writes nothing', async () => {
    const full = await target()
    await restoreDump(full, dump.file)
    const before = await countsOf(full)
    const refusal = await refusalOf(restoreDump(full, dump.file))
    expect(refusal.reason).toBe('not_empty')
    const holding = dump.manifest.tables
      .filter((table) => table.rows > 0)
      .map((table) => `${table.name}: ${table.rows} ${table.rows === 1 ? 'row' : 'rows'}`)
    expect(holding).toContain('api_keys: 1 row')
    expect(refusal.message).toBe(
      `The target database already holds data (${holding.join(', ')}). A restore writes only into an empty database: use an empty one, or run again with --replace to replace everything in it (in one transaction: all or nothing). Nothing was written.`,
    )
    expect(await countsOf(full)).toEqual(before)
  })

  it.skipIf(!process.env.DATABASE_URL)('refuses a schema holding tables that gridwork did not make, even empty ones', async () => {
    const other = await target()
    await sql`CREATE TABLE other_app (id integer PRIMARY KEY)`.execute(other.kysely)
    const refusal = await refusalOf(restoreDump(other, dump.file))
    expect(refusal.message).toBe(
      'The target database holds tables that gridwork did not make (other_app). A restore writes only into an empty database: use an empty one, or run again with --replace to replace everything in it (in one transaction: all or nothing). Nothing was written.',
    )
    const { rows } = await sql<{ name: string }>`SELECT to_regclass('other_app')::text AS name`.execute(other.kysely)
    expect(rows[0]?.name).toBe('other_app')
  })

  it('--replace replaces everything, all or nothing: a dump that fails its verification leaves the target as it was', async () => {
    const full = await target()
    await restoreDump(full, dump.file)
    await sql`INSERT INTO app_meta (key, value) VALUES ('only_in_target', '1')`.execute(full.kysely)
    const before = await countsOf(full)

    // Well-formed, but the grids it holds are not the ones its manifest counted.
    const wrong = rewriteDump(dump.file, path.join(folder, 'wrong-checksum.gwdump'), (lines) => {
      const manifest = JSON.parse(lines[0] as string) as DumpManifest
      for (const table of manifest.tables) if (table.name === 'grids') table.checksum = '0'.repeat(32)
      return [JSON.stringify(manifest), ...lines.slice(1)]
    })
    const refusal = await refusalOf(restoreDump(full, wrong, { replace: true }))
    expect(refusal.reason).toBe('verification_failed')
    const grids = rowsOf(dump.manifest).grids
    expect(refusal.message).toBe(
      `The rows restored from ${wrong} do not match its manifest (grids: ${grids} rows loaded of ${grids}, checksum differs). Nothing was written.`,
    )
    expect(await countsOf(full)).toEqual(before)

    const replaced = await restoreDump(full, dump.file, { replace: true })
    expect(replaced.tables.every((verdict) => verdict.ok)).toBe(true)
    const { rows } = await sql<{ key: string }>`SELECT key FROM app_meta WHERE key = 'only_in_target'`.execute(full.kysely)
    expect(rows).toEqual([])
  })

  it('refuses a dump made by a newer gridwork (schema or format), before writing anything', async () => {
    const newerSchema = rewriteDump(dump.file, path.join(folder, 'newer-schema.gwdump'), (lines) => [
      JSON.stringify({ ...JSON.parse(lines[0] as string), schemaVersion: '2099-01-01T0000-from-the-future' }),
      ...lines.slice(1),
    ])
    expect((await refusalOf(checkDumpFile(newerSchema))).message).toBe(
      `${newerSchema} was made by a newer gridwork: schema 2099-01-01T0000-from-the-future; this version knows up to ${LATEST_SCHEMA_VERSION}; update gridwork first.`,
    )
    const empty = await target()
    expect((await refusalOf(restoreDump(empty, newerSchema))).reason).toBe('newer_schema')
    expect(await countsOf(empty)).toEqual({})

    const newerFormat = rewriteDump(dump.file, path.join(folder, 'newer-format.gwdump'), (lines) => [
      JSON.stringify({ ...JSON.parse(lines[0] as string), formatVersion: 2 }),
      ...lines.slice(1),
    ])
    expect((await refusalOf(checkDumpFile(newerFormat))).message).toBe(
      `${newerFormat} was made by a newer gridwork: dump format 2; this version reads format 1; update gridwork first.`,
    )
  })

  it('refuses a damaged file, a truncated file and a file that is not a gridwork dump', async () => {
    const bytes = readFileSync(dump.file)
    const truncated = path.join(folder, 'truncated.gwdump')
    writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length * 0.6)))
    expect((await refusalOf(checkDumpFile(truncated))).message).toBe(
      `${truncated} is incomplete: it ends before the end of the dump (cut short while being written or copied). Nothing was restored; use another backup.`,
    )
    // Cut exactly after a table's rows: whole gzip, but the dump's end lines are missing.
    const cutAtLine = rewriteDump(dump.file, path.join(folder, 'cut-at-line.gwdump'), (lines) => lines.slice(0, 3))
    expect((await refusalOf(checkDumpFile(cutAtLine))).reason).toBe('truncated')

    const damaged = path.join(folder, 'damaged.gwdump')
    const flipped = Buffer.from(bytes)
    const at = Math.floor(flipped.length / 2)
    flipped[at] = (flipped[at] as number) ^ 0xff
    writeFileSync(damaged, flipped)
    const refusal = await refusalOf(checkDumpFile(damaged))
    expect(refusal.reason).toBe('damaged')
    expect(refusal.message).toMatch(
      new RegExp(`^${escapeRegExp(damaged)} is damaged \\(.+\\)\\. Nothing was restored; use another backup\\.$`),
    )

    const text = path.join(folder, 'notes.txt')
    writeFileSync(text, 'not a dump\n')
    expect((await refusalOf(checkDumpFile(text))).message).toBe(
      `${text} is not a gridwork dump (it is not a gzip file). Nothing was restored.`,
    )
    const otherGzip = path.join(folder, 'other.json.gz')
    writeFileSync(otherGzip, gzipSync('{"type":"FeatureCollection","features":[]}\n'))
    expect((await refusalOf(checkDumpFile(otherGzip))).message).toBe(
      `${otherGzip} is not a gridwork dump (it does not start with a gridwork manifest). Nothing was restored.`,
    )
    const missing = path.join(folder, 'missing.gwdump')
    expect((await refusalOf(checkDumpFile(missing))).message).toBe(`There is no file ${missing}.`)

    const empty = await target()
    for (const file of [truncated, damaged, text]) await refusalOf(restoreDump(empty, file))
    expect(await countsOf(empty)).toEqual({})
  })

  it('refuses to dump a table it cannot carry, saying why', async () => {
    await sql`CREATE TABLE scratch_without_key (note text)`.execute(source.db)
    try {
      await expect(writeDump(source.database, path.join(folder, 'no-key.gwdump'))).rejects.toThrow(
        new UncarriableTableError(
          'Table scratch_without_key has no primary key; a gridwork dump needs one to read and checksum its rows in a fixed order.',
        ),
      )
    } finally {
      await sql`DROP TABLE scratch_without_key`.execute(source.db)
    }
    expect(readdirSync(folder).filter((name) => name.startsWith('.') || name.startsWith('no-key'))).toEqual([])
    // The dump is still readable start to end.
    expect((await readDump(dump.file)).tables.length).toBe(16)
  })
})

async function refusalOf(promise: Promise<unknown>): Promise<RestoreRefusal> {
  try {
    await promise
  } catch (error) {
    if (error instanceof RestoreRefusal) return error
    throw error
  }
  throw new Error('expected a refusal')
}

/** Rows per table of the database's current schema (tables holding rows only). */
async function countsOf(database: DatabaseHandle): Promise<Record<string, number>> {
  const { rows } = await sql<{ name: string }>`
    SELECT c.relname AS name FROM pg_class c
    WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema()) AND c.relkind = 'r'
      AND c.relname NOT LIKE 'kysely%' AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')`.execute(
    database.kysely,
  )
  const counts: Record<string, number> = {}
  for (const { name } of rows) {
    const counted = await sql<{ n: number }>`SELECT count(*)::int8 AS n FROM ${sql.table(name)}`.execute(database.kysely)
    if ((counted.rows[0]?.n ?? 0) > 0) counts[name] = counted.rows[0]?.n as number
  }
  return counts
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
