import { readFileSync, mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DatabaseHandle } from '../db/connect.js'
import type { Database } from '../db/database.js'
import { loadMiniCounty } from '../testing/app.js'
import { openTestDatabase } from '../testing/database.js'
import { emptyPostgresSchema } from './backup-fixture.js'
import { writeDump } from './dump.js'
import { restoreDump } from './restore.js'

// A server on PostgreSQL that connects as the application role (scripts/sql/app-role.sql) writes
// its scheduled backups as that role: it may read every table but has no right on the identity
// sequences. The dump then leaves the sequences out and the restore continues after the highest
// ids. PostgreSQL only (PGlite has one user).

const databaseUrl = process.env.DATABASE_URL
const folder = mkdtempSync(path.join(os.tmpdir(), 'gridwork-app-role-backup-'))

describe.skipIf(!databaseUrl)('a backup made by the application role (PostgreSQL)', () => {
  let owner: DatabaseHandle
  let asApp: DatabaseHandle

  beforeAll(async () => {
    owner = await openTestDatabase()
    await loadMiniCounty(owner)
    const schema = (await sql<{ schema: string }>`SELECT current_schema() AS schema`.execute(owner.kysely)).rows[0]?.schema
    const searchPath = `-c search_path=${schema},public`
    const client = new pg.Client({ connectionString: databaseUrl, options: searchPath })
    await client.connect()
    try {
      // CREATE ROLE is cluster-wide: the same lock as server/audit/app-role.test.ts.
      await client.query('SELECT pg_advisory_lock(774201)')
      await client.query(readFileSync('scripts/sql/app-role.sql', 'utf8'))
      await client.query('SELECT pg_advisory_unlock(774201)')
    } finally {
      await client.end()
    }
    const kysely = new Kysely<Database>({
      dialect: new PostgresDialect({
        pool: new pg.Pool({ connectionString: databaseUrl, options: `${searchPath} -c role=gridwork_app`, max: 2 }),
      }),
    })
    asApp = { ...owner, kysely, dataLock: undefined, close: () => kysely.destroy() }
  })
  afterAll(async () => {
    await asApp?.close()
    await owner?.close()
    rmSync(folder, { recursive: true, force: true })
  })

  it('dumps every table without the sequences; the restore continues after the highest ids', async () => {
    const { rows: who } = await sql<{ who: string }>`SELECT current_user AS who`.execute(asApp.kysely)
    expect(who[0]?.who).toBe('gridwork_app')
    const dump = await writeDump(asApp, path.join(folder, 'as-app.gwdump'))
    expect(dump.manifest.sequences).toEqual([])
    expect(dump.manifest.tables.find((table) => table.name === 'grids')?.rows).toBe(4)

    const target = await emptyPostgresSchema(databaseUrl as string)
    try {
      const summary = await restoreDump(target, dump.file)
      expect(summary.tables.every((verdict) => verdict.ok)).toBe(true)
      const { rows: highest } = await sql<{ id: number }>`SELECT max(id)::int8 AS id FROM grids`.execute(target.kysely)
      const { rows: next } = await sql<{ id: number }>`SELECT nextval(pg_get_serial_sequence('grids', 'id'))::int8 AS id`.execute(
        target.kysely,
      )
      expect(next[0]?.id).toBe((highest[0]?.id as number) + 1)
    } finally {
      await target.close()
    }
  })
})
