import { execFile } from 'node:child_process'
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../db/connect.js'
import { loadMiniCounty } from '../testing/app.js'
import { ensurePgliteTemplate, openTestDatabase } from '../testing/database.js'

// `npm run lookup -- in.csv > out.csv` as a user runs it: a real process over a database holding
// the mini county (a PGlite data dir, or a schema of DATABASE_URL's server).

const run = promisify(execFile)
const dir = mkdtempSync(path.join(os.tmpdir(), 'gridwork-lookup-cli-'))
let env: NodeJS.ProcessEnv
let cleanup: () => Promise<void> = async () => undefined

beforeAll(async () => {
  if (process.env.DATABASE_URL) {
    // The CLI opens DATABASE_URL itself; the schema the test database uses goes first on its path.
    const database = await openTestDatabase()
    await loadMiniCounty(database)
    const schema = (await database.kysely.selectNoFrom((eb) => eb.fn<string>('current_schema', []).as('s')).executeTakeFirstOrThrow()).s
    env = { ...process.env, PGOPTIONS: `-c search_path=${schema},public` }
    cleanup = () => database.close()
  } else {
    const dataDir = path.join(dir, 'data')
    cpSync(await ensurePgliteTemplate(), dataDir, { recursive: true })
    const database = await openDatabase({ dataDir })
    await loadMiniCounty(database)
    await database.close()
    env = { ...process.env, DATA_DIR: dataDir }
  }
}, 180_000)

afterAll(async () => {
  await cleanup()
  rmSync(dir, { recursive: true, force: true })
})

const cli = (...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'scripts/lookup.ts', ...args], { env, maxBuffer: 64 * 1024 * 1024 })

describe('npm run lookup', { timeout: 120_000 }, () => {
  it('looks a small CSV up offline: results in order on stdout, bad rows inline, progress on stderr', async () => {
    const file = path.join(dir, 'in.csv')
    writeFileSync(file, 'id,lng,lat\r\nshop,113.015,28.01\r\nbad,x,28\r\nfar,113.05,28.01\r\n')
    const { stdout, stderr } = await cli(file, '--lang', 'en')
    const lines = stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^row,id,grid_code,grid_name/)
    expect(lines[1]).toMatch(/^1,shop,990101001002001,东湖社区第一网格,comprehensive,990101001002,李明,/)
    expect(lines[2]).toMatch(/^2,bad,.*lookup_coordinate_invalid,"?lng must be a number, got ""x"""?$/)
    expect(lines[3]).toMatch(/^3,far,,,,,,,990101002001001,98\d\.\d,/)
    expect(stderr).toContain('3 rows')
  })

  it('NDJSON by extension; a usage message and exit code 2 without a file', async () => {
    const file = path.join(dir, 'in.ndjson')
    writeFileSync(file, '{"lng":113.005,"lat":28.005,"id":"a"}\n')
    const { stdout } = await cli(file)
    expect(JSON.parse(stdout.trim())).toMatchObject({ row: 1, id: 'a', grid: { code: '990101001001002' } })
    await expect(cli()).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('usage: npm run lookup') })
  })
})
