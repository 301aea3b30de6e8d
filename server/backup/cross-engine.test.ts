import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { DatabaseHandle } from '../db/connect.js'
import { migrateToLatest } from '../db/migrate.js'
import { withSchemaLock } from '../testing/database.js'
import {
  apiAnswers,
  appOver,
  type BackupTestApp,
  emptyPglite,
  emptyPostgresSchema,
  miniCountyOver,
  populateForBackup,
} from './backup-fixture.js'
import { writeDump } from './dump.js'
import type { DumpManifest } from './dump-format.js'
import { restoreDump } from './restore.js'

// A dump made on one engine restores on the other: PGlite (PostgreSQL 18, PostGIS 3.6) → PostgreSQL
// 15 (PostGIS 3.3) and back. The checksums are computed by SQL on each engine; a dump of the
// restored database must carry the same ones, and the API must answer the same. Needs
// DATABASE_URL (PGlite is always there).

const databaseUrl = process.env.DATABASE_URL
const folder = mkdtempSync(path.join(os.tmpdir(), 'gridwork-cross-engine-'))
const opened: { close(): Promise<void> }[] = []
afterAll(async () => {
  for (const handle of opened.reverse()) await handle.close()
  rmSync(folder, { recursive: true, force: true })
})

const keep = <T extends { close(): Promise<void> }>(handle: T): T => {
  opened.push(handle)
  return handle
}
const checksumsOf = (manifest: DumpManifest) =>
  Object.fromEntries(manifest.tables.map((table) => [table.name, [table.rows, table.checksum]]))

async function roundTrip(from: () => Promise<DatabaseHandle>, to: () => Promise<DatabaseHandle>, name: string) {
  const sourceDatabase = keep(await from())
  const source: BackupTestApp = keep(await miniCountyOver(sourceDatabase))
  const populated = await populateForBackup(source)
  const dump = await writeDump(sourceDatabase, path.join(folder, `${name}.gwdump`))
  const before = await apiAnswers(source, source.county, populated)

  const targetDatabase = keep(await to())
  const summary = await restoreDump(targetDatabase, dump.file)
  expect(summary.tables.filter((verdict) => !verdict.ok)).toEqual([])
  const back = await writeDump(targetDatabase, path.join(folder, `${name}-back.gwdump`))
  expect(back.manifest.source.engine).not.toBe(dump.manifest.source.engine)
  expect(checksumsOf(back.manifest)).toEqual(checksumsOf(dump.manifest))

  const target = keep(await appOver(targetDatabase))
  const after = await apiAnswers(target, source.county, populated)
  expect(after.pointLookup.status).toBe(200)
  expect(after.addressLookup.body.grid.code).toBe('990101001001002')
  expect(after.history.body.features.length).toBeGreaterThan(0)
  expect(after.keyLookup.status).toBe(200)
  expect(after.lookupLog.body.entries.length).toBeGreaterThan(0)
  expect(after).toEqual(before)
  return dump.manifest
}

describe.skipIf(!databaseUrl)('a dump restores on the other engine', { timeout: 300_000 }, () => {
  it('PGlite → PostgreSQL: same counts, checksums and API answers (a lookup, a grid’s history, the proposal, the audit)', async () => {
    const manifest = await roundTrip(emptyPglite, () => emptyPostgresSchema(databaseUrl as string), 'pglite')
    expect(manifest.source).toMatchObject({ engine: 'pglite' })
  })

  it('PostgreSQL → PGlite: the same', async () => {
    const manifest = await roundTrip(() => emptyPostgresSchemaMigrated(databaseUrl as string), emptyPglite, 'postgres')
    expect(manifest.source).toMatchObject({ engine: 'postgres' })
  })
})

/** A PostgreSQL source: an empty schema brought to the current schema by the usual migrations. */
async function emptyPostgresSchemaMigrated(url: string): Promise<DatabaseHandle> {
  const database = await emptyPostgresSchema(url)
  await withSchemaLock(url, () => migrateToLatest(database.kysely))
  return database
}
