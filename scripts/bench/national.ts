import { spawnSync } from 'node:child_process'
import { loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import v8 from 'node:v8'
import vm from 'node:vm'
import { sql } from 'kysely'
import { type DatabaseHandle, openDatabase } from '../../server/db/connect.js'
import { seededRandom } from '../../server/demo/random.js'
import type { GridIndex } from '../../server/lookup/index/grid-index.js'
import { GridIndexBuilder } from '../../server/lookup/index/grid-index-builder.js'
import { type LoadedIndex, loadIndex } from '../../server/lookup/index/index-holder.js'
import {
  CELL,
  createLayout,
  createProvinceViews,
  dropLayout,
  fillProvince,
  indexLayout,
  PROVINCES,
  partitionSizes,
  partitionsScanned,
  provinceBlocks,
  provinceSchema,
  STUDY_SCHEMA,
} from './national-layout.js'
import { type Entry, median, round1 } from './report.js'

// The national layout, scaled down, on PostgreSQL (docs/scaling.md): 31 provinces × N synthetic
// grids (default 10,000: 310,000 grids of 81 vertices) in a copy of the grids table partitioned by
// province code (national-layout.ts, its own schema, dropped afterwards), and
// - partition pruning: EXPLAIN of a province-scoped query reads one partition, one without the
//   province key reads all 31;
// - each province's lookup index loaded by the server's own loadIndex() through a view of its
//   partition, with time and resident memory per grid;
// - a province router in front: a small index of the 31 province outlines answers which
//   province's index to ask; lookups per second through it, and its answers checked against
//   PostGIS (ST_Covers over the partitioned table) for 10,000 points;
// - the arithmetic from the measured bytes per grid to a nation of 5,000,000 grids.

export const NATIONAL_FIGURES = [
  'national.fill_ms',
  'national.pruning.partitions_scanned',
  'national.partition.bytes_per_grid',
  'national.province_index.load_ms',
  'national.province_index.bytes_per_grid',
  'national.load_all.ms',
  'national.router.lookups_per_s',
  'national.routed.lookups_per_s',
  'national.5m.table_gb',
  'national.5m.index_gb',
  'national.5m.largest_node_gb',
] as const

export interface NationalBenchOptions {
  wanted(name: string): boolean
  progress(message: string): void
  /** Grids per province (default 10,000, or NATIONAL_GRIDS_PER_PROVINCE). */
  gridsPerProvince?: number
  /** Keep the study schema afterwards (for looking at it with psql; or NATIONAL_KEEP=1). */
  keep?: boolean
  /** Also load every grid into one index in a child process (or NATIONAL_LOAD_ALL=1). */
  loadAll?: boolean
}

/** The load-all child's V8 heap limit (the rows of a million grids as JS objects fit in it). */
const LOAD_ALL_HEAP_MB = 6144

/** loadIndex() over the whole partitioned table in a child process (national-load-child.ts). */
function loadAllInChild(url: string): Record<string, number> {
  const child = fileURLToPath(new URL('./national-load-child.ts', import.meta.url))
  const args = ['--import', 'tsx', `--max-old-space-size=${LOAD_ALL_HEAP_MB}`, child, `${STUDY_SCHEMA},public`]
  const result = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, DATABASE_URL: url }, maxBuffer: 1 << 20 })
  if (result.status !== 0) throw new Error(`the load-all child failed (${result.status ?? result.signal}): ${result.stderr}`)
  return JSON.parse(result.stdout.trim().split('\n').pop() as string) as Record<string, number>
}

const gc: () => void = (() => {
  v8.setFlagsFromString('--expose-gc')
  return vm.runInNewContext('gc') as () => void
})()

function rssBytes(): number {
  gc()
  gc()
  return process.memoryUsage().rss
}

/** The national grids assumed for the arithmetic, and the largest province's share of them. */
const NATION_GRIDS = 5_000_000
/** ~70,000 of ~530,000 communities: an assumption for the arithmetic — check your own province. */
const LARGEST_PROVINCE_SHARE = 0.13

/** Routes a point to its province's index: the main grid's code, or null; counts the paths taken. */
class ProvinceRouter {
  readonly index: GridIndex
  readonly paths = { one: 0, neighbours: 0, outside: 0 }
  constructor(
    blocks: ReturnType<typeof provinceBlocks>,
    readonly provinces: LoadedIndex[],
    /** Degrees around a point within which another province is asked when the first has no grid. */
    readonly margin = CELL / 10,
  ) {
    const builder = new GridIndexBuilder()
    for (const block of blocks) {
      builder.addGrid({
        code: `${block.code}0000000000`,
        name: block.code,
        kind: 'comprehensive',
        region_code: `${block.code}0000000000`,
        households: null,
        grid_head: null,
      })
      // The outline with a vertex every 1/20 of a cell, as detailed as the grids along it.
      const ring: number[] = []
      const step = CELL / 20
      const nx = Math.round((block.x1 - block.x0) / step)
      const ny = Math.round((block.y1 - block.y0) / step)
      for (let i = 0; i < nx; i++) ring.push(block.x0 + i * step, block.y0)
      for (let j = 0; j < ny; j++) ring.push(block.x1, block.y0 + j * step)
      for (let i = nx; i > 0; i--) ring.push(block.x0 + i * step, block.y1)
      for (let j = ny; j > 0; j--) ring.push(block.x0, block.y0 + j * step)
      builder.beginPart()
      builder.addRing(ring)
    }
    this.index = builder.finish()
  }

  /** The main grid's code at (x, y) by the documented rule, across provinces. */
  lookup(x: number, y: number): string | null {
    const province = this.index.lookupMain(x, y)
    if (province >= 0) {
      const loaded = this.provinces[province] as LoadedIndex
      const grid = loaded.index.lookupMain(x, y)
      if (grid >= 0) {
        this.paths.one++
        return (loaded.index.grids[grid] as { code: string }).code
      }
    }
    // No grid in the province the outline gave (a gap, or outlines and grids that differ by a
    // little along a border), or outside every outline: ask every province whose outline box is
    // within the margin, and keep the rule's winner (grid codes start with the province code, so
    // "smallest code" across provinces is the same rule as within one).
    const near = this.index.partsMeeting(x - this.margin, y - this.margin, x + this.margin, y + this.margin)
    if (province < 0 && near.length === 0) {
      this.paths.outside++
      return null
    }
    this.paths.neighbours++
    let best: string | null = null
    for (const part of near) {
      const loaded = this.provinces[this.index.partGrid[part] as number] as LoadedIndex
      const grid = loaded.index.lookupMain(x, y)
      const code = grid >= 0 ? (loaded.index.grids[grid] as { code: string }).code : null
      if (code !== null && (best === null || code.length < best.length || (code.length === best.length && code < best))) best = code
    }
    return best
  }
}

export async function nationalBench(
  database: DatabaseHandle,
  options: NationalBenchOptions,
): Promise<{ entries: Entry[]; skipped: string[] }> {
  const { wanted, progress } = options
  const url = process.env.DATABASE_URL?.trim()
  if (database.engine !== 'postgres' || !url) {
    return {
      entries: [],
      skipped: ['national: skipped — needs PostgreSQL (DATABASE_URL); the embedded engine has no place in a national layout'],
    }
  }
  const perProvince = options.gridsPerProvince ?? Number(process.env.NATIONAL_GRIDS_PER_PROVINCE ?? 10_000)
  const db = database.kysely
  const common = {
    engine: database.engine,
    postgis: database.capabilities.postgis,
    scaled_down: `${PROVINCES.length} provinces × ${perProvince.toLocaleString('en')} grids`,
  }
  const entries: Entry[] = []
  const blocks = provinceBlocks(perProvince)
  const total = perProvince * PROVINCES.length

  progress(
    `national: ${PROVINCES.length} province partitions × ${perProvince.toLocaleString('en')} grids (81 vertices each) in schema ${STUDY_SCHEMA}…`,
  )
  const refusals = await createLayout(db)
  let started = performance.now()
  for (const block of blocks) await fillProvince(db, block, perProvince)
  const fillMs = performance.now() - started
  started = performance.now()
  await indexLayout(db)
  const indexMs = performance.now() - started
  progress(`  filled in ${(fillMs / 1000).toFixed(1)} s, indexes built in ${(indexMs / 1000).toFixed(1)} s`)
  if (wanted('national.fill_ms'))
    entries.push({
      name: 'national.fill_ms',
      value: round1(fillMs),
      unit: 'ms',
      ...common,
      grids: total,
      index_build_ms: round1(indexMs),
      refusals,
    })

  try {
    // Partition pruning.
    const box = blocks[10] as (typeof blocks)[number]
    const envelope = sql`ST_MakeEnvelope(${box.x0 + 0.5}, ${box.y0 + 0.3}, ${box.x0 + 0.6}, ${box.y0 + 0.4}, 4490)`
    const g = sql`${sql.id(STUDY_SCHEMA)}.grids`
    const scoped = await partitionsScanned(
      db,
      sql`SELECT code FROM ${g} WHERE province_code = ${box.code} AND valid_to IS NULL AND geom && ${envelope}`,
    )
    const unscoped = await partitionsScanned(db, sql`SELECT code FROM ${g} WHERE valid_to IS NULL AND geom && ${envelope}`)
    const byCode = await partitionsScanned(db, sql`SELECT * FROM ${g} WHERE code = ${`${box.code}0000000001001`} AND valid_to IS NULL`)
    const byCodeScoped = await partitionsScanned(
      db,
      sql`SELECT * FROM ${g} WHERE province_code = ${box.code} AND code = ${`${box.code}0000000001001`} AND valid_to IS NULL`,
    )
    progress(
      `  pruning: province-scoped box query reads ${scoped.length} partition (${scoped.join(', ')}); without the key ${unscoped.length}; by code alone ${byCode.length}, by province + code ${byCodeScoped.length}`,
    )
    if (wanted('national.pruning.partitions_scanned'))
      entries.push({
        name: 'national.pruning.partitions_scanned',
        value: scoped.length,
        unit: 'partitions',
        ...common,
        query: `SELECT code FROM ${STUDY_SCHEMA}.grids WHERE province_code = '${box.code}' AND valid_to IS NULL AND geom && <box>`,
        scanned: scoped,
        without_province_key: unscoped.length,
        by_code_alone: byCode.length,
        by_province_and_code: byCodeScoped.length,
      })

    // Sizes in PostgreSQL.
    const sizes = await partitionSizes(db)
    const perGridTable = median(sizes.map((s) => s.table / Math.max(1, s.rows)))
    const perGridIndexes = median(sizes.map((s) => s.indexes / Math.max(1, s.rows)))
    const partitionMb = median(sizes.map((s) => (s.table + s.indexes) / 1048576))
    progress(
      `  PostgreSQL: ${Math.round(perGridTable)} B/grid in the table, ${Math.round(perGridIndexes)} B/grid in its indexes; ${partitionMb.toFixed(1)} MB per partition of ${perProvince.toLocaleString('en')}`,
    )
    if (wanted('national.partition.bytes_per_grid'))
      entries.push({
        name: 'national.partition.bytes_per_grid',
        value: Math.round(perGridTable + perGridIndexes),
        unit: 'B',
        ...common,
        table_bytes_per_grid: Math.round(perGridTable),
        index_bytes_per_grid: Math.round(perGridIndexes),
        partition_mb: round1(partitionMb),
        vertices_per_grid: 81,
      })

    // Each province's lookup index, loaded by the server's loadIndex() through its view.
    await createProvinceViews(db)
    const provinces: LoadedIndex[] = []
    const loadMs: number[] = []
    const loadCpuMs: number[] = []
    const rssBefore = rssBytes()
    const heapBefore = process.memoryUsage().heapUsed
    for (const code of PROVINCES) {
      const handle = await openDatabase({ databaseUrl: url, searchPath: `${provinceSchema(code)},${STUDY_SCHEMA},public` })
      try {
        const t = performance.now()
        const cpu = process.cpuUsage()
        const loaded = await loadIndex(handle.kysely)
        loadMs.push(performance.now() - t)
        const used = process.cpuUsage(cpu)
        loadCpuMs.push((used.user + used.system) / 1000)
        if (loaded.index.size !== perProvince)
          throw new Error(`province ${code}: index holds ${loaded.index.size} grids, expected ${perProvince}`)
        provinces.push(loaded)
      } finally {
        await handle.close()
      }
    }
    const heldBytes = rssBytes() - rssBefore
    const heapPerGrid = (process.memoryUsage().heapUsed - heapBefore) / total
    // The lattice is a fixed cost per index (up to 32 MB), not per grid: counted apart, so that
    // the bytes per grid scale to a province of any size.
    const latticeBytes = provinces.reduce((sum, loaded) => sum + loaded.index.latticeBytes, 0)
    const bytesPerGrid = (heldBytes - latticeBytes) / total
    const latticePerIndex = latticeBytes / provinces.length
    progress(
      `  province indexes: loadIndex() median ${median(loadMs).toFixed(0)} ms (this process's CPU ${median(loadCpuMs).toFixed(0)} ms) per ${perProvince.toLocaleString('en')} grids (max ${Math.max(...loadMs).toFixed(0)}); all ${PROVINCES.length} held in +${(heldBytes / 1048576).toFixed(0)} MB RSS = ${(latticePerIndex / 1048576).toFixed(0)} MB of lattice per index + ${Math.round(bytesPerGrid)} B/grid`,
    )
    if (wanted('national.province_index.load_ms'))
      entries.push({
        name: 'national.province_index.load_ms',
        value: round1(median(loadMs)),
        unit: 'ms',
        ...common,
        grids: perProvince,
        max_ms: round1(Math.max(...loadMs)),
        cpu_ms: round1(median(loadCpuMs)),
        all_provinces_ms: round1(loadMs.reduce((a, b) => a + b, 0)),
        ms_per_1000_grids: round1((median(loadMs) / perProvince) * 1000),
      })
    if (wanted('national.province_index.bytes_per_grid'))
      entries.push({
        name: 'national.province_index.bytes_per_grid',
        value: Math.round(bytesPerGrid),
        unit: 'B',
        ...common,
        held_mb: round1(heldBytes / 1048576),
        lattice_mb_per_index: round1(latticePerIndex / 1048576),
        js_heap_bytes_per_grid: Math.round(heapPerGrid),
        grids: total,
        note: 'RSS after GC, all province indexes with their records and region chains (what the server holds), before vs after, less the lattices (a fixed cost per index: lattice_mb_per_index)',
      })

    // Optionally: every grid into one index, as one node holding the whole nation would.
    if ((options.loadAll ?? process.env.NATIONAL_LOAD_ALL === '1') && wanted('national.load_all.ms')) {
      progress(
        `  loading all ${total.toLocaleString('en')} grids into one index in a child process (loadIndex over the partitioned table)…`,
      )
      const all = loadAllInChild(url)
      progress(
        `  ${Number(all.grids).toLocaleString('en')} grids in ${(Number(all.ms) / 1000).toFixed(1)} s; RSS +${all.rss_delta_mb} MB after GC, peak ${all.peak_rss_mb} MB`,
      )
      entries.push({
        name: 'national.load_all.ms',
        value: Number(all.ms),
        unit: 'ms',
        ...common,
        ...all,
        child_process: true,
        max_old_space_size_mb: LOAD_ALL_HEAP_MB,
      })
    }

    // The router in front, and lookups through it.
    const router = new ProvinceRouter(blocks, provinces)
    const minX = Math.min(...blocks.map((b) => b.x0))
    const minY = Math.min(...blocks.map((b) => b.y0))
    const maxX = Math.max(...blocks.map((b) => b.x1))
    const maxY = Math.max(...blocks.map((b) => b.y1))
    const n = 1_000_000
    const rnd = seededRandom(31)
    const xs = new Float64Array(n)
    const ys = new Float64Array(n)
    for (let i = 0; i < n; i++) {
      xs[i] = minX + rnd() * (maxX - minX)
      ys[i] = minY + rnd() * (maxY - minY)
      // Every tenth point on a province border (a shared outline), where two provinces meet.
      if (i % 10 === 0) {
        const b = blocks[Math.floor(rnd() * blocks.length)] as (typeof blocks)[number]
        xs[i] = b.x1
        ys[i] = b.y0 + rnd() * (b.y1 - b.y0)
      }
    }
    const best = (pass: () => void) => {
      pass()
      let ms = Number.POSITIVE_INFINITY
      for (let k = 0; k < 3; k++) {
        const t = performance.now()
        pass()
        ms = Math.min(ms, performance.now() - t)
      }
      return Math.round((n / ms) * 1000)
    }
    let sink = 0
    const routerPerS = best(() => {
      for (let i = 0; i < n; i++) sink += router.index.lookupMain(xs[i] as number, ys[i] as number)
    })
    router.paths.one = router.paths.neighbours = router.paths.outside = 0
    const routedPerS = best(() => {
      for (let i = 0; i < n; i++) if (router.lookup(xs[i] as number, ys[i] as number) !== null) sink++
    })
    const passes = 4
    const paths = {
      one_province: Math.round(router.paths.one / passes),
      asked_neighbours: Math.round(router.paths.neighbours / passes),
      outside_all: Math.round(router.paths.outside / passes),
    }
    const province0 = provinces[0] as LoadedIndex
    const b0 = blocks[0] as (typeof blocks)[number]
    const directPerS = best(() => {
      for (let i = 0; i < n; i++)
        sink += province0.index.lookupMain(b0.x0 + (((xs[i] as number) - minX) % 2), b0.y0 + (((ys[i] as number) - minY) % (b0.y1 - b0.y0)))
    })
    void sink

    // The routed answers against PostGIS over the partitioned table, for 10,000 of the points.
    const check = 10_000
    const cx = Array.from(xs.subarray(0, check))
    const cy = Array.from(ys.subarray(0, check))
    const postgis = await sql<{ i: number; code: string | null }>`
      SELECT p.i::int AS i, (SELECT g.code FROM ${sql.id(STUDY_SCHEMA)}.grids g
                     WHERE g.valid_to IS NULL AND ST_Covers(g.geom, ST_SetSRID(ST_MakePoint(p.x, p.y), 4490))
                     ORDER BY (g.kind = 'micro') DESC, length(g.code), g.code LIMIT 1) AS code
      FROM unnest(${cx}::float8[], ${cy}::float8[]) WITH ORDINALITY AS p(x, y, i)`.execute(db)
    let agree = 0
    const disagreements: { x: number; y: number; routed: string | null; postgis: string | null }[] = []
    for (const row of postgis.rows) {
      const i = row.i - 1
      const routed = router.lookup(cx[i] as number, cy[i] as number)
      if (routed === row.code) agree++
      else if (disagreements.length < 5) disagreements.push({ x: cx[i] as number, y: cy[i] as number, routed, postgis: row.code })
    }
    progress(
      `  router: ${routerPerS.toLocaleString('en')} province answers/s; routed lookups ${routedPerS.toLocaleString('en')}/s (one province ${paths.one_province.toLocaleString('en')}, neighbours asked ${paths.asked_neighbours.toLocaleString('en')}, outside ${paths.outside_all.toLocaleString('en')} of 1,000,000); one province's index alone ${directPerS.toLocaleString('en')}/s; PostGIS agrees on ${agree.toLocaleString('en')} of ${check.toLocaleString('en')}`,
    )
    if (agree !== check) progress(`  WARNING routed answers differ from PostGIS: ${JSON.stringify(disagreements)}`)
    if (wanted('national.router.lookups_per_s'))
      entries.push({
        name: 'national.router.lookups_per_s',
        value: routerPerS,
        unit: 'lookups/s',
        ...common,
        provinces: PROVINCES.length,
        router_vertices: router.index.vertexCount,
        router_typed_mb: round1(router.index.typedBytes / 1048576),
      })
    if (wanted('national.routed.lookups_per_s'))
      entries.push({
        name: 'national.routed.lookups_per_s',
        value: routedPerS,
        unit: 'lookups/s',
        ...common,
        baseline: { name: 'national.one_province_index.lookups_per_s', value: directPerS },
        paths,
        border_points: n / 10,
        postgis_check: { points: check, agree, disagreements },
      })

    // Arithmetic: from the measured bytes per grid to a nation of 5,000,000 grids.
    const tableGb = (NATION_GRIDS * (perGridTable + perGridIndexes)) / 1e9
    const indexGb = (NATION_GRIDS * bytesPerGrid + PROVINCES.length * latticePerIndex) / 1e9
    const largest = NATION_GRIDS * LARGEST_PROVINCE_SHARE
    const largestGb = (largest * bytesPerGrid + latticePerIndex) / 1e9
    progress(
      `  5,000,000 grids: PostgreSQL ${tableGb.toFixed(1)} GB (one version each, indexes included); lookup indexes ${indexGb.toFixed(1)} GB in all (one per province); the largest province (${Math.round(largest).toLocaleString('en')} grids) ${largestGb.toFixed(2)} GB on its node`,
    )
    const basis = {
      bytes_per_grid_postgres: Math.round(perGridTable + perGridIndexes),
      bytes_per_grid_index: Math.round(bytesPerGrid),
      lattice_mb_per_index: round1(latticePerIndex / 1048576),
      nation_grids: NATION_GRIDS,
    }
    if (wanted('national.5m.table_gb'))
      entries.push({
        name: 'national.5m.table_gb',
        value: round1(tableGb),
        unit: 'GB',
        ...common,
        ...basis,
        per_province_gb: round1(tableGb / PROVINCES.length),
      })
    if (wanted('national.5m.index_gb'))
      entries.push({ name: 'national.5m.index_gb', value: round1(indexGb), unit: 'GB', ...common, ...basis })
    if (wanted('national.5m.largest_node_gb'))
      entries.push({
        name: 'national.5m.largest_node_gb',
        value: Math.round(largestGb * 100) / 100,
        unit: 'GB',
        ...common,
        ...basis,
        largest_province_share: LARGEST_PROVINCE_SHARE,
        largest_province_grids: Math.round(largest),
        note: 'lookup index of the largest province (an assumed 13 % of the nation), records and region chains included',
      })
  } finally {
    if (!(options.keep ?? process.env.NATIONAL_KEEP === '1')) await dropLayout(db)
  }
  // The machine's 1-, 5- and 15-minute load at the end: on a shared machine the times say little without it.
  const load = loadavg().map((l) => Math.round(l * 100) / 100)
  for (const entry of entries) entry.load_average = load
  return { entries, skipped: [] }
}
