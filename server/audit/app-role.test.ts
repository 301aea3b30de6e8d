import { readFileSync } from 'node:fs'
import { Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Database } from '../db/database.js'
import { migrateToLatest } from '../db/migrate.js'
import { createMiniCountyApp } from '../testing/app.js'
import { withSchemaLock } from '../testing/database.js'
import { recordAudit } from './audit.repository.js'

// scripts/sql/app-role.sql on real PostgreSQL: the app role may read and write what the API needs
// but only SELECT/INSERT the audit log and the proposal timeline. PGlite has no roles to speak of
// (one embedded user), so this file runs only with DATABASE_URL; the triggers are tested on both
// engines in audit.routes.test.ts.

const databaseUrl = process.env.DATABASE_URL

describe.skipIf(!databaseUrl)('scripts/sql/app-role.sql (PostgreSQL only)', () => {
  let t: Awaited<ReturnType<typeof createMiniCountyApp>>
  let schema: string
  /** One connection of the owner, then SET ROLE gridwork_app, as the brief for the role says. */
  let client: pg.Client
  /** A Kysely whose every connection runs as gridwork_app, like a server started with that role. */
  let app: Kysely<Database>

  beforeAll(async () => {
    t = await createMiniCountyApp()
    schema = (await sql<{ schema: string }>`SELECT current_schema() AS schema`.execute(t.db)).rows[0]!.schema
    const searchPath = `-c search_path=${schema},public`
    const owner = new pg.Client({ connectionString: databaseUrl, options: searchPath })
    await owner.connect()
    try {
      // Several tests files may run at once; CREATE ROLE is cluster-wide, so serialise on a lock.
      await owner.query('SELECT pg_advisory_lock(774201)')
      await owner.query(readFileSync('scripts/sql/app-role.sql', 'utf8'))
      await owner.query('SELECT pg_advisory_unlock(774201)')
    } finally {
      await owner.end()
    }
    client = new pg.Client({ connectionString: databaseUrl, options: searchPath })
    await client.connect()
    await client.query('SET ROLE gridwork_app')
    app = new Kysely<Database>({
      dialect: new PostgresDialect({
        pool: new pg.Pool({ connectionString: databaseUrl, options: `${searchPath} -c role=gridwork_app`, max: 2 }),
      }),
    })
  })
  afterAll(async () => {
    await app?.destroy()
    await client?.end()
    await t?.close()
  })

  it('runs as gridwork_app, without superuser', async () => {
    const { rows } = await client.query(
      'SELECT current_user AS who, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser',
    )
    expect(rows[0]).toEqual({ who: 'gridwork_app', superuser: false })
  })

  it('refuses UPDATE, DELETE and TRUNCATE on audit_log by privileges, and allows SELECT and INSERT', async () => {
    await expect(client.query(`UPDATE audit_log SET action = 'tampered'`)).rejects.toMatchObject({
      code: '42501',
      message: 'permission denied for table audit_log',
    })
    await expect(client.query('DELETE FROM audit_log')).rejects.toMatchObject({
      code: '42501',
      message: 'permission denied for table audit_log',
    })
    await expect(client.query('TRUNCATE audit_log')).rejects.toMatchObject({
      code: '42501',
      message: 'permission denied for table audit_log',
    })
    await client.query(
      `INSERT INTO audit_log (username, role, region_code, action, entity) VALUES ('county', 'county', '990101', 'role_test', 'test')`,
    )
    const { rows } = await client.query(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'role_test'`)
    expect(rows[0].n).toBe(1)
  })

  it('keeps proposal_events append-only too, and lets the app update grids and proposals', async () => {
    await expect(client.query(`UPDATE proposal_events SET comment = 'x'`)).rejects.toMatchObject({ code: '42501' })
    await expect(client.query('DELETE FROM proposal_events')).rejects.toMatchObject({ code: '42501' })
    await expect(client.query('DELETE FROM grids')).rejects.toMatchObject({ code: '42501' })
    await client.query(`UPDATE grids SET households = households WHERE code = '990101001001001'`)
    await client.query(`UPDATE proposals SET stale = stale WHERE false`)
    await client.query(`UPDATE grid_codes SET status = status WHERE false`)
  })

  it('cannot escape the grants: no triggers disabled, no table dropped, no new tables', async () => {
    await expect(client.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only')).rejects.toMatchObject({ code: '42501' })
    await expect(client.query('DROP TABLE audit_log')).rejects.toMatchObject({ code: '42501' })
    await expect(client.query('CREATE TABLE sneaky (id int)')).rejects.toMatchObject({ code: '42501' })
  })

  it('grants something on every table of the schema, so a new table cannot be forgotten silently', async () => {
    const { rows } = await client.query(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT has_table_privilege('gridwork_app', c.oid, 'SELECT')
       ORDER BY 1`,
      [schema],
    )
    expect(rows.map((row) => row.name)).toEqual([])
  })

  it('is enough for the server: start-up migration check, login audit, a grid version', async () => {
    // Kysely's migrator lists every schema's tables: not while another file drops its schema.
    expect(await withSchemaLock(process.env.DATABASE_URL as string, () => migrateToLatest(app))).toEqual([])
    await recordAudit(app, { username: 'county', role: 'county', region_prefix: '990101' }, { action: 'role_test_kysely', entity: 'test' })
    await app.transaction().execute(async (trx) => {
      await sql`UPDATE grids SET valid_to = '2027-01-01' WHERE code = '990101001002001' AND valid_to IS NULL`.execute(trx)
      await sql`INSERT INTO grids (code, version, name, kind, region_code, geom, households, valid_from, created_by)
        SELECT code, 2, name, kind, region_code, geom, 420, '2027-01-01', 'county' FROM grids WHERE code = '990101001002001' AND version = 1`.execute(
        trx,
      )
    })
    const versions = await app.selectFrom('grids').select('version').where('code', '=', '990101001002001').orderBy('version').execute()
    expect(versions.map((row) => row.version)).toEqual([1, 2])
  })
})
