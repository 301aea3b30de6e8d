import v8 from 'node:v8'
import vm from 'node:vm'
import { openDatabase } from '../../server/db/connect.js'
import { loadIndex } from '../../server/lookup/index/index-holder.js'

// Run by scripts/bench/national.ts (NATIONAL_LOAD_ALL=1) in a child process, so that its peak
// memory is the load's own:
//   node --import tsx --max-old-space-size=N scripts/bench/national-load-child.ts SEARCH_PATH
// Loads every grid of the study layout through the server's loadIndex() — one index for the whole
// partitioned table, as one API node serving all provinces from one index would — and prints time,
// RSS after GC before and after, and the peak RSS, as one JSON object.

const gc: () => void = (() => {
  v8.setFlagsFromString('--expose-gc')
  return vm.runInNewContext('gc') as () => void
})()
const rssMb = () => {
  gc()
  gc()
  return process.memoryUsage().rss / 1048576
}

const url = process.env.DATABASE_URL?.trim()
if (!url) throw new Error('DATABASE_URL is not set')
const handle = await openDatabase({ databaseUrl: url, searchPath: process.argv[2] as string })
try {
  const before = rssMb()
  const started = performance.now()
  const cpu = process.cpuUsage()
  const loaded = await loadIndex(handle.kysely)
  const ms = performance.now() - started
  const used = process.cpuUsage(cpu)
  const after = rssMb()
  console.log(
    JSON.stringify({
      grids: loaded.index.size,
      vertices: loaded.index.vertexCount,
      ms: Math.round(ms),
      // This process's CPU (reading the rows, building): on a shared machine a steadier figure than the wall time.
      cpu_ms: Math.round((used.user + used.system) / 1000),
      rss_before_mb: Math.round(before),
      rss_after_mb: Math.round(after),
      rss_delta_mb: Math.round(after - before),
      peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
      js_heap_mb: Math.round(process.memoryUsage().heapUsed / 1048576),
    }),
  )
} finally {
  await handle.close()
}
