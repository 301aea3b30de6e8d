import v8 from 'node:v8'
import vm from 'node:vm'
import { seededRandom } from '../../server/demo/random.js'
import type { GridIndex } from '../../server/lookup/index/grid-index.js'
import { GridIndexBuilder } from '../../server/lookup/index/grid-index-builder.js'
import { addSyntheticGrids, syntheticGrids } from './synthetic-grids.js'

// Run by scripts/bench/lookup.ts in a child process (a fresh heap, so that the RSS it reports is
// the index's and nothing left over from other figures):
//   node --import tsx --max-old-space-size=N scripts/bench/lookup-index-child.ts COLUMNS ROWS [--no-hint]
// Makes COLUMNS × ROWS synthetic grids (synthetic-grids.ts; not timed), then times building the
// index from them and measures RSS after GC before and after; then lookups per second on it.
// --no-hint builds without the expected sizes, as the server's load from the database does.
// Prints one JSON object on stdout.

const gc: () => void = (() => {
  v8.setFlagsFromString('--expose-gc')
  return vm.runInNewContext('gc') as () => void
})()

function rssMb(): number {
  gc()
  gc()
  return process.memoryUsage().rss / 1048576
}

const columns = Number(process.argv[2] ?? 1000)
const rows = Number(process.argv[3] ?? 1000)
const hint = !process.argv.includes('--no-hint')

const sourceStarted = performance.now()
const source = syntheticGrids(columns, rows)
const sourceMs = performance.now() - sourceStarted
const vertices = source.coords.length / 2
const before = rssMb()
const heapBefore = process.memoryUsage().heapUsed / 1048576
const started = performance.now()
const cpu = process.cpuUsage()
const builder = new GridIndexBuilder(hint ? { vertices, rings: source.records.length, parts: source.records.length } : {})
addSyntheticGrids(builder, source)
const filledMs = performance.now() - started
const index: GridIndex = builder.finish()
const ms = performance.now() - started
const used = process.cpuUsage(cpu)
const after = rssMb()
const heapAfter = process.memoryUsage().heapUsed / 1048576
const peakMb = process.resourceUsage().maxRSS / 1024

// Lookups per second: 1,000,000 random points over the extent + 2 %, best of 3 after a warm-up.
const [minX, minY, maxX, maxY] = source.bounds
const padX = (maxX - minX) * 0.02
const padY = (maxY - minY) * 0.02
const rnd = seededRandom(3)
const n = 1_000_000
const xs = new Float64Array(n)
const ys = new Float64Array(n)
for (let i = 0; i < n; i++) {
  xs[i] = minX - padX + rnd() * (maxX - minX + 2 * padX)
  ys[i] = minY - padY + rnd() * (maxY - minY + 2 * padY)
}
let found = 0
const pass = () => {
  found = 0
  const t = performance.now()
  for (let i = 0; i < n; i++) if (index.lookup(xs[i] as number, ys[i] as number).grid >= 0) found++
  return performance.now() - t
}
pass()
const lookupMs = Math.min(pass(), pass(), pass())

console.log(
  JSON.stringify({
    grids: index.size,
    vertices: index.vertexCount,
    hint,
    source_ms: Math.round(sourceMs),
    build_ms: Math.round(ms * 10) / 10,
    build_cpu_ms: Math.round((used.user + used.system) / 1000),
    fill_ms: Math.round(filledMs),
    finish_ms: Math.round(ms - filledMs),
    rss_before_mb: Math.round(before),
    rss_after_mb: Math.round(after),
    rss_delta_mb: Math.round((after - before) * 10) / 10,
    heap_delta_mb: Math.round(heapAfter - heapBefore),
    peak_rss_mb: Math.round(peakMb),
    typed_mb: Math.round((index.typedBytes / 1048576) * 10) / 10,
    lookups_per_s: Math.round((n / lookupMs) * 1000),
    in_a_grid: found,
  }),
)
