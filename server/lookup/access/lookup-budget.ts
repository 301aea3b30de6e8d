import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit'

// The lookup rate limit's counters, one fixed window per caller, shared by @fastify/rate-limit
// (one unit per request) and the batch route (one unit per row answered, charged a chunk of rows
// at a time). So an API key's per-minute budget is spent by rows, whether they come one per
// request or a million in one batch. In this process's memory, like @fastify/rate-limit's own
// store: at most MAX_CALLERS windows, the least recently used one dropped first.

export const MAX_CALLERS = 5_000

interface Window {
  used: number
  start: number
}

type Result = { current: number; ttl: number }

export class LookupBudget implements FastifyRateLimitStore {
  private readonly windows = new Map<string, Window>()

  constructor(
    private readonly maxCallers = MAX_CALLERS,
    private readonly now: () => number = Date.now,
  ) {}

  /** One request (called by @fastify/rate-limit). */
  incr(key: string, callback: (error: Error | null, result?: Result) => void, timeWindow: number): void {
    const now = this.now()
    const window = this.window(key, timeWindow, now)
    window.used++
    callback(null, { current: window.used, ttl: window.start + timeWindow - now })
  }

  /** The window as it is, unchanged (called by @fastify/rate-limit for `increment: false`). */
  read(key: string, callback: (error: Error | null, result?: Result) => void, timeWindow: number): void {
    const now = this.now()
    const window = this.windows.get(key)
    if (window === undefined || window.start + timeWindow <= now) callback(null, { current: 0, ttl: 0 })
    else callback(null, { current: window.used, ttl: window.start + timeWindow - now })
  }

  /** Routes share this one store: there are no per-route limits in the lookup scope. */
  child(): FastifyRateLimitStore {
    return this
  }

  /**
   * Charges up to `units` to the caller's window, as many as fit under `max`: how many were charged,
   * and (when not all of them) the milliseconds until the window starts afresh.
   */
  charge(key: string, units: number, timeWindow: number, max: number): { charged: number; waitMs: number } {
    const now = this.now()
    const window = this.window(key, timeWindow, now)
    const charged = Math.max(0, Math.min(units, max - window.used))
    window.used += charged
    return { charged, waitMs: charged === units ? 0 : Math.max(1, window.start + timeWindow - now) }
  }

  /** For @fastify/rate-limit's `store` option, which constructs the store itself: hands it this one. */
  get constructorForPlugin(): FastifyRateLimitStoreCtor {
    const store = this
    return class {
      constructor() {
        // biome-ignore lint/correctness/noConstructorReturn: the plugin must use this shared instance
        return store
      }
    } as unknown as FastifyRateLimitStoreCtor
  }

  private window(key: string, timeWindow: number, now: number): Window {
    let window = this.windows.get(key)
    if (window === undefined || window.start + timeWindow <= now) window = { used: 0, start: now }
    // Re-inserting keeps the least recently used caller first, to be dropped when full.
    this.windows.delete(key)
    this.windows.set(key, window)
    if (this.windows.size > this.maxCallers) this.windows.delete(this.windows.keys().next().value as string)
    return window
  }
}
