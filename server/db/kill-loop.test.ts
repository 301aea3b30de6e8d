import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seededRandom } from '../demo/random.js'
import { upsertUser } from '../auth/users.repository.js'
import { loadGeoJson, loadMiniCounty } from '../testing/app.js'
import { findInconsistencies } from '../testing/consistency.js'
import {
  type RunningProcess,
  copyOfTemplate,
  lockHeldBy,
  lockOwnerPid,
  runTsx,
  serverReady,
  spawnServer,
  stubWebDir,
} from '../testing/processes.js'
import { openDatabase } from './connect.js'

// kill -9 at random moments during approvals and imports, restart, compare. One PGlite data
// folder with the mini county; each iteration starts the real server (which must take over the
// lock the killed process left), checks what users see, then either drives approvals over HTTP
// and kills the server, or stops it and kills `npm run import` part-way. After every crash a
// byte copy of the folder, as the crash left it, is opened here and checked (consistency.ts)
// while the server recovers the folder itself. Embedded engine only: the lock is PGlite's.
//
// GRIDWORK_KILL_LOOPS=n runs n iterations (default 8); GRIDWORK_KILL_SEED=s repeats a run.

const LOOPS = Number(process.env.GRIDWORK_KILL_LOOPS ?? 8)
const SEED = Number(process.env.GRIDWORK_KILL_SEED ?? Math.floor(Math.random() * 2 ** 31))
const IMPORT_SIZE = 150
const TOWNSHIP = '990101002' // 青石乡: one village, one 620-household grid, split and merged in turn
const PASSWORD = 'kill-loop-password'

// The demo's seeded generator (mulberry32): a failing run can be repeated with its seed.
const next = seededRandom(SEED)
const between = (min: number, max: number) => min + next() * (max - min)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

let root = ''
let dataDir = ''
let webDir = ''
const serverEnv = { NODE_ENV: 'production', JWT_SECRET: 'kill-loop-signing-secret-of-40-characters' }
const acked = { applied: new Set<number>(), filed: new Set<number>() }
const imports: { codes: string[]; succeeded: boolean; file: string }[] = []

/** 40 empty communities under 城关镇 to import grids into (up to 6 imports each). */
function importCommunities(): string {
  const features = Array.from({ length: 40 }, (_, i) => ({
    type: 'Feature',
    properties: { code: `990101001${String(10 + i).padStart(3, '0')}`, name: `导入社区${i + 1}` },
    geometry: { type: 'Polygon', coordinates: [square(113 + i * 0.001, 28.0, 0.001)] },
  }))
  return JSON.stringify({ type: 'FeatureCollection', features })
}

function square(x: number, y: number, size: number): number[][] {
  return [
    [x, y],
    [x + size, y],
    [x + size, y + size],
    [x, y + size],
    [x, y],
  ]
}

/** The GeoJSON file of the n-th import (0-based): IMPORT_SIZE grids with codes of their own. */
function importFile(n: number): { file: string; codes: string[] } {
  const community = `990101001${String(10 + Math.floor(n / 6)).padStart(3, '0')}`
  const codes = Array.from({ length: IMPORT_SIZE }, (_, i) => `${community}${String((n % 6) * IMPORT_SIZE + i + 1).padStart(3, '0')}`)
  const features = codes.map((code, i) => ({
    type: 'Feature',
    properties: {
      code,
      name: `导入网格${n + 1}-${i + 1}`,
      region_code: community,
      households: 300,
      population: 800,
      count_date: '2026-06-30',
    },
    geometry: { type: 'Polygon', coordinates: [square(113 + (i % 15) * 0.00005, 28.0 + Math.floor(i / 15) * 0.00005, 0.00005)] },
  }))
  const file = path.join(root, `import-${n + 1}.geojson`)
  writeFileSync(file, JSON.stringify({ type: 'FeatureCollection', features }))
  return { file, codes }
}

class HttpError extends Error {}

/** One user's calls to the running server. */
function client(baseUrl: string, token: string) {
  return async <T>(method: 'GET' | 'POST', url: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${baseUrl}${url}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const text = await response.text()
    if (response.status !== 200) throw new HttpError(`${method} ${url}: ${response.status} ${text}`)
    return JSON.parse(text) as T
  }
}

async function login(baseUrl: string, username: string): Promise<string> {
  const response = await fetch(`${baseUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  })
  expect(response.status).toBe(200)
  return ((await response.json()) as { token: string }).token
}

type GridList = { features: { id: string; properties: { households: number; valid_from: string } }[] }

/** The township's grids as they stand after every approval (as_of far ahead). */
const currentGrids = (as: ReturnType<typeof client>) => as<GridList>('GET', `/api/v1/grids?region=${TOWNSHIP}&as_of=2099-12-31`)

/** How long acknowledged approvals took, to aim kills into one. */
const approveMs: number[] = []

/** Split ↔ merge proposals through the whole chain, until the server goes away. */
class ApprovalDriver {
  rounds = 0
  inFlight = 'logging in'
  /** When the approve (applying) request in flight was sent, and for which proposal. */
  approvingSince: number | null = null
  approving: number | null = null
  readonly done: Promise<void>
  private ended = false

  constructor(baseUrl: string) {
    this.done = this.run(baseUrl).catch((error: unknown) => {
      // A failed call is expected once the server is killed or stopping, and a failure otherwise.
      if (!this.ended) throw error
    })
  }

  /** Called just before the server is killed or stopped. */
  end(): void {
    this.ended = true
  }

  private async run(baseUrl: string): Promise<void> {
    const [township, county, city] = await Promise.all(['kl-township', 'kl-county', 'kl-city'].map((user) => login(baseUrl, user)))
    const as = {
      township: client(baseUrl, township as string),
      county: client(baseUrl, county as string),
      city: client(baseUrl, city as string),
    }
    for (;;) {
      this.inFlight = 'reading the grids'
      const { features } = await currentGrids(as.county)
      const codes = features.map((f) => f.id)
      const lastChange = features
        .map((f) => f.properties.valid_from)
        .sort()
        .at(-1) as string
      const effective = new Date(Date.parse(`${lastChange}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10)
      const split = codes.length === 1
      const changes = split
        ? [
            {
              op: 'split',
              grid: codes[0],
              line: {
                type: 'LineString',
                coordinates: [
                  [113.03, 27.99],
                  [113.03, 28.03],
                ],
              },
              reason: '户数超过上限，按道路一分为二',
            },
          ]
        : [{ op: 'merge', grids: codes }]
      const exceptions = split ? [] : [{ code: 'households_above_max', feature_ids: ['new-1'], reason: '合并后待下次调整时拆分' }]
      this.inFlight = 'drafting'
      const { id } = await as.township<{ id: number }>('POST', '/api/v1/proposals', {
        region: `${TOWNSHIP}001`,
        title: split ? '拆分' : '合并',
        reason: '杀进程测试',
        changes,
        exceptions,
      })
      this.inFlight = `submitting proposal ${id}`
      await as.township('POST', `/api/v1/proposals/${id}/submit`, {})
      this.inFlight = `approving (applying) proposal ${id}`
      this.approvingSince = Date.now()
      this.approving = id
      await as.county('POST', `/api/v1/proposals/${id}/approve`, { document_no: `KL〔2026〕${id}号`, effective_date: effective })
      acked.applied.add(id)
      approveMs.push(Date.now() - this.approvingSince)
      this.approvingSince = null
      this.approving = null
      this.inFlight = `filing proposal ${id}`
      await as.city('POST', `/api/v1/proposals/${id}/file`, {})
      acked.filed.add(id)
      this.rounds++
    }
  }
}

const typicalApproveMs = () => [...approveMs].sort((a, b) => a - b)[Math.floor(approveMs.length / 2)] ?? 300

/**
 * Waits for an approve request to be sent, then 0.2–1.5 times an approval's usual time: into
 * the applying transaction (validation comes first), or just after its commit, before the answer.
 */
async function untilInsideAnApproval(driver: ApprovalDriver): Promise<void> {
  const until = Date.now() + 30_000
  while (driver.approvingSince === null && Date.now() < until) await sleep(5)
  await sleep(between(0.2, 1.5) * typicalApproveMs())
}

describe.skipIf(Boolean(process.env.DATABASE_URL))('kill -9 during approvals and imports', () => {
  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'gridwork-kill-loop-'))
    webDir = stubWebDir()
    dataDir = await copyOfTemplate('gridwork-kill-data-')
    const database = await openDatabase({ dataDir, lock: { command: 'kill-loop setup' } })
    await loadMiniCounty(database)
    await loadGeoJson(database, importCommunities(), 'regions', '990101001')
    for (const [username, role, region_prefix] of [
      ['kl-township', 'township', TOWNSHIP],
      ['kl-county', 'county', '990101'],
      ['kl-city', 'city', '9901'],
    ] as const) {
      await upsertUser(database.kysely, { username, display_name: username, password: PASSWORD, role, region_prefix })
    }
    await database.close()
  }, 180_000)
  afterAll(() => {
    for (const folder of [root, webDir, dataDir && path.dirname(dataDir)]) if (folder) rmSync(folder, { recursive: true, force: true })
  })

  it(`${LOOPS} crashes: the server restarts, takes the killed process's lock over, and nothing is half written`, {
    timeout: 120_000 + LOOPS * 90_000,
  }, async () => {
    const seed = `GRIDWORK_KILL_SEED=${SEED}`
    let killed: RunningProcess | null = null
    let importMs = 0
    /** The proposal whose approve request was in flight when the server was killed. */
    let interrupted: number | null = null
    const log: string[] = []
    for (let iteration = 0; iteration < LOOPS; iteration++) {
      // Restart on the folder as the crash left it; meanwhile check a copy of that state.
      const copy = path.join(root, `check-${iteration}`)
      cpSync(dataDir, copy, { recursive: true })
      const server = spawnServer(dataDir, { ...serverEnv, WEB_DIR: webDir })
      if (killed) {
        await server.waitForOutput(
          new RegExp(`taking over the lock left by pid ${killed.pid} on this host`),
          `the takeover of pid ${killed.pid}'s lock (${seed})`,
        )
        killed = null
      }
      const checker = await openDatabase({ dataDir: copy, lock: { log: () => undefined } })
      const problems = await findInconsistencies(checker.kysely, { ...acked, imports })
      if (interrupted !== null) {
        const row = await checker.kysely.selectFrom('proposals').select('applied_at').where('id', '=', interrupted).executeTakeFirst()
        log.push(`proposal ${interrupted} ${row?.applied_at ? 'applied' : 'not applied'} after the restart`)
        interrupted = null
      }
      await checker.close()
      rmSync(copy, { recursive: true, force: true })
      expect(problems, `after crash ${iteration} (${seed}); so far: ${log.join('; ')}`).toEqual([])
      const running = await serverReady(server)

      // What users see after the restart: acknowledged approvals kept; the township whole.
      const county = client(running.baseUrl, await login(running.baseUrl, 'kl-county'))
      for (const id of acked.applied) {
        const { state } = await county<{ state: string }>('GET', `/api/v1/proposals/${id}`)
        expect(['approved', 'filed'], `proposal ${id} (${seed})`).toContain(state)
      }
      const grids = (await currentGrids(county)).features
      expect(grids.length === 1 || grids.length === 2, `${grids.length} grids in ${TOWNSHIP} (${seed})`).toBe(true)
      expect(grids.reduce((sum, f) => sum + f.properties.households, 0)).toBe(620)

      const driver = new ApprovalDriver(running.baseUrl)
      if (iteration % 2 === 0) {
        // Approvals, killed at a random moment; every other time, inside an approve request.
        const aimed = iteration % 4 === 2
        await (aimed ? untilInsideAnApproval(driver) : sleep(between(200, 4_000)))
        driver.end()
        await running.kill9()
        await driver.done
        log.push(`${iteration}: server killed after ${driver.rounds} approvals, while ${driver.inFlight}`)
        interrupted = driver.approving
        killed = running
      } else {
        // Approvals stopped gracefully, then an import killed part-way (the first runs to the end).
        await sleep(between(500, 4_000))
        driver.end()
        expect(await running.stop(), running.output().slice(-2000)).toBe(0)
        await driver.done
        const rounds = driver.rounds
        const { file, codes } = importFile(imports.length)
        const run = { codes, succeeded: false, file }
        imports.push(run)
        const cli = runTsx(
          'scripts/import.ts',
          [file, '--region', codes[0]?.slice(0, 12) as string, '--valid-from', '2026-07-01', '--lang', 'en'],
          {
            DATABASE_URL: '',
            DATA_DIR: dataDir,
          },
        )
        // The kill is timed from when the import holds the folder: killed before that (node and
        // tsx starting, slow on a loaded machine), it would leave no lock to take over.
        await lockHeldBy(dataDir, cli)
        const started = Date.now()
        const outcome =
          importMs === 0
            ? await cli.exited
            : await Promise.race([cli.exited, sleep(between(0.5, 1.05) * importMs).then(() => 'kill' as const)])
        if (outcome === 'kill') {
          await cli.kill9()
          // Killed after it had closed the folder (its work done, exiting): no lock is left to take over.
          const held = lockOwnerPid(dataDir) === cli.pid
          killed = held ? cli : null
          log.push(
            `${iteration}: ${rounds} approvals, then import killed after ${Date.now() - started} ms${held ? '' : ', the folder already let go'}`,
          )
        } else {
          expect(outcome, cli.output()).toBe(0)
          expect(cli.output()).toContain(`Imported ${IMPORT_SIZE} grids`)
          run.succeeded = true
          importMs ||= Date.now() - started
          log.push(`${iteration}: ${rounds} approvals, then import done in ${Date.now() - started} ms`)
        }
      }
    }

    // The last crash, checked on the folder itself after the server recovered it.
    const server = await serverReady(spawnServer(dataDir, { ...serverEnv, WEB_DIR: webDir }))
    expect(await server.stop()).toBe(0)
    const database = await openDatabase({ dataDir })
    expect(await findInconsistencies(database.kysely, { ...acked, imports }), seed).toEqual([])
    expect(acked.filed.size, `approvals filed over the run (${seed})`).toBeGreaterThan(0)
    const loaded = await Promise.all(
      imports.map(
        async (run) => (await database.kysely.selectFrom('grids').select('code').where('code', 'in', run.codes).execute()).length,
      ),
    )
    await database.close()
    console.log(
      `kill loop (${seed}): ${log.join('; ')}; imports loaded: ${loaded.map((n) => `${n}/${IMPORT_SIZE}`).join(', ')}; an approval takes ~${typicalApproveMs()} ms`,
    )
  })
})
