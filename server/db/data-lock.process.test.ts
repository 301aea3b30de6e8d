import { existsSync, rmSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { copyOfTemplate, runTsx, type ServerProcess, startServer, stubWebDir } from '../testing/processes.js'
import { DATA_FOLDER_LOCKED_EXIT_CODE, LOCK_FILE_NAME } from './data-lock.js'

// `npm start` and the CLIs as real processes on one PGlite data folder: while a server runs,
// a second server and every script that opens the folder stop with exit code 75 and a message
// naming the server and what to do, and the server keeps serving. Embedded engine only: the
// lock is PGlite's (PostgreSQL has its own locking).

const folders: string[] = []
let dataDir = ''
let server: ServerProcess
const env = () => ({
  DATABASE_URL: '',
  DATA_DIR: dataDir,
  NODE_ENV: 'production',
  JWT_SECRET: 'k'.repeat(40),
  WEB_DIR: folders[1] as string,
})

describe.skipIf(Boolean(process.env.DATABASE_URL))('a data folder in use by a running server', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    dataDir = await copyOfTemplate()
    folders.push(path.dirname(dataDir), stubWebDir())
    server = await startServer(dataDir, env())
  }, 180_000)
  afterAll(async () => {
    await server?.kill9()
    for (const folder of folders) rmSync(folder, { recursive: true, force: true })
  })

  const expectRefusal = (output: string, port: string) => {
    expect(output).toContain(
      `The data folder ${dataDir} is in use by another gridwork process (PGlite allows one process per data folder):`,
    )
    expect(output).toMatch(
      new RegExp(`  gridwork server \\(npm start\\) on port ${port} — pid ${server.pid} on host .+, since \\d{4}-\\d\\d-\\d\\dT`),
    )
    expect(output).toContain(`  - stop that process (Ctrl-C in its terminal, or kill ${server.pid}), then run this again;`)
    expect(output).toContain(
      `  - or use the running server instead — web editor http://localhost:${port}/, API http://localhost:${port}/api/v1 — it is the folder's only writer`,
    )
    expect(output).toContain('  - or set DATA_DIR to another folder for this command.')
    expect(output).not.toMatch(/\n\s+at /) // no stack trace
  }

  it('refuses a second server with exit code 75 and a message naming the first', async () => {
    const port = new URL(server.baseUrl).port
    const second = runTsx('server/server.ts', [], { ...env(), PORT: '0', HOST: '127.0.0.1', LOG_FORMAT: 'json' })
    expect(await second.exited).toBe(DATA_FOLDER_LOCKED_EXIT_CODE)
    expectRefusal(second.output(), port)
    expect((await fetch(`${server.baseUrl}/health`)).status).toBe(200)
  })

  it('refuses every CLI that opens the folder: seed:demo, import, import:addresses, migrate, lookup', async () => {
    const port = new URL(server.baseUrl).port
    const runs = [
      runTsx('scripts/seed-demo.ts', ['--force'], env()),
      runTsx('scripts/import.ts', ['fixtures/grids/mini-county-grids.geojson', '--region', '990101'], env()),
      runTsx('scripts/import-addresses.ts', ['fixtures/addresses/mini-county.csv'], env()),
      runTsx('scripts/migrate.ts', [], env()),
      runTsx('scripts/lookup.ts', ['fixtures/addresses/mini-county.csv'], env()),
    ]
    for (const run of runs) {
      expect(await run.exited, run.output()).toBe(DATA_FOLDER_LOCKED_EXIT_CODE)
      expectRefusal(run.output(), port)
    }
    expect((await fetch(`${server.baseUrl}/health`)).status).toBe(200)
  })

  it('frees the folder when the server stops: the lock file is gone and a CLI runs', async () => {
    expect(await server.stop()).toBe(0)
    const migrate = runTsx('scripts/migrate.ts', [], env())
    expect(await migrate.exited, migrate.output()).toBe(0)
    expect(migrate.output()).toContain('pglite: schema already up to date')
    expect(migrate.output()).not.toContain('taking over')
    expect(existsSync(path.join(dataDir, LOCK_FILE_NAME))).toBe(false)
  })
})
