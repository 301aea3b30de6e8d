import { createHash, randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import { withQueryTimeout } from '../db/bounded-pool.js'
import type { Database } from '../db/database.js'
import { isDatabaseUnavailable } from '../db/unavailable.js'
import { codeOfPrefix } from '../regions/region-codes.js'
import { findRegionName } from '../regions/regions.repository.js'

// Department API keys: "gwk_" + 32 base62 characters (190 random bits). Only the SHA-256 of a key
// is stored — a slow hash (scrypt) protects guessable passwords, not random keys, and would cost
// each uncached lookup milliseconds. Verified keys are cached in memory for a short while so the
// lookup hot path does not query the database on every request.

export const API_KEY_PREFIX = 'gwk_'
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
const KEY_LENGTH = 32
const KEY_PATTERN = /^gwk_[0-9A-Za-z]{32}$/

/** A new random key (rejection sampling keeps base62 uniform). */
export function generateApiKey(): string {
  let out = ''
  while (out.length < KEY_LENGTH) {
    for (const byte of randomBytes(48)) {
      if (byte < 248 && out.length < KEY_LENGTH) out += BASE62[byte % 62]
    }
  }
  return API_KEY_PREFIX + out
}

export const hashApiKey = (key: string) => createHash('sha256').update(key).digest('hex')
/** What lists show of a key: enough to tell keys apart, useless to an attacker. */
export const displayPrefix = (key: string) => key.slice(0, API_KEY_PREFIX.length + 4)

export interface ApiKeyView {
  id: number
  name: string
  department: string
  key_prefix: string
  region_prefix: string
  rate_limit_per_minute: number
  created_by: string
  created_at: string
  revoked_at: string | null
  revoked_by: string | null
  last_used_at: string | null
}

const COLUMNS = [
  'id',
  'name',
  'department',
  'key_prefix',
  'region_prefix',
  'rate_limit_per_minute',
  'created_by',
  'created_at',
  'revoked_at',
  'revoked_by',
  'last_used_at',
] as const

const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString())

/** A key row as the database gives it: the view with timestamps as Dates. */
type ApiKeyRow = Omit<ApiKeyView, 'created_at' | 'revoked_at' | 'last_used_at'> & {
  created_at: Date
  revoked_at: Date | null
  last_used_at: Date | null
}

function view(row: ApiKeyRow): ApiKeyView {
  return {
    ...row,
    created_at: iso(row.created_at) as string,
    revoked_at: iso(row.revoked_at),
    last_used_at: iso(row.last_used_at),
  }
}

export interface NewApiKey {
  name: string
  department: string
  region_prefix: string
  rate_limit_per_minute: number
  created_by: string
}

/** Stores a new key; returns the key itself (shown once) and its view. */
export async function insertApiKey(db: Kysely<Database>, input: NewApiKey): Promise<{ key: string; view: ApiKeyView }> {
  const key = generateApiKey()
  const row = await db
    .insertInto('api_keys')
    .values({ ...input, key_hash: hashApiKey(key), key_prefix: displayPrefix(key) })
    .returning(COLUMNS)
    .executeTakeFirstOrThrow()
  return { key, view: view(row) }
}

/** Keys whose region lies within `scope`, newest first. */
export async function listApiKeys(db: Kysely<Database>, scope: string): Promise<ApiKeyView[]> {
  const rows = await db.selectFrom('api_keys').select(COLUMNS).where('region_prefix', 'like', `${scope}%`).orderBy('id', 'desc').execute()
  return rows.map(view)
}

export async function findApiKey(db: Kysely<Database>, id: number): Promise<ApiKeyView | undefined> {
  const row = await db.selectFrom('api_keys').select(COLUMNS).where('id', '=', id).executeTakeFirst()
  return row ? view(row) : undefined
}

/** Revokes a key (a revoked key keeps its first revocation); call forgetApiKeys after commit. */
export async function revokeApiKey(db: Kysely<Database>, id: number, by: string): Promise<ApiKeyView | undefined> {
  await db
    .updateTable('api_keys')
    .set({ revoked_at: new Date(), revoked_by: by })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .execute()
  return findApiKey(db, id)
}

/** Records use of keys (called from the access log's batched flush, not per request). */
export async function touchApiKeys(db: Kysely<Database>, ids: number[]): Promise<void> {
  if (ids.length === 0) return
  await db.updateTable('api_keys').set({ last_used_at: new Date() }).where('id', 'in', ids).execute()
}

export interface VerifiedApiKey {
  id: number
  name: string
  department: string
  region_prefix: string
  rate_limit_per_minute: number
  /** Name of the key's region ('' for all regions). */
  scope_name: string
}

// A verified key is trusted for 30 s; a revocation in this process takes effect at once (the
// cache is cleared), on other API nodes within that time. Unknown keys are remembered for 5 s so
// a client retrying a bad key does not reach the database on every request.
// While the database cannot be reached, a key verified before stays verified for up to
// STALE_KEY_LIMIT_MS (it cannot be revoked meanwhile, except from a node that still reaches the
// database): lookups, answered from memory, keep answering. One check at a time asks again;
// the others are answered with the last verdict at once.
const VALID_TTL_MS = 30_000
const INVALID_TTL_MS = 5_000
const MAX_CACHED = 10_000
const STALE_KEY_LIMIT_MS = 10 * 60_000
/** Bound of each statement of a key check (a silent database would otherwise hold it DATABASE_QUERY_TIMEOUT_MS). */
const KEY_CHECK_BOUND_MS = 1_000
interface CachedKey {
  until: number
  key: VerifiedApiKey | null
  /** Set while the database cannot be reached: since when the verdict has not been confirmed. */
  unreachableSince?: number
  checking?: boolean
}
const keyCache = new WeakMap<object, Map<string, CachedKey>>()

/** The active key for `key`, or null when it is malformed, unknown or revoked. */
export async function verifyApiKey(db: Kysely<Database>, key: string, now = Date.now()): Promise<VerifiedApiKey | null> {
  if (!KEY_PATTERN.test(key)) return null
  let cache = keyCache.get(db)
  if (!cache) {
    cache = new Map()
    keyCache.set(db, cache)
  }
  // Keyed by the key itself (held only in this process's memory, like the request): a hit costs
  // no hashing.
  const hit = cache.get(key)
  if (hit && hit.until > now) return hit.key
  if (hit?.unreachableSince !== undefined && now - hit.unreachableSince < STALE_KEY_LIMIT_MS) {
    if (!hit.checking) {
      hit.checking = true
      checkApiKey(db, cache, key, hit, now).catch(() => {
        hit.checking = false
      })
    }
    return hit.key
  }
  return checkApiKey(db, cache, key, hit, now)
}

/** Asks the database about `key` and caches the verdict; the last one stands while the database cannot be reached. */
async function checkApiKey(db: Kysely<Database>, cache: Map<string, CachedKey>, key: string, previous: CachedKey | undefined, now: number) {
  try {
    const verified = await withQueryTimeout(KEY_CHECK_BOUND_MS, async () => {
      const row = await db
        .selectFrom('api_keys')
        .select(['id', 'name', 'department', 'region_prefix', 'rate_limit_per_minute'])
        .where('key_hash', '=', hashApiKey(key))
        .where('revoked_at', 'is', null)
        .executeTakeFirst()
      if (!row) return null
      return {
        ...row,
        scope_name: row.region_prefix ? ((await findRegionName(db, codeOfPrefix(row.region_prefix))) ?? row.region_prefix) : '',
      }
    })
    if (cache.size >= MAX_CACHED) cache.clear()
    cache.set(key, { until: now + (verified ? VALID_TTL_MS : INVALID_TTL_MS), key: verified })
    return verified
  } catch (error) {
    const since = previous?.unreachableSince ?? now
    if (previous === undefined || !isDatabaseUnavailable(error) || now - since >= STALE_KEY_LIMIT_MS) throw error
    cache.set(key, { until: 0, key: previous.key, unreachableSince: since })
    return previous.key
  }
}

/** Drops cached keys (after a revocation). */
export function forgetApiKeys(db: Kysely<Database>): void {
  keyCache.delete(db)
}
