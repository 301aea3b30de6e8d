import type { FastifyBaseLogger } from 'fastify'
import { recordAudit } from '../audit/audit.repository.js'
import type { Db } from '../db/database.js'

// Failed logins in the audit log, bounded: a burst of failures for one username from one address
// within BURST_MS writes at most two rows — the first failure at once (count 1), and when the
// burst is over, one row with how many more failures and refused attempts (during a lock-out)
// followed. The counts of a username's login_failed rows add up to its failed attempts. Bursts are
// kept in memory (at most MAX_BURSTS; the oldest is written out to make room) and written when
// their window has passed (checked every minute), on the next failure after it, and on close.

export const BURST_MS = 15 * 60_000
export const MAX_BURSTS = 10_000
const SWEEP_MS = 60_000

interface Burst {
  username: string
  address: string
  firstAt: number
  lastAt: number
  /** Failures after the first. */
  more: number
  /** Attempts refused during a lock-out. */
  refused: number
}

export class FailedLoginAudit {
  private readonly bursts = new Map<string, Burst>()
  private readonly timer: NodeJS.Timeout
  private writing: Promise<void> = Promise.resolve()

  constructor(
    private readonly db: Db,
    private readonly log: FastifyBaseLogger,
    private readonly now: () => number = Date.now,
  ) {
    this.timer = setInterval(() => void this.sweep(), SWEEP_MS)
    this.timer.unref()
  }

  /** A wrong password (or unknown or disabled account). Resolves when a first row is written. */
  async failed(username: string, address: string): Promise<void> {
    const burst = this.open(username, address)
    if (burst !== undefined) {
      burst.more++
      burst.lastAt = this.now()
      return
    }
    const now = this.now()
    this.remember({ username, address, firstAt: now, lastAt: now, more: 0, refused: 0 })
    await this.write(username, { address, count: 1, refused: 0, first_at: new Date(now).toISOString() })
  }

  /** An attempt refused by the throttle: counted in its burst, or a burst of its own. */
  refused(username: string, address: string): void {
    const now = this.now()
    const burst = this.open(username, address) ?? this.remember({ username, address, firstAt: now, lastAt: now, more: 0, refused: 0 })
    burst.refused++
    burst.lastAt = now
  }

  /** Writes out every burst whose window has passed (all of them with `all`). */
  sweep(all = false): Promise<void> {
    const now = this.now()
    for (const [key, burst] of this.bursts) {
      if (all || now - burst.firstAt >= BURST_MS) this.close(key, burst)
    }
    return this.writing
  }

  async stop(): Promise<void> {
    clearInterval(this.timer)
    await this.sweep(true)
  }

  /** The burst of this username and address still within its window (an older one is written out). */
  private open(username: string, address: string): Burst | undefined {
    const key = `${username}\u0000${address}`
    const burst = this.bursts.get(key)
    if (burst === undefined) return undefined
    if (this.now() - burst.firstAt < BURST_MS) return burst
    this.close(key, burst)
    return undefined
  }

  private remember(burst: Burst): Burst {
    this.bursts.set(`${burst.username}\u0000${burst.address}`, burst)
    if (this.bursts.size > MAX_BURSTS) {
      const [oldestKey, oldest] = this.bursts.entries().next().value as [string, Burst]
      this.close(oldestKey, oldest)
    }
    return burst
  }

  private close(key: string, burst: Burst): void {
    this.bursts.delete(key)
    if (burst.more === 0 && burst.refused === 0) return
    const after = {
      address: burst.address,
      count: burst.more,
      refused: burst.refused,
      first_at: new Date(burst.firstAt).toISOString(),
      last_at: new Date(burst.lastAt).toISOString(),
    }
    void this.write(burst.username, after)
  }

  private write(username: string, after: Record<string, unknown>): Promise<void> {
    const written = this.writing.then(() =>
      recordAudit(
        this.db,
        { username, role: 'anonymous', region_prefix: '' },
        { action: 'login_failed', entity: 'user', entityId: username, after },
      ).catch((error: unknown) => this.log.error({ err: error }, 'audit: failed-login row not written')),
    )
    this.writing = written
    return written
  }
}
