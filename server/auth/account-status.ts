import type { Db } from '../db/database.js'
import type { Role } from '../db/database.js'

// What a token's account is now: whether it exists, is active, and still has the role and scope
// the token was signed with. Asked on every authenticated request, so answers are kept for
// ACCOUNT_TTL_MS: a deleted, disabled or re-scoped account is refused within that time on every
// node (at once on this node when the change goes through `forget`). Concurrent misses for one
// account share one query; at most MAX_ACCOUNTS answers are kept, the least recently checked first out.

export const ACCOUNT_TTL_MS = 5_000
export const MAX_ACCOUNTS = 10_000

export interface AccountStatus {
  role: Role
  region_prefix: string
  disabled: boolean
}

interface Entry {
  status: AccountStatus | null
  until: number
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
    return this.loading.get(username) ?? this.load(username)
  }

  /** Drops what is known of an account (after changing it), so the next request asks the database. */
  forget(username: string): void {
    this.entries.delete(username)
  }

  private load(username: string): Promise<AccountStatus | null> {
    const started = this.now()
    const loaded = this.db
      .selectFrom('users')
      .select(['role', 'region_prefix', 'disabled'])
      .where('username', '=', username)
      .executeTakeFirst()
      .then((row) => {
        const status = row ?? null
        this.entries.delete(username)
        this.entries.set(username, { status, until: started + this.ttlMs })
        if (this.entries.size > MAX_ACCOUNTS) this.entries.delete(this.entries.keys().next().value as string)
        return status
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
