import { withQueryTimeout } from '../db/bounded-pool.js'
import type { Db } from '../db/database.js'
import type { Role } from '../db/database.js'
import { isDatabaseUnavailable } from '../db/unavailable.js'

// What a token's account is now: whether it exists, is active, and still has the role and scope
// the token was signed with. Asked on every authenticated request, so answers are kept for
// ACCOUNT_TTL_MS: a deleted, disabled or re-scoped account is refused within that time on every
// node (at once on this node when the change goes through `forget`). Concurrent misses for one
// account share one query; at most MAX_ACCOUNTS answers are kept, the least recently checked first out.
//
// While the database cannot be reached (STALE_WHILE_UNAVAILABLE: an account cannot be changed
// then, except from a node that still reaches it), the last answer is kept for up to
// STALE_LIMIT_MS: only the first check that finds the database gone waits for it (at most
// CHECK_BOUND_MS per statement, then the connection bound); later requests get the last answer at
// once while one check at a time asks again in the background. So lookups, answered from memory,
// keep answering through a database outage.

export const ACCOUNT_TTL_MS = 5_000
export const MAX_ACCOUNTS = 10_000
/** How long the last answer stands in while the database cannot be reached. */
export const STALE_LIMIT_MS = 10 * 60_000
/** Bound of the account check's statement (a silent database would otherwise hold it DATABASE_QUERY_TIMEOUT_MS). */
export const CHECK_BOUND_MS = 1_000

export interface AccountStatus {
  role: Role
  region_prefix: string
  disabled: boolean
}

interface Entry {
  status: AccountStatus | null
  until: number
  /** Set while the database cannot be reached: since when the answer has not been confirmed. */
  unreachableSince?: number
}

export class AccountStatusCache {
  private readonly entries = new Map<string, Entry>()
  private readonly loading = new Map<string, Promise<AccountStatus | null>>()

  constructor(
    private readonly db: Db,
    private readonly ttlMs = ACCOUNT_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** The account's status (null: no such account), from memory when checked within the TTL. */
  get(username: string): AccountStatus | null | Promise<AccountStatus | null> {
    const entry = this.entries.get(username)
    if (entry !== undefined && entry.until > this.now()) return entry.status
    if (entry?.unreachableSince !== undefined && this.now() - entry.unreachableSince < STALE_LIMIT_MS) {
      if (!this.loading.has(username)) this.load(username).catch(() => undefined)
      return entry.status
    }
    return this.loading.get(username) ?? this.load(username)
  }

  /** Drops what is known of an account (after changing it), so the next request asks the database. */
  forget(username: string): void {
    this.entries.delete(username)
  }

  private load(username: string): Promise<AccountStatus | null> {
    const started = this.now()
    const previous = this.entries.get(username)
    const loaded = withQueryTimeout(CHECK_BOUND_MS, () =>
      this.db.selectFrom('users').select(['role', 'region_prefix', 'disabled']).where('username', '=', username).executeTakeFirst(),
    )
      .then((row) => {
        const status = row ?? null
        this.entries.delete(username)
        this.entries.set(username, { status, until: started + this.ttlMs })
        if (this.entries.size > MAX_ACCOUNTS) this.entries.delete(this.entries.keys().next().value as string)
        return status
      })
      .catch((error: unknown) => {
        const since = previous?.unreachableSince ?? started
        if (previous === undefined || !isDatabaseUnavailable(error) || this.now() - since >= STALE_LIMIT_MS) throw error
        this.entries.set(username, { status: previous.status, until: 0, unreachableSince: since })
        return previous.status
      })
      .finally(() => this.loading.delete(username))
    this.loading.set(username, loaded)
    return loaded
  }
}

/** Whether a token's claims still hold for the account as it is now. */
export function claimsHold(claims: { role: string; region_prefix: string }, status: AccountStatus | null): boolean {
  return status !== null && !status.disabled && status.role === claims.role && status.region_prefix === claims.region_prefix
}
