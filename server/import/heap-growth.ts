import v8 from 'node:v8'

// A county-sized import keeps its features alive (~450 MB for 100,000 grids) while each
// township's draft makes a few megabytes of short-lived strings and buffers. By default V8 lets
// the heap grow to about twice what the last full collection kept before it collects again, so
// the process peaked at ~1.7 GB. While an import runs, the heap may grow by at most
// IMPORT_HEAP_GROWTH_PERCENT past that instead: full collections come sooner (more CPU on the
// collector's threads, +~0.5 s of 14 s) and the peak stays under 1.5 GB (docs/bench.md). V8 reads
// the flag each time it sets the next limit; 0 gives the choice back to V8.

const IMPORT_HEAP_GROWTH_PERCENT = 40

let running = 0

/** Runs `work` with the heap's growth between full collections held to IMPORT_HEAP_GROWTH_PERCENT. */
export async function withImportHeapGrowth<T>(work: () => Promise<T>): Promise<T> {
  if (running++ === 0) v8.setFlagsFromString(`--heap-growing-percent=${IMPORT_HEAP_GROWTH_PERCENT}`)
  try {
    return await work()
  } finally {
    if (--running === 0) v8.setFlagsFromString('--heap-growing-percent=0')
  }
}
