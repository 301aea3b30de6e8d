import { randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import path from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../db/connect.js'
import { DATA_FOLDER_LOCKED_EXIT_CODE } from '../db/data-lock.js'
import { copyOfTemplate, runTsx, type ServerProcess, serverReady, spawnServer, stubWebDir } from '../testing/processes.js'
import { miniCountyOver } from './backup-fixture.js'
import { maskPassword } from './postgres-target.js'

// npm run move-to-postgres as a real process: a PGlite data folder with the mini county into a
// fresh PostgreSQL + PostGIS database (its own, created here), counts and checksums checked on both
// sides, the one setting printed with the password masked — and then the server started on that
// DATABASE_URL answers. Refused: a database without PostGIS, one that holds data, a data folder in
// use. Needs DATABASE_URL (a superuser's, to create and drop the databases).

const databaseUrl = process.env.DATABASE_URL
const suffix = randomBytes(4).toString('hex')
const names = { target: `gridwork_move_${suffix}`, plain: `gridwork_move_plain_${suffix}` }
const folders: string[] = []
let dataDir = ''
let server: ServerProcess | null = null

/** The URL of database `name` on the test server, with a password (trust authentication ignores it) to see it masked. */
function urlOf(name: string): string {
  const url = new URL(databaseUrl as string)
  url.pathname = `/${name}`
  url.password = 'secret-password'
  if (!url.username) url.username = 'postgres'
  return url.toString()
}

async function admin(statements: string[], database?: string): Promise<void> {
  const url = new URL(databaseUrl as string)
  if (database) url.pathname = `/${database}`
  const client = new pg.Client({ connectionString: url.toString() })
  await client.connect()
  try {
    for (const statement of statements) await client.query(statement)
  } finally {
    await client.end()
  }
}

describe.skipIf(!databaseUrl)('npm run move-to-postgres', { timeout: 240_000 }, () => {
  beforeAll(async () => {
    dataDir = await copyOfTemplate('gridwork-move-')
    folders.push(path.dirname(dataDir))
    const source = await miniCountyOver(await openDatabase({ dataDir }))
    await source.close()
    await source.database.close()
    await admin([`CREATE DATABASE ${names.target}`, `CREATE DATABASE ${names.plain}`])
    await admin(['CREATE EXTENSION postgis'], names.target)
  }, 240_000)
  afterAll(async () => {
    await server?.kill9()
    await admin([`DROP DATABASE IF EXISTS ${names.target} WITH (FORCE)`, `DROP DATABASE IF EXISTS ${names.plain} WITH (FORCE)`])
    for (const folder of folders) rmSync(folder, { recursive: true, force: true })
  })

  const move = (url: string) => runTsx('scripts/move-to-postgres.ts', [url], { DATA_DIR: dataDir, DATABASE_URL: '' })

  it('refuses a database without PostGIS, saying what to run, and writes nothing', async () => {
    const run = move(urlOf(names.plain))
    expect(await run.exited).toBe(1)
    expect(run.output()).toBe(
      `Database ${names.plain} of ${maskPassword(urlOf(names.plain))} does not have PostGIS: run CREATE EXTENSION postgis in it as a superuser (psql -d ${names.plain} -c 'CREATE EXTENSION postgis'), then run this again. Nothing was written.\n`,
    )
  })

  it('refuses while another process holds the data folder (exit 75)', async () => {
    const holder = runTsx('server/testing/lock-holder.ts', [dataDir])
    await holder.waitForOutput(/"outcome":"won"/, 'the lock')
    try {
      const run = move(urlOf(names.target))
      expect(await run.exited).toBe(DATA_FOLDER_LOCKED_EXIT_CODE)
      expect(run.output()).toContain(
        `The data folder ${dataDir} is held by the running gridwork server (lock-holder (test), pid ${holder.pid}, since `,
      )
      expect(run.output()).toContain(
        '); the move copies the folder while nothing changes it.\nStop the server, then run npm run move-to-postgres again.\n',
      )
    } finally {
      holder.child.stdin?.end()
      await holder.exited
    }
  })

  it('moves everything, checks both sides, prints the one setting with the password masked; the server then runs on it', async () => {
    const target = urlOf(names.target)
    const run = move(target)
    expect(await run.exited, run.output()).toBe(0)
    const output = run.output()
    expect(output).toMatch(/moved \d+ tables, \d+ rows in [\d.]+ s; count and checksum of every table match on both sides:/)
    expect(output).toMatch(/\n {2}grids +4 rows +count and checksum match\n/)
    expect(output).toContain(
      `To run gridwork on PostgreSQL from now on, set this one setting (and start as before, npm start):\n  DATABASE_URL=${maskPassword(target)}\n`,
    )
    expect(maskPassword(target)).toContain(':****@')
    expect(output).not.toContain('secret-password')

    server = await serverReady(
      spawnServer(dataDir, { DATABASE_URL: target, NODE_ENV: 'production', JWT_SECRET: 'k'.repeat(40), WEB_DIR: stubWebDir() }),
    )
    expect(server.output()).toContain('"engine":"postgres"')
    const login = await fetch(`${server.baseUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'county', password: 'demo' }),
    })
    expect(login.status).toBe(200)
    const { token } = (await login.json()) as { token: string }
    const lookup = await fetch(`${server.baseUrl}/api/v1/lookup?lng=113.015&lat=28.01`, { headers: { authorization: `Bearer ${token}` } })
    expect(lookup.status).toBe(200)
    expect(((await lookup.json()) as { grid: { code: string } }).grid.code).toBe('990101001002001')
    expect(await server.stop()).toBe(0)
    server = null
  })

  it('refuses a database that already holds data', async () => {
    const run = move(urlOf(names.target))
    expect(await run.exited).toBe(1)
    expect(run.output()).toMatch(
      /^The target database already holds data \(.*grids: 4 rows.*users: \d+ rows\)\. The move writes only into an empty database: create a new one \(createdb, then CREATE EXTENSION postgis in it as a superuser\) and name that one\. Nothing was written\.\n$/,
    )
  })
})
