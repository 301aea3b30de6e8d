import { setImmediate as nextTurn } from 'node:timers/promises'
import { WORK_SLICE_MS } from '../http/limits.js'

// Long JS loops over features and vertices (structure checks, validity proofs, edge matching) run
// in slices: after WORK_SLICE_MS of work they hand the thread back (setImmediate, so sockets are
// read and other requests, /health and lookups run) before going on. An aborted signal (the
// client went away) stops the work at the next slice.

export class Slices {
  private sliceStart = performance.now()

  constructor(private readonly signal?: AbortSignal) {}

  /** Call often inside a loop: yields once the current slice has run WORK_SLICE_MS. */
  async pause(): Promise<void> {
    this.signal?.throwIfAborted()
    if (performance.now() - this.sliceStart >= WORK_SLICE_MS) await this.yield()
  }

  /** Yields now (e.g. before a PostGIS statement on PGlite, which runs on this thread). */
  async yield(): Promise<void> {
    await nextTurn()
    this.signal?.throwIfAborted()
    this.sliceStart = performance.now()
  }
}
