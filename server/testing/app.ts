import { readFileSync } from 'node:fs'
import supertest from 'supertest'
import { type AppOptions, buildApp } from '../app.js'
import { systemActor } from '../audit/audit.repository.js'
import { seedDemoUsers } from '../auth/demo-users.js'
import { upsertUser } from '../auth/users.repository.js'
import type { DatabaseHandle } from '../db/connect.js'
import { type ImportKind, importGeoJson } from '../import/geojson-import.js'
import { openTestDatabase } from './database.js'

// The app over a fresh real database, with the demo accounts (password "demo") and helpers to
// log in and to load fixture files through the real importer.

export const TEST_PASSWORD = 'demo'

/** The Authorization header for a token. */
export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` })

export async function createTestApp(options: Pick<AppOptions, 'uploads'> = {}) {
  const database = await openTestDatabase()
  await seedDemoUsers(database.kysely, TEST_PASSWORD)
  const app = await buildApp({
    database,
    signingSecret: 'test-signing-secret-of-at-least-32-chars',
    bodyLimitBytes: 1024 * 1024,
    ...options,
  })
  await app.ready()
  const http = () => supertest(app.server)
  return {
    app,
    database,
    db: database.kysely,
    http,
    async token(username: string): Promise<string> {
      const response = await http().post('/api/v1/auth/login').send({ username, password: TEST_PASSWORD })
      if (response.status !== 200) throw new Error(`login ${username} failed: ${response.status} ${response.text}`)
      return response.body.token as string
    },
    async close() {
      await app.close()
      await database.close()
    },
  }
}

export type TestApp = Awaited<ReturnType<typeof createTestApp>>

/** Imports a fixture file (path from the repository root) or fails the test with the report. */
export async function loadFixture(database: DatabaseHandle, file: string, kind: ImportKind, region: string) {
  return loadGeoJson(database, readFileSync(file, 'utf8'), kind, region, file)
}

/** Imports GeoJSON text through the real importer or fails the test with the report. */
export async function loadGeoJson(database: DatabaseHandle, text: string, kind: ImportKind, region: string, file = '(inline)') {
  const report = await importGeoJson(database.kysely, Buffer.from(text), {
    kind,
    region,
    validFrom: '2026-01-01',
    actor: systemActor('test'),
    language: 'en',
  })
  if (!report.ok) throw new Error(`fixture ${file} did not import: ${JSON.stringify(report.problems, null, 1)}`)
  return report
}

/** The mini county: 城关镇 (2 communities, 3 grids) and 青石乡 (1 village, 1 oversized grid). */
export async function loadMiniCounty(database: DatabaseHandle) {
  await loadFixture(database, 'fixtures/regions/mini-county.geojson', 'regions', '99')
  await loadFixture(database, 'fixtures/grids/mini-county-grids.geojson', 'grids', '990101')
}

/** The test app with the mini county loaded and a token per demo account. */
export async function createMiniCountyApp(options: Pick<AppOptions, 'uploads'> = {}) {
  const t = await createTestApp(options)
  await loadMiniCounty(t.database)
  const [county, township] = [await t.token('county'), await t.token('township')]
  return { ...t, tokens: { county, township } }
}

/** 青石乡's only grid (990101002001001, 620 households) split by a north–south line into 310 + 310. */
export const QINGSHI_SPLIT = {
  op: 'split',
  grid: '990101002001001',
  line: {
    type: 'LineString',
    coordinates: [
      [113.03, 27.99],
      [113.03, 28.03],
    ],
  },
}

/** Adds a township account for 青石乡 (990101002) to a mini county app and signs it in. */
export async function qingshiToken(t: Pick<TestApp, 'db' | 'token'>): Promise<string> {
  await upsertUser(t.db, {
    username: 'qingshi',
    display_name: '青石乡网格中心',
    password: TEST_PASSWORD,
    role: 'township',
    region_prefix: '990101002',
  })
  return t.token('qingshi')
}

/** POSTs a file's bytes to /api/v1/uploads (the wizard's first step) as `token`; a 201 answers the upload's id. */
export function postUpload(t: Pick<TestApp, 'http'>, token: string, name: string, bytes: string | Uint8Array) {
  return t
    .http()
    .post(`/api/v1/uploads?name=${encodeURIComponent(name)}`)
    .set(bearer(token))
    .set('Content-Type', 'application/octet-stream')
    .send(Buffer.from(bytes))
}

/** A supertest parser that keeps the body as bytes (a file download, a vector tile). */
export function bytesOf(
  response: { on(event: string, listener: (chunk: Buffer) => void): unknown },
  done: (error: Error | null, body: Buffer) => void,
): void {
  const chunks: Buffer[] = []
  response.on('data', (chunk: Buffer) => chunks.push(chunk))
  response.on('end', () => done(null, Buffer.concat(chunks)))
}
