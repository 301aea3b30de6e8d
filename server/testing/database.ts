import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { createHash, randomBytes } from 'node:crypto'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { type DatabaseHandle, openDatabase } from '../db/connect.js'
import { migrateToLatest } from '../db/migrate.js'

// A fresh, migrated database for one test file, on the engine the run asks for:
// - DATABASE_URL set: real PostgreSQL + PostGIS, in a schema of its own (dropped on close);
// - otherwise: PGlite, copied from a template data dir made once per migration set, because
//   installing PostGIS into a new PGlite takes ~10 s while reopening a copy takes ~3 s.

const TEMPLATE_ROOT = path.resolve('.cache')
const MIGRATIONS_DIR = path.resolve('migrations')

export async function openTestDatabase(): Promise<DatabaseHandle> {
  const databaseUrl = process.env.DATABASE_URL
  return databaseUrl ? openPostgresSchema(databaseUrl) : openPgliteCopy()
}

/** Advisory lock key serialising test schema migrations and drops across test workers. */
const SCHEMA_LOCK = 4_905_101

/** Runs `work` while no test file creates, migrates or drops its schema (see openPostgresSchema). */
export async function withSchemaLock<T>(databaseUrl: string, work: () => Promise<T>): Promise<T> {
  const lock = new pg.Client({ connectionString: databaseUrl })
  await lock.connect()
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [SCHEMA_LOCK])
    return await work()
  } finally {
    await lock.end()
  }
}

async function openPostgresSchema(databaseUrl: string): Promise<DatabaseHandle> {
  const schema = `test_${randomBytes(6).toString('hex')}`
  const sqlOnce = async (statement: string) => {
    const client = new pg.Client({ connectionString: databaseUrl })
    await client.connect()
    try {
      await client.query(statement)
    } finally {
      await client.end()
    }
  }
  // Kysely's migrator lists the tables of every schema (has_schema_privilege on each), which
  // fails with "schema … does not exist" when another test file drops its schema meanwhile; so
  // migrating and dropping hold one advisory lock and never overlap.
  const handle = await withSchemaLock(databaseUrl, async () => {
    await sqlOnce(`CREATE EXTENSION IF NOT EXISTS postgis SCHEMA public; CREATE SCHEMA ${schema}`)
    const opened = await openDatabase({ databaseUrl, searchPath: `${schema},public` })
    await migrateToLatest(opened.kysely)
    return opened
  })
  return {
    ...handle,
    async close() {
      await handle.close()
      await withSchemaLock(databaseUrl, () => sqlOnce(`DROP SCHEMA ${schema} CASCADE`))
    },
  }
}

async function openPgliteCopy(): Promise<DatabaseHandle> {
  const template = await ensurePgliteTemplate()
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gridwork-test-'))
  cpSync(template, dataDir, { recursive: true })
  const handle = await openDatabase({ dataDir })
  return {
    ...handle,
    async close() {
      await handle.close()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** Builds (once) a PGlite data dir with PostGIS and all migrations applied. */
export async function ensurePgliteTemplate(): Promise<string> {
  const hash = createHash('sha256')
  for (const name of readdirSync(MIGRATIONS_DIR).sort()) {
    hash.update(name).update(readFileSync(path.join(MIGRATIONS_DIR, name)))
  }
  const template = path.join(TEMPLATE_ROOT, `pglite-template-${hash.digest('hex').slice(0, 12)}`)
  if (existsSync(path.join(template, 'READY'))) return template
  const building = `${template}.${process.pid}`
  rmSync(building, { recursive: true, force: true })
  const handle = await openDatabase({ dataDir: building })
  await migrateToLatest(handle.kysely)
  await handle.close()
  writeFileSync(path.join(building, 'READY'), '')
  rmSync(template, { recursive: true, force: true })
  renameSync(building, template)
  return template
}
