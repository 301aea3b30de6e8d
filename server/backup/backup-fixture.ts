import { randomBytes } from 'node:crypto'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { gunzipSync, gzipSync } from 'node:zlib'
import { sql } from 'kysely'
import pg from 'pg'
import { importAddressFile } from '../addresses/address-import.js'
import { upsertUser } from '../auth/users.repository.js'
import type { Role } from '../db/database.js'
import { getProfile } from '../profiles/profiles.js'
import { ACT_FOR, applyingStep } from '../proposals/chain.js'
import { buildApp } from '../app.js'
import { seedDemoUsers } from '../auth/demo-users.js'
import { type DatabaseHandle, openDatabase } from '../db/connect.js'
import { withSchemaLock } from '../testing/database.js'
import { copyOfTemplate } from '../testing/processes.js'
import { bearer, loadMiniCounty, QINGSHI_SPLIT, TEST_PASSWORD } from '../testing/app.js'
import supertest from 'supertest'

// For the backup tests: a mini county app (server/testing/app.ts) given something of every kind a
// backup must carry — a proposal taken through its whole approval chain (new grid versions, codes,
// lineage, events, a comment pinned to a point), audit rows, an API key that has been used (the
// lookup log), the standard addresses — and the API answers to compare before and after.

export interface Populated {
  apiKey: string
  proposalId: number
  /** Tokens by role for the chain of 青石乡 (profile cn-default). */
  tokens: Map<Role, string>
}

export const SPLIT_PARENT = QINGSHI_SPLIT.grid
const SIGNING_SECRET = 'backup-test-signing-secret-of-32-chars-or-more'

/** The app over `database` (any engine), as server/testing/app.ts builds it; a token from one such app works on another. */
export async function appOver(database: DatabaseHandle) {
  const app = await buildApp({ database, signingSecret: SIGNING_SECRET, bodyLimitBytes: 1024 * 1024 })
  await app.ready()
  const http = () => supertest(app.server)
  return { app, database, db: database.kysely, http, close: () => app.close() }
}
export type BackupTestApp = Awaited<ReturnType<typeof appOver>> & { county: string }

/** The mini county with the demo accounts over `database`, and the county account's token. */
export async function miniCountyOver(database: DatabaseHandle): Promise<BackupTestApp> {
  await seedDemoUsers(database.kysely, TEST_PASSWORD)
  await loadMiniCounty(database)
  const t = await appOver(database)
  const login = await t.http().post('/api/v1/auth/login').send({ username: 'county', password: TEST_PASSWORD })
  return { ...t, county: login.body.token as string }
}

export async function populateForBackup(t: BackupTestApp): Promise<Populated> {
  const tokens = new Map<Role, string>()
  for (const [role, prefix] of [
    ['township', '990101002'],
    ['county', '990101'],
    ['city', '9901'],
  ] as [Role, string][]) {
    await upsertUser(t.db, { username: `${role}-qs`, display_name: role, password: 'demo', role, region_prefix: prefix })
    const response = await t
      .http()
      .post('/api/v1/auth/login')
      .send({ username: `${role}-qs`, password: 'demo' })
    tokens.set(role, response.body.token)
  }
  const as = (role: Role) => bearer(tokens.get(role) as string)
  const act = async (path: string, role: Role, body: object) => {
    const response = await t.http().post(path).set(as(role)).send(body)
    if (response.status !== 200) throw new Error(`${path}: ${response.status} ${response.text}`)
    return response.body
  }

  const chain = getProfile('cn-default')?.approvalChain ?? []
  const author = chain[0]?.role as Role
  const draft = await act('/api/v1/proposals', author, {
    region: '990101002001',
    title: '青石村网格调整',
    reason: '户数超标',
    changes: [{ ...QINGSHI_SPLIT, reason: '一分为二' }],
  })
  const proposalId = draft.id as number
  await act(`/api/v1/proposals/${proposalId}/comments`, author, {
    comment: '沿溪沟划分',
    location: { type: 'Point', coordinates: [113.03, 28.01] },
  })
  await act(`/api/v1/proposals/${proposalId}/submit`, author, {})
  for (let step = 1; step < chain.length; step++) {
    const { role, action } = chain[step] as { role: Role; action: string }
    const body = step === applyingStep(chain) ? { document_no: '示范〔2026〕1号', effective_date: '2026-10-01' } : {}
    await act(`/api/v1/proposals/${proposalId}/${ACT_FOR[action as 'file']}`, role, body)
  }

  await importAddressFile(t.db, 'fixtures/addresses/mini-county.csv', { region: '990101' })

  const issued = await t
    .http()
    .post('/api/v1/api-keys')
    .set(bearer(t.county))
    .send({ name: '110 接警', department: '县公安局', region_prefix: '990101' })
  if (issued.status !== 201) throw new Error(`api key: ${issued.status} ${issued.text}`)
  const apiKey = issued.body.key as string
  await t.http().get('/api/v1/lookup?lng=113.015&lat=28.01').set('X-API-Key', apiKey).expect(200)
  // The access log is written in batches about every second.
  for (let i = 0; i < 100; i++) {
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int8 AS n FROM lookup_log WHERE api_key_id IS NOT NULL`.execute(t.db)
    if ((rows[0]?.n ?? 0) > 0) break
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return { apiKey, proposalId, tokens }
}

/** What the API answers about the populated data, for comparison across a backup and restore. */
export async function apiAnswers(t: Pick<BackupTestApp, 'http'>, county: string, populated: Populated) {
  const countyHeaders = bearer(county)
  const get = async (path: string, headers: Record<string, string> = countyHeaders) => {
    const response = await t.http().get(path).set(headers)
    return { status: response.status, body: response.body }
  }
  return {
    // First: the lookups below add to the log (a second later).
    lookupLog: await get('/api/v1/lookup-log?limit=5'),
    pointLookup: await get('/api/v1/lookup?lng=113.035&lat=28.01'),
    addressLookup: await get(`/api/v1/lookup?address=${encodeURIComponent('示范县城关镇桂花社区人民路1号')}`),
    keyLookup: await get('/api/v1/lookup?lng=113.015&lat=28.01', { 'X-API-Key': populated.apiKey }),
    history: await get(`/api/v1/grids/${SPLIT_PARENT}/history`),
    proposal: await get(`/api/v1/proposals/${populated.proposalId}`),
    grids: await get('/api/v1/grids?region=990101002'),
    audit: await get('/api/v1/audit?limit=100'),
  }
}

/** An empty PostgreSQL schema (no tables at all) opened as a database; closing drops it. */
export async function emptyPostgresSchema(databaseUrl: string): Promise<DatabaseHandle> {
  const schema = `backup_${randomBytes(5).toString('hex')}`
  const once = async (statement: string) => {
    const client = new pg.Client({ connectionString: databaseUrl })
    await client.connect()
    await client.query(statement).finally(() => client.end())
  }
  await withSchemaLock(databaseUrl, () => once(`CREATE SCHEMA ${schema}`))
  const handle = await openDatabase({ databaseUrl, searchPath: `${schema},public` })
  return {
    ...handle,
    async close() {
      await handle.close()
      await withSchemaLock(databaseUrl, () => once(`DROP SCHEMA ${schema} CASCADE`))
    },
  }
}

/** A PGlite data folder holding the migrated schema and no rows; closing removes it. */
export async function emptyPglite(): Promise<DatabaseHandle> {
  const dataDir = await copyOfTemplate('gridwork-backup-')
  const handle = await openDatabase({ dataDir })
  return {
    ...handle,
    async close() {
      await handle.close()
      rmSync(path.dirname(dataDir), { recursive: true, force: true })
    },
  }
}

/** An empty database on the engine of this test run. */
export const emptyTarget = () => (process.env.DATABASE_URL ? emptyPostgresSchema(process.env.DATABASE_URL) : emptyPglite())

/** Writes `out`: the dump `file` with its lines changed by `edit`, gzipped again. */
export function rewriteDump(file: string, out: string, edit: (lines: string[]) => string[]): string {
  const lines = gunzipSync(readFileSync(file)).toString('utf8').split('\n')
  writeFileSync(out, gzipSync(edit(lines).join('\n')))
  return out
}
