import { spawnSync } from 'node:child_process'
import type { AddressInfo } from 'node:net'
import { loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import v8 from 'node:v8'
import vm from 'node:vm'
import { Worker } from 'node:worker_threads'
import { sql } from 'kysely'
import { buildApp } from '../../server/app.js'
import { seedDemoUsers } from '../../server/auth/demo-users.js'
import type { DatabaseHandle } from '../../server/db/connect.js'
import { seedDemo } from '../../server/demo/seed.js'
import type { GridIndex } from '../../server/lookup/index/grid-index.js'
import { GridIndexBuilder } from '../../server/lookup/index/grid-index-builder.js'
import { loadIndex } from '../../server/lookup/index/index-holder.js'
import { type Entry, round1 } from './report.js'
import { seededRandom } from '../../server/demo/random.js'
import { addSyntheticGrids, syntheticGrids } from './synthetic-grids.js'

// Lookup figures: in-process lookups per second on one core, HTTP single lookups with
// autocannon against a real listening server (load generated in a worker thread, so the server
// keeps its own core), 1,000,000 points through POST /lookup/batch end to end (the client in a
// worker thread too) vs the same points as a PostGIS join in the same run, and index build time / memory for 100,000 synthetic grids.

export const LOOKUP_FIGURES = [
  'lookup.inprocess.per_s',
  'lookup.http.rps',
  'lookup.http.p99_ms',
  'lookup.batch_1m.ms',
  'lookup.index.build_ms',
  'lookup.index.rss_mb',
  'lookup.index_1m.build_ms',
  'lookup.index_1m.rss_mb',
] as const

export interface LookupBenchOptions {
  wanted(name: string): boolean
  progress(message: string): void
  skipBaseline: boolean
  /** Seconds of autocannon load (default 10). */
  httpSeconds?: number
}

/** Random points over the index's extent (+2 %), as flat x/y arrays. */
function randomPoints(index: GridIndex, bounds: [number, number, number, number], n: number, seed: number) {
  const rnd = seededRandom(seed)
  const [minX, minY, maxX, maxY] = bounds
  const padX = (maxX - minX) * 0.02
  const padY = (maxY - minY) * 0.02
  const xs = new Float64Array(n)
  const ys = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    xs[i] = minX - padX + rnd() * (maxX - minX + 2 * padX)
    ys[i] = minY - padY + rnd() * (maxY - minY + 2 * padY)
  }
  void index
  return { xs, ys }
}

/** Best of three timed passes of `lookup()` over the points (one warm-up first). */
function timeLookups(index: GridIndex, xs: Float64Array, ys: Float64Array, main = false) {
  let found = 0
  const pass = () => {
    found = 0
    const started = performance.now()
    if (main) {
      for (let i = 0; i < xs.length; i++) if (index.lookupMain(xs[i] as number, ys[i] as number) >= 0) found++
    } else {
      for (let i = 0; i < xs.length; i++) if (index.lookup(xs[i] as number, ys[i] as number).grid >= 0) found++
    }
    return performance.now() - started
  }
  pass()
  const ms = Math.min(pass(), pass(), pass())
  return { perSecond: Math.round((xs.length / ms) * 1000), found }
}

const gc: () => void = (() => {
  v8.setFlagsFromString('--expose-gc')
  return vm.runInNewContext('gc') as () => void
})()

function rssMb(): number {
  gc()
  gc()
  return process.memoryUsage().rss / 1048576
}

/**
 * 100,000 grids of 81 vertices (20 per side, wavy shared edges, ~1 km cells over 4° × 2.5°,
 * synthetic-grids.ts), written straight into the index builder from a scratch array: the figure
 * is the index's own build time and resident memory.
 */
function syntheticIndex(columns = 400, rows = 250): { index: GridIndex; ms: number; rssDeltaMb: number } {
  const source = syntheticGrids(columns, rows)
  const before = rssMb()
  const started = performance.now()
  const builder = new GridIndexBuilder({ vertices: source.coords.length / 2, rings: source.records.length, parts: source.records.length })
  addSyntheticGrids(builder, source)
  const index = builder.finish()
  const ms = performance.now() - started
  return { index, ms, rssDeltaMb: rssMb() - before }
}

/** The index of 1,000,000 synthetic grids, built in a child process (a fresh heap; lookup-index-child.ts). */
function millionInChild(progress: (message: string) => void): Record<string, number | boolean> {
  const child = fileURLToPath(new URL('./lookup-index-child.ts', import.meta.url))
  const args = ['--import', 'tsx', `--max-old-space-size=${CHILD_HEAP_MB}`, child, '1000', '1000']
  progress(`lookup: building the index of 1,000,000 synthetic grids in a child process (node ${args.join(' ')})…`)
  const result = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 20 })
  if (result.status !== 0) throw new Error(`the 1M index child failed (${result.status ?? result.signal}): ${result.stderr}`)
  return JSON.parse(result.stdout.trim().split('\n').pop() as string) as Record<string, number | boolean>
}

/** The child's V8 heap limit: the records of a million grids take ~0.1 GB; the typed arrays live outside it. */
const CHILD_HEAP_MB = 2048

/** Runs autocannon in a worker thread (its own event loop and core) and returns its result. */
function autocannonInWorker(options: Record<string, unknown>): Promise<{
  requests: { average: number; total: number }
  latency: { p50: number; p99: number; p99_9?: number; average: number; max: number }
  non2xx: number
  errors: number
  duration: number
}> {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads')
    const autocannon = require('autocannon')
    // Off the main thread autocannon hands back raw histograms: aggregate them here.
    autocannon(workerData, (error, raw) => {
      if (error) return parentPort.postMessage({ error: String(error) })
      const result = autocannon.aggregateResult([raw], workerData)
      parentPort.postMessage({ result: JSON.parse(JSON.stringify(result)) })
    })
  `
  return runWorker(code, options)
}

/** Runs CommonJS `code` in a worker thread; it posts { result } or { error } once. */
function runWorker<T>(code: string, workerData: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(code, { eval: true, workerData })
    worker.once('message', (message: { error?: string; result?: T }) => {
      void worker.terminate()
      if (message.error) reject(new Error(message.error))
      else resolve(message.result as T)
    })
    worker.once('error', reject)
  })
}

/**
 * POSTs a CSV body from a worker thread (a client of its own, as a department system would be,
 * so the server's thread does only the server's work) and reads the whole streamed answer;
 * resolves with rows answered and ms from the first byte sent to the last byte received.
 */
function postBatch(port: number, token: string, body: Buffer): Promise<{ ms: number; lines: number; bytes: number; status: number }> {
  const shared = new SharedArrayBuffer(body.length)
  body.copy(Buffer.from(shared))
  const code = `
    const http = require('node:http')
    const { parentPort, workerData } = require('node:worker_threads')
    const { port, token, shared } = workerData
    const body = Buffer.from(shared)
    const started = performance.now()
    let lines = 0
    let bytes = 0
    const request = http.request(
      { host: '127.0.0.1', port, method: 'POST', path: '/api/v1/lookup/batch', headers: { 'content-type': 'text/csv', authorization: 'Bearer ' + token, 'content-length': body.length } },
      (response) => {
        response.on('data', (chunk) => {
          bytes += chunk.length
          for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++
        })
        response.on('end', () => parentPort.postMessage({ result: { ms: performance.now() - started, lines: lines - 1, bytes, status: response.statusCode } }))
        response.on('error', (error) => parentPort.postMessage({ error: String(error) }))
      },
    )
    request.on('error', (error) => parentPort.postMessage({ error: String(error) }))
    // Written in 1 MB slices, as a client streaming a file would.
    let offset = 0
    const write = () => {
      while (offset < body.length) {
        const slice = body.subarray(offset, offset + 1048576)
        offset += slice.length
        if (!request.write(slice)) {
          request.once('drain', write)
          return
        }
      }
      request.end()
    }
    write()
  `
  return runWorker(code, { port, token, shared })
}

export async function lookupBench(database: DatabaseHandle, options: LookupBenchOptions): Promise<Entry[]> {
  const { wanted, progress } = options
  const entries: Entry[] = []
  const common = { engine: database.engine, postgis: database.capabilities.postgis }

  if (wanted('lookup.index.build_ms') || wanted('lookup.index.rss_mb')) {
    progress('lookup: building the index of 100,000 synthetic grids (81 vertices each)…')
    const { index, ms, rssDeltaMb } = syntheticIndex()
    const points = randomPoints(index, [108, 29, 112, 31.5], 1_000_000, 3)
    const rate = timeLookups(index, points.xs, points.ys)
    progress(
      `  built in ${ms.toFixed(0)} ms, RSS +${rssDeltaMb.toFixed(0)} MB (typed arrays ${(index.typedBytes / 1048576).toFixed(0)} MB); ${rate.perSecond.toLocaleString('en')} lookups/s on it`,
    )
    const dataset = { grids: index.size, vertices: index.vertexCount, typed_mb: round1(index.typedBytes / 1048576) }
    if (wanted('lookup.index.build_ms')) entries.push({ name: 'lookup.index.build_ms', value: round1(ms), unit: 'ms', ...common, dataset })
    if (wanted('lookup.index.rss_mb'))
      entries.push({
        name: 'lookup.index.rss_mb',
        value: round1(rssDeltaMb),
        unit: 'MB',
        ...common,
        dataset,
        lookups_per_s_on_it: rate.perSecond,
      })
  }

  if (wanted('lookup.index_1m.build_ms') || wanted('lookup.index_1m.rss_mb')) {
    const m = millionInChild(progress)
    progress(
      `  built in ${m.build_ms} ms (CPU ${m.build_cpu_ms} ms; fill ${m.fill_ms}, finish ${m.finish_ms}), RSS +${m.rss_delta_mb} MB (typed arrays ${m.typed_mb} MB, peak ${m.peak_rss_mb} MB with the 1.5 GB source); ${Number(m.lookups_per_s).toLocaleString('en')} lookups/s on it`,
    )
    const dataset = { grids: m.grids, vertices: m.vertices, typed_mb: m.typed_mb }
    // The machine's load while it ran: on a shared machine the wall time says little without it.
    const child = {
      child_process: true,
      max_old_space_size_mb: CHILD_HEAP_MB,
      load_average: loadavg().map((l) => Math.round(l * 100) / 100),
    }
    if (wanted('lookup.index_1m.build_ms'))
      entries.push({
        name: 'lookup.index_1m.build_ms',
        value: Number(m.build_ms),
        unit: 'ms',
        goal: 15_000,
        ...common,
        ...child,
        dataset,
        cpu_ms: m.build_cpu_ms,
        fill_ms: m.fill_ms,
        finish_ms: m.finish_ms,
      })
    if (wanted('lookup.index_1m.rss_mb'))
      entries.push({
        name: 'lookup.index_1m.rss_mb',
        value: Number(m.rss_delta_mb),
        unit: 'MB',
        goal: 3072,
        ...common,
        ...child,
        dataset,
        rss_before_mb: m.rss_before_mb,
        rss_after_mb: m.rss_after_mb,
        peak_rss_mb: m.peak_rss_mb,
        js_heap_delta_mb: m.heap_delta_mb,
        lookups_per_s_on_it: m.lookups_per_s,
        in_a_grid: m.in_a_grid,
      })
  }

  const needDemo = ['lookup.inprocess.per_s', 'lookup.http.rps', 'lookup.http.p99_ms', 'lookup.batch_1m.ms'].some(wanted)
  if (!needDemo) return entries

  const present = await sql<{
    n: number
  }>`SELECT count(*)::int AS n FROM grids WHERE region_code LIKE '990101%' AND valid_to IS NULL`.execute(database.kysely)
  if ((present.rows[0]?.n ?? 0) === 0) {
    progress('lookup: seeding the demo county into the benchmark database…')
    await seedDemo(database.kysely, { log: (message) => progress(`  ${message}`) })
  }
  const loaded = await loadIndex(database.kysely)
  const { index } = loaded
  const extent = await sql<{ minx: number; miny: number; maxx: number; maxy: number }>`
    SELECT ST_XMin(e) AS minx, ST_YMin(e) AS miny, ST_XMax(e) AS maxx, ST_YMax(e) AS maxy
    FROM (SELECT ST_Extent(geom)::geometry AS e FROM grids WHERE region_code LIKE '990101%' AND valid_to IS NULL) x`.execute(
    database.kysely,
  )
  const e = extent.rows[0] as { minx: number; miny: number; maxx: number; maxy: number }
  const bounds: [number, number, number, number] = [Number(e.minx), Number(e.miny), Number(e.maxx), Number(e.maxy)]
  progress(
    `lookup: demo county index — ${index.size} grids, ${index.vertexCount.toLocaleString('en')} vertices, built in ${loaded.buildMs.toFixed(0)} ms`,
  )
  const million = randomPoints(index, bounds, 1_000_000, 1)

  let postgisMs: number | undefined
  let postgisFound: number | undefined
  if (wanted('lookup.batch_1m.ms') && !options.skipBaseline) {
    progress('lookup: the same 1,000,000 points as a PostGIS join (temp table from unnest arrays, ST_Covers on the GiST index)…')
    const started = performance.now()
    const found = await database.kysely.transaction().execute(async (trx) => {
      await sql`CREATE TEMP TABLE bench_points ON COMMIT DROP AS
                SELECT i::int AS i, ST_SetSRID(ST_MakePoint(x, y), 4490) AS geom
                FROM unnest(${Array.from(million.xs)}::float8[], ${Array.from(million.ys)}::float8[]) WITH ORDINALITY AS u(x, y, i)`.execute(
        trx,
      )
      const result = await sql<{ answered: number }>`
        SELECT count(code)::int AS answered FROM (
          SELECT DISTINCT ON (p.i) p.i, g.code
          FROM bench_points p
          LEFT JOIN grids g ON g.kind <> 'dedicated' AND g.valid_from <= current_date AND (g.valid_to IS NULL OR g.valid_to > current_date)
                           AND ST_Covers(g.geom, p.geom)
          ORDER BY p.i, (g.kind = 'micro') DESC, length(g.code), g.code
        ) answers`.execute(trx)
      return result.rows[0]?.answered ?? 0
    })
    postgisMs = performance.now() - started
    postgisFound = found
    progress(`  PostGIS join: ${postgisMs.toFixed(0)} ms, ${found.toLocaleString('en')} points in a grid`)
  }

  if (wanted('lookup.inprocess.per_s')) {
    const full = timeLookups(index, million.xs, million.ys)
    const mainOnly = timeLookups(index, million.xs, million.ys, true)
    progress(
      `lookup: in-process ${full.perSecond.toLocaleString('en')}/s (grid + dedicated), ${mainOnly.perSecond.toLocaleString('en')}/s (grid only); ${full.found.toLocaleString('en')} of 1,000,000 in a grid`,
    )
    entries.push({
      name: 'lookup.inprocess.per_s',
      value: full.perSecond,
      unit: 'lookups/s',
      ...(postgisMs !== undefined
        ? {
            baseline: { name: 'lookup.batch_1m.postgis_per_s', value: Math.round(1_000_000 / (postgisMs / 1000)) },
            ratio: round1(full.perSecond / (1_000_000 / (postgisMs / 1000))),
          }
        : {}),
      ...common,
      grid_only_per_s: mainOnly.perSecond,
      points: 1_000_000,
      in_a_grid: full.found,
      dataset: { grids: index.size, vertices: index.vertexCount },
    })
  }

  if (!['lookup.http.rps', 'lookup.http.p99_ms', 'lookup.batch_1m.ms'].some(wanted)) return entries

  await seedDemoUsers(database.kysely, 'demo')
  const app = await buildApp({ database, signingSecret: 'bench-signing-secret-of-at-least-32-characters' })
  try {
    await app.listen({ host: '127.0.0.1', port: 0 })
    const port = (app.server.address() as AddressInfo).port
    const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'county', password: 'demo' } })
    const token = (login.json() as { token: string }).token
    if (!token) throw new Error(`bench login failed: ${login.body}`)

    if (wanted('lookup.http.rps') || wanted('lookup.http.p99_ms')) {
      const seconds = options.httpSeconds ?? 10
      const rnd = seededRandom(2)
      const requests = Array.from({ length: 2000 }, () => {
        const x = bounds[0] + rnd() * (bounds[2] - bounds[0])
        const y = bounds[1] + rnd() * (bounds[3] - bounds[1])
        return { method: 'GET', path: `/api/v1/lookup?lng=${x.toFixed(6)}&lat=${y.toFixed(6)}` }
      })
      const base = { url: `http://127.0.0.1:${port}`, headers: { authorization: `Bearer ${token}` }, requests }
      progress('lookup: HTTP warm-up (3 s)…')
      await autocannonInWorker({ ...base, connections: 10, duration: 3 })
      const results: { connections: number; rps: number; p99: number; p50: number; non2xx: number; errors: number }[] = []
      for (const connections of [1, 4, 10]) {
        progress(`lookup: autocannon ${seconds} s, ${connections} connection(s)…`)
        const r = await autocannonInWorker({ ...base, connections, duration: seconds })
        // requests.average (per-second samples) is not kept when aggregated off the main thread
        const rps = Math.round(r.requests.total / r.duration)
        results.push({ connections, rps, p99: r.latency.p99, p50: r.latency.p50, non2xx: r.non2xx, errors: r.errors })
        progress(
          `  ${rps.toLocaleString('en')} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, non-2xx ${r.non2xx}, errors ${r.errors}`,
        )
      }
      // The headline: the most requests per second among the runs whose p99 stays within 2 ms
      // (the target pairs both); if none does, the run with the most requests per second.
      const within = results.filter((r) => r.p99 <= 2 && r.non2xx === 0)
      const best = (within.length > 0 ? within : results).reduce((a, b) => (b.rps > a.rps ? b : a))
      const runs = results.map((r) => ({
        connections: r.connections,
        rps: r.rps,
        p50_ms: r.p50,
        p99_ms: r.p99,
        non2xx: r.non2xx,
        errors: r.errors,
      }))
      if (wanted('lookup.http.rps'))
        entries.push({ name: 'lookup.http.rps', value: best.rps, unit: 'req/s', ...common, connections: best.connections, seconds, runs })
      if (wanted('lookup.http.p99_ms'))
        entries.push({
          name: 'lookup.http.p99_ms',
          value: best.p99,
          unit: 'ms',
          ...common,
          connections: best.connections,
          rps: best.rps,
          runs,
        })
    }

    if (wanted('lookup.batch_1m.ms')) {
      const parts: string[] = ['id,lng,lat\n']
      for (let i = 0; i < million.xs.length; i++)
        parts.push(`${i},${(million.xs[i] as number).toFixed(7)},${(million.ys[i] as number).toFixed(7)}\n`)
      const body = Buffer.from(parts.join(''))
      progress(`lookup: POST /lookup/batch with 1,000,000 CSV rows (${(body.length / 1048576).toFixed(1)} MB), warm-up with 100,000…`)
      const warm = Buffer.from(parts.slice(0, 100_001).join(''))
      await postBatch(port, token, warm)
      const samples: number[] = []
      let last: Awaited<ReturnType<typeof postBatch>> | undefined
      for (let run = 0; run < 2; run++) {
        last = await postBatch(port, token, body)
        samples.push(last.ms)
        progress(
          `  run ${run + 1}: ${last.ms.toFixed(0)} ms, status ${last.status}, ${last.lines.toLocaleString('en')} rows back, ${(last.bytes / 1048576).toFixed(1)} MB`,
        )
      }
      const ms = Math.min(...samples)
      entries.push({
        name: 'lookup.batch_1m.ms',
        value: round1(ms),
        unit: 'ms',
        ...(postgisMs !== undefined
          ? { baseline: { name: 'lookup.batch_1m.postgis_ms', value: round1(postgisMs) }, ratio: round1(postgisMs / ms) }
          : {}),
        ...common,
        samples: samples.map(round1),
        rows_back: last?.lines,
        status: last?.status,
        postgis_in_a_grid: postgisFound,
        request_mb: round1(body.length / 1048576),
      })
      if (postgisMs !== undefined)
        entries.push({ name: 'lookup.batch_1m.postgis_ms', value: round1(postgisMs), unit: 'ms', ...common, in_a_grid: postgisFound })
    }
  } finally {
    await app.close()
  }
  return entries
}
