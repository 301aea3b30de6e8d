import { cpSync, rmSync } from 'node:fs'
import path from 'node:path'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seededRandom } from './random.js'
import { openDatabase } from '../db/connect.js'
import { findInconsistencies } from '../testing/consistency.js'
import { type RunningProcess, copyOfTemplate, lockHeldBy, lockOwnerPid, runTsx, startServer, stubWebDir } from '../testing/processes.js'
import { DEMO_ROADS_LAYER, DEMO_WATER_LAYER } from './reference-layers.js'
import type { DemoSummary } from './seed.js'

// kill -9 during `npm run seed:demo` (the county transaction, the address registry, the reference
// layers, and a --force reseed over a seeded county), at random moments; after every crash a byte
// copy of the folder is checked: the county is there whole (its summary's counts) or not at all,
// the addresses and each reference layer likewise, and nothing else is inconsistent. The next run
// takes the lock over and finishes the job; the server then starts on the folder.
// Embedded engine only (the data-folder lock is PGlite's).
//
// GRIDWORK_SEED_KILLS=n kills n times (default 3); GRIDWORK_KILL_SEED=s repeats a run.

const KILLS = Number(process.env.GRIDWORK_SEED_KILLS ?? 3)
const SEED = Number(process.env.GRIDWORK_KILL_SEED ?? Math.floor(Math.random() * 2 ** 31))

// The demo's seeded generator (mulberry32): a failing run can be repeated with its seed.
const next = seededRandom(SEED)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

interface SeedState {
  summary: DemoSummary | null
  regions: number
  grids: number
  buildings: number
  addresses: number
  layers: Record<string, number>
  seedAudits: number
}

/** What a crash left in `dataDir`, read from a byte copy (the folder itself stays untouched). */
async function stateOf(dataDir: string, copy: string): Promise<{ state: SeedState; problems: string[] }> {
  cpSync(dataDir, copy, { recursive: true })
  const database = await openDatabase({ dataDir: copy, lock: { log: () => undefined } })
  try {
    const db = database.kysely
    const meta = await db.selectFrom('app_meta').select('value').where('key', '=', 'demo_seeded').executeTakeFirst()
    const counts = (
      await sql<{ regions: number; grids: number; buildings: number; addresses: number; audits: number }>`
        SELECT (SELECT count(*)::int FROM regions WHERE code LIKE '99%') AS regions,
               (SELECT count(*)::int FROM grids WHERE code LIKE '99%' AND valid_to IS NULL) AS grids,
               (SELECT count(*)::int FROM buildings WHERE region_code LIKE '99%') AS buildings,
               (SELECT count(*)::int FROM addresses WHERE region_code LIKE '99%') AS addresses,
               (SELECT count(*)::int FROM audit_log WHERE action IN ('seed_demo', 'seed_demo_forced')) AS audits`.execute(db)
    ).rows[0]
    const layers = await sql<{ name: string; features: number }>`
      SELECT l.name, count(f.id)::int AS features FROM reference_layers l LEFT JOIN reference_features f ON f.layer_id = l.id
      WHERE l.region_code LIKE '99%' GROUP BY l.name`.execute(db)
    const problems = await findInconsistencies(db, { applied: [], filed: [], imports: [] })
    const summary = meta ? ((typeof meta.value === 'string' ? JSON.parse(meta.value) : meta.value) as DemoSummary) : null
    return {
      state: {
        summary,
        regions: counts?.regions ?? -1,
        grids: counts?.grids ?? -1,
        buildings: counts?.buildings ?? -1,
        addresses: counts?.addresses ?? -1,
        layers: Object.fromEntries(layers.rows.map((row) => [row.name, row.features])),
        seedAudits: counts?.audits ?? -1,
      },
      problems,
    }
  } finally {
    await database.close()
    rmSync(copy, { recursive: true, force: true })
  }
}

let dataDir = ''
let webDir = ''

describe.skipIf(Boolean(process.env.DATABASE_URL))('kill -9 during the demo seed', () => {
  beforeAll(async () => {
    dataDir = await copyOfTemplate('gridwork-seed-kill-')
    webDir = stubWebDir()
  }, 180_000)
  afterAll(() => {
    for (const folder of [webDir, dataDir && path.dirname(dataDir)]) if (folder) rmSync(folder, { recursive: true, force: true })
  })

  it(`${KILLS} crashes while seeding: the county, its addresses and its layers are each whole or absent`, {
    timeout: 300_000 + KILLS * 150_000,
  }, async () => {
    const tag = `GRIDWORK_KILL_SEED=${SEED}`
    const log: string[] = []
    /** The quickest complete seed, timed from when it held the lock; until one completes, a guess. */
    let fullMs = 0
    let complete: SeedState | null = null
    let kills = 0
    for (let run = 0; kills < KILLS && run < 2 * KILLS + 3; run++) {
      // Once the county is seeded, --force: the reseed replaces it in one transaction, so a
      // crash in it must leave the previous county as it was.
      const force = complete !== null
      const cli: RunningProcess = runTsx('scripts/seed-demo.ts', force ? ['--force'] : [], { DATABASE_URL: '', DATA_DIR: dataDir })
      await lockHeldBy(dataDir, cli)
      const started = Date.now()
      // Uniform over a whole seed (before one completed: over 3–25 s), so every stage gets hit.
      const killAt = fullMs > 0 ? (0.05 + next() * 0.9) * fullMs : 3_000 + next() * 22_000
      const outcome = await Promise.race([cli.exited, sleep(killAt).then(() => 'kill' as const)])
      let killed = false
      if (outcome === 'kill') {
        await cli.kill9()
        killed = lockOwnerPid(dataDir) === cli.pid
        kills++
        log.push(`run ${run}${force ? ' (--force)' : ''} killed after ${Date.now() - started} ms at "${lastLine(cli.output())}"`)
      } else {
        expect(outcome, cli.output().slice(-3000)).toBe(0)
        const ms = Date.now() - started
        fullMs = fullMs > 0 ? Math.min(fullMs, ms) : ms
        log.push(`run ${run}${force ? ' (--force)' : ''} completed in ${ms} ms`)
      }

      const { state, problems } = await stateOf(dataDir, `${dataDir}-check-${run}`)
      expect(problems, `after run ${run} (${tag}): ${log.join('; ')}`).toEqual([])
      expectWholeOrAbsent(state, complete, `after run ${run} (${tag}): ${log.join('; ')}`)
      if (!killed && state.summary) complete = state
      else if (state.summary && state.addresses > 0 && Object.keys(state.layers).length === 2) complete ??= state
    }

    // The next run takes over the last crash's lock and completes; the server starts on the folder.
    const finish = runTsx('scripts/seed-demo.ts', [], { DATABASE_URL: '', DATA_DIR: dataDir })
    expect(await finish.exited, finish.output().slice(-3000)).toBe(0)
    const { state, problems } = await stateOf(dataDir, `${dataDir}-check-final`)
    expect(problems, tag).toEqual([])
    expect(state.summary, tag).not.toBeNull()
    expect(state.addresses, tag).toBeGreaterThan(0)
    expect(Object.keys(state.layers).sort(), tag).toEqual([DEMO_ROADS_LAYER, DEMO_WATER_LAYER].sort())
    expectWholeOrAbsent(state, complete, tag)

    const server = await startServer(dataDir, {
      NODE_ENV: 'production',
      JWT_SECRET: 'seed-kill-signing-secret-of-40-characters',
      WEB_DIR: webDir,
    })
    const health = await fetch(`${server.baseUrl}/health`)
    expect(health.status).toBe(200)
    expect(await server.stop()).toBe(0)
    expect(kills, `kills over the run (${tag}): ${log.join('; ')}`).toBe(KILLS)
    console.log(`seed kill loop (${tag}): ${log.join('; ')}`)
  })
})

function lastLine(output: string): string {
  return output.trim().split('\n').at(-1)?.slice(0, 120) ?? ''
}

/**
 * The county is whole (the counts its summary states; one seed audit per seeding) or absent (no
 * row under the demo prefix); the addresses and each reference layer are all there (the counts of
 * a completed seed, once one is known) or not at all.
 */
function expectWholeOrAbsent(state: SeedState, complete: SeedState | null, context: string): void {
  const { summary } = state
  if (summary) {
    expect(state.regions, context).toBe(3 + summary.townships + summary.communities)
    expect(state.grids, context).toBe(summary.grids)
    expect(state.buildings, context).toBe(summary.buildings)
    expect(state.seedAudits, context).toBeGreaterThanOrEqual(1)
  } else {
    expect({ regions: state.regions, grids: state.grids, buildings: state.buildings, addresses: state.addresses }, context).toEqual({
      regions: 0,
      grids: 0,
      buildings: 0,
      addresses: 0,
    })
    expect(state.layers, context).toEqual({})
  }
  if (complete) {
    expect([0, complete.addresses], `addresses: ${context}`).toContain(state.addresses)
    for (const [name, features] of Object.entries(state.layers)) expect(features, `layer ${name}: ${context}`).toBe(complete.layers[name])
  }
}
