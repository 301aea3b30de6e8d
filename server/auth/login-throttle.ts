// Login throttling, per account and per client address, in this process's memory.
//
// Each key (a username as typed, known or not, or an address) counts its failed logins. The first
// `freeFailures` cost nothing; every failure after that locks the key for `baseLockMs` doubled per
// extra failure, up to `maxLockMs`. While a key is locked every login for it is refused before the
// password is looked at — the right password too. A key is forgotten `forgetMs` after its last lock
// ended (or its last failure); a successful login clears its account's count (not its address's,
// or one's own account would reset the address between guesses at others).
//
// Attempts still being verified count as well: without that, a hundred guesses sent at once would
// all pass the check before the first failure is recorded. A key admits at most its remaining free
// failures in flight, and one at a time once they are used up.
//
// Memory is bounded: each map keeps at most `maxKeys` keys, the least recently used one going first.
// State is per process (an attacker spreading guesses over N API nodes gets N times the budget);
// a table shared by the nodes would be the next step when there are several.

export interface ThrottleRule {
  freeFailures: number
  baseLockMs: number
  maxLockMs: number
  forgetMs: number
}

/** 5 free failures, then 15 s, 30 s, 1 min … up to 15 min per further failure. */
export const ACCOUNT_RULE: ThrottleRule = { freeFailures: 5, baseLockMs: 15_000, maxLockMs: 15 * 60_000, forgetMs: 15 * 60_000 }
/** An address is often a whole office behind one NAT: 20 free failures, then the same. */
export const ADDRESS_RULE: ThrottleRule = { freeFailures: 20, baseLockMs: 15_000, maxLockMs: 15 * 60_000, forgetMs: 15 * 60_000 }
export const MAX_KEYS = 10_000

interface Counter {
  failures: number
  inFlight: number
  lockedUntil: number
  forgetAt: number
}

class Counters {
  private readonly counters = new Map<string, Counter>()

  constructor(
    private readonly rule: ThrottleRule,
    private readonly maxKeys: number,
  ) {}

  get size(): number {
    return this.counters.size
  }

  /** Milliseconds until `key` may try again (0: now). */
  wait(key: string, now: number): number {
    const counter = this.current(key, now)
    if (counter === undefined) return 0
    if (counter.lockedUntil > now) return counter.lockedUntil - now
    // Room for the remaining free failures in flight, then one at a time.
    if (counter.inFlight >= Math.max(1, this.rule.freeFailures - counter.failures)) return 1000
    return 0
  }

  begin(key: string, now: number): void {
    const counter = this.current(key, now) ?? { failures: 0, inFlight: 0, lockedUntil: 0, forgetAt: 0 }
    counter.inFlight++
    this.touch(key, counter)
  }

  end(key: string, outcome: LoginOutcome, now: number, clearOnSuccess: boolean): void {
    const counter = this.counters.get(key)
    if (counter === undefined) return
    counter.inFlight = Math.max(0, counter.inFlight - 1)
    if (outcome === 'failed') {
      counter.failures++
      const over = counter.failures - this.rule.freeFailures
      if (over >= 0) counter.lockedUntil = now + Math.min(this.rule.baseLockMs * 2 ** over, this.rule.maxLockMs)
      counter.forgetAt = Math.max(counter.lockedUntil, now) + this.rule.forgetMs
    } else if (outcome === 'succeeded' && clearOnSuccess) {
      counter.failures = 0
      counter.lockedUntil = 0
      counter.forgetAt = now
    }
    if (counter.failures === 0 && counter.inFlight === 0) this.counters.delete(key)
  }

  private current(key: string, now: number): Counter | undefined {
    const counter = this.counters.get(key)
    if (counter !== undefined && counter.inFlight === 0 && counter.forgetAt <= now) {
      this.counters.delete(key)
      return undefined
    }
    return counter
  }

  private touch(key: string, counter: Counter): void {
    // Re-inserting moves the key to the end: the first key is always the least recently used.
    this.counters.delete(key)
    this.counters.set(key, counter)
    if (this.counters.size > this.maxKeys) this.counters.delete(this.counters.keys().next().value as string)
  }
}

export type LoginOutcome = 'failed' | 'succeeded' | 'aborted'

export interface ThrottleOptions {
  account?: ThrottleRule
  address?: ThrottleRule
  maxKeys?: number
  now?: () => number
}

export class LoginThrottle {
  private readonly accounts: Counters
  private readonly addresses: Counters
  private readonly now: () => number

  constructor(options: ThrottleOptions = {}) {
    this.accounts = new Counters(options.account ?? ACCOUNT_RULE, options.maxKeys ?? MAX_KEYS)
    this.addresses = new Counters(options.address ?? ADDRESS_RULE, options.maxKeys ?? MAX_KEYS)
    this.now = options.now ?? Date.now
  }

  /**
   * Starts a login attempt: the whole seconds to wait when it is refused (the account or the address
   * is locked), or 0 when it may go on — then `end` must follow, whatever happens.
   */
  begin(username: string, address: string): number {
    const now = this.now()
    const wait = Math.max(this.accounts.wait(username, now), this.addresses.wait(address, now))
    if (wait > 0) return Math.ceil(wait / 1000)
    this.accounts.begin(username, now)
    this.addresses.begin(address, now)
    return 0
  }

  end(username: string, address: string, outcome: LoginOutcome): void {
    const now = this.now()
    this.accounts.end(username, outcome, now, true)
    this.addresses.end(address, outcome, now, false)
  }

  /** Keys held (accounts, addresses): bounded by maxKeys each. */
  get size(): { accounts: number; addresses: number } {
    return { accounts: this.accounts.size, addresses: this.addresses.size }
  }
}
