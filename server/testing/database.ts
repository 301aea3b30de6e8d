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

async function openPostgresSchema(databaseUrl: string): Promise<DatabaseHandle> {
  const schema = `test_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: databaseUrl })
  await admin.connect()
  try {
    await admin.query('CREATE EXTENSION IF NOT EXISTS postgis SCHEMA public')
    await admin.query(`CREATE SCHEMA ${schema}`)
  } finally {
    await admin.end()
  }
  const handle = await openDatabase({ databaseUrl, searchPath: `${schema},public` })
  await migrateToLatest(handle.kysely)
  return {
    ...handle,
    async close() {
      await handle.close()
      const cleanup = new pg.Client({ connectionString: databaseUrl })
      await cleanup.connect()
      await cleanup.query(`DROP SCHEMA ${schema} CASCADE`)
      await cleanup.end()
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
