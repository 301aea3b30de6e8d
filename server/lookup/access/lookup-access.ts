import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { type Kysely, sql } from 'kysely'
import type { Database } from '../../db/database.js'
import { AppError, requestLanguage } from '../../http/errors.js'
import { translate } from '../../i18n/index.js'
import { maskAddress } from '../../addresses/address-normalise.js'
import type { TokenClaims } from '../../auth/auth.plugin.js'
import { displayPrefix, touchApiKeys, type VerifiedApiKey, verifyApiKey } from '../../auth/api-keys.repository.js'
import { LookupBudget } from './lookup-budget.js'

// Department access to the lookup routes: registered inside the lookup routes' plugin,
// before its routes, it adds to that scope only
// - authentication by `X-API-Key: gwk_…` (verified against api_keys, cached briefly in memory) or
//   a JWT bearer; request.user gets TokenClaims (keys: sub 'apikey:<id>', role 'department');
// - a rate limit per key (the key's rate_limit_per_minute) or per account (LOOKUP_USER_RATE_LIMIT
//   per minute, default 600,000: staff are trusted, and the HTTP benchmark runs with a login);
//   a key's batch rows count against it too (chargeRows), an account's do not;
// - the access log (lookup_log): who, what (addresses masked, coordinates to 3 decimals), when,
//   result grid, status — buffered and written in batches, flushed on close;
// - request logging (pino) with the address masked and coordinates rounded in the URL.

const RATE_WINDOW_MS = 60_000
const LOG_BATCH = 500
const LOG_FLUSH_MS = 1000
const LOG_MAX_BUFFER = 100_000

export type LookupKind = 'point' | 'address' | 'batch'

export interface LookupNote {
  kind?: LookupKind
  /** Code of the grid answered (single lookups). */
  gridCode?: string | null
  /** Rows answered (batches). */
  rows?: number
}

// Per-request state lives on the request (decorated below), not in WeakMaps: set and read for
// every lookup, and WeakMap entries showed in the HTTP benchmark's profile.
declare module 'fastify' {
  interface FastifyInstance {
    /** Lookups per minute for a logged-in account (Config.lookupUserRateLimit), decorated by buildApp. */
    lookupUserRateLimit: number
  }
  interface FastifyRequest {
    lookupNote: LookupNote | null
    lookupApiKey: VerifiedApiKey | null
    /** Display prefix of an X-API-Key that failed verification (for the access log). */
    lookupKeyAttempted: string | null
  }
}

/** Tells the access log what a lookup route answered. */
export function noteLookup(request: FastifyRequest, note: LookupNote): void {
  request.lookupNote = request.lookupNote === null ? note : { ...request.lookupNote, ...note }
}

/** The API key that authenticated a request, if one did. */
export function apiKeyOf(request: FastifyRequest): VerifiedApiKey | undefined {
  return request.lookupApiKey ?? undefined
}

/** Rows a batch may send now; when not all, the API key's limit and the seconds until it refills. */
export interface RowsCharged {
  rows: number
  refused: { max: number; after: number } | null
}

export interface LookupAccess {
  /**
   * Charges rows a batch is about to send to the caller's per-minute budget, as many as fit
   * (API keys only; accounts are trusted staff and are not charged per row).
   */
  chargeRows(request: FastifyRequest, rows: number): RowsCharged
}

export async function registerLookupAccess(scope: FastifyInstance, options: { db: Kysely<Database> }): Promise<LookupAccess> {
  const { db } = options
  const userLimit = scope.lookupUserRateLimit
  scope.decorateRequest('lookupNote', null)
  scope.decorateRequest('lookupApiKey', null)
  scope.decorateRequest('lookupKeyAttempted', null)

  // No raw address or precise point in the request log lines of these routes.
  scope.addHook('onRoute', (route) => {
    route.logSerializers = { ...(route.logSerializers ?? {}), req: serializeMaskedRequest }
  })

  scope.addHook('onRequest', async (request) => {
    const header = request.headers['x-api-key']
    if (header !== undefined) {
      const value = (Array.isArray(header) ? (header[0] ?? '') : header).trim()
      const key = await verifyApiKey(db, value)
      if (!key) {
        request.lookupKeyAttempted = displayPrefix(value)
        throw new AppError(401, 'api_key_invalid')
      }
      request.lookupApiKey = key
      request.user = { sub: `apikey:${key.id}`, role: 'department', region_prefix: key.region_prefix, scope_name: key.scope_name }
      return
    }
    if (!request.headers.authorization) throw new AppError(401, 'lookup_unauthorized')
    await scope.authenticate(request)
  })

  // Runs after the hook above (route-level onRequest hooks follow the scope's), so it can key by
  // the caller rather than by IP address. Its counters are shared with the batch route's row charges.
  const budget = new LookupBudget()
  const callerOf = (request: FastifyRequest) => (request.user as TokenClaims | undefined)?.sub ?? request.ip
  await scope.register(rateLimit, {
    global: true,
    hook: 'onRequest',
    timeWindow: RATE_WINDOW_MS,
    store: budget.constructorForPlugin,
    keyGenerator: callerOf,
    max: (request) => request.lookupApiKey?.rate_limit_per_minute ?? userLimit,
    errorResponseBuilder: (request, context) => {
      const language = requestLanguage(request)
      return new AppError(429, 'rate_limited', {
        max: context.max,
        after: Math.max(1, Math.ceil(context.ttl / 1000)),
        who: translate(language, request.lookupApiKey !== null ? 'access.who.key' : 'access.who.user'),
      })
    },
  })

  const log = new AccessLog(db, scope)
  scope.addHook('onResponse', async (request, reply) => {
    log.push(entryFor(request, reply))
  })
  scope.addHook('onClose', async () => {
    await log.close()
  })

  return {
    chargeRows(request, rows) {
      const key = request.lookupApiKey
      if (key === null) return { rows, refused: null }
      const { charged, waitMs } = budget.charge(callerOf(request), rows, RATE_WINDOW_MS, key.rate_limit_per_minute)
      return { rows: charged, refused: waitMs === 0 ? null : { max: key.rate_limit_per_minute, after: Math.ceil(waitMs / 1000) } }
    },
  }
}

interface LogEntry {
  /** Epoch ms; turned into a timestamp at write time, off the request path. */
  at: number
  api_key_id: number | null
  username: string | null
  region_code: string
  kind: LookupKind
  query: string | null
  grid_code: string | null
  rows: number | null
  status: number
  ms: number
}

/** A coordinate as logged: 3 decimals (~100 m), or '?' when it is not a number. */
function round3(value: string | undefined): string {
  const n = Number(value)
  return value !== undefined && Number.isFinite(n) ? n.toFixed(3) : '?'
}

function textOf(query: Record<string, unknown>, key: string): string | undefined {
  const value = query[key]
  return typeof value === 'string' ? value : undefined
}

/** A lookup query as it may be stored: address masked, coordinates to 3 decimals (~100 m). */
export function maskLookupQuery(query: Record<string, unknown>): string | null {
  // Plain statements, no inner closures: this runs for every lookup (tsx wraps closures in a
  // naming helper that showed in the HTTP benchmark's profile).
  const address = textOf(query, 'address')
  if (address !== undefined && address.trim() !== '') return maskAddress(address.trim())
  const lng = textOf(query, 'lng')
  const lat = textOf(query, 'lat')
  if (lng === undefined && lat === undefined) return null
  const crs = textOf(query, 'crs')
  const asOf = textOf(query, 'as_of')
  return `${round3(lng)},${round3(lat)}${crs ? ` ${crs.slice(0, 10)}` : ''}${asOf ? ` as_of ${asOf.slice(0, 10)}` : ''}`
}

const NO_NOTE: LookupNote = {}

function entryFor(request: FastifyRequest, reply: FastifyReply): LogEntry {
  const user = request.user as TokenClaims | undefined
  const key = request.lookupApiKey
  const attemptedKey = request.lookupKeyAttempted
  const note = request.lookupNote ?? NO_NOTE
  const query = (request.query ?? {}) as Record<string, unknown>
  const batch = request.routeOptions.url?.endsWith('/batch') ?? false
  const kind: LookupKind = note.kind ?? (batch ? 'batch' : typeof query.address === 'string' && query.address.trim() !== '' ? 'address' : 'point')
  return {
    at: Date.now(),
    api_key_id: key?.id ?? null,
    username: key ? null : (user?.sub ?? (attemptedKey !== null ? `invalid-key:${attemptedKey}` : 'anonymous')),
    region_code: user?.region_prefix ?? '',
    kind,
    query: maskLookupQuery(query),
    grid_code: note.gridCode ?? null,
    rows: note.rows ?? null,
    status: reply.statusCode,
    ms: Math.round(reply.elapsedTime * 100) / 100,
  }
}

/** Buffers log entries and writes them in one INSERT per batch, off the request path. */
class AccessLog {
  private buffer: LogEntry[] = []
  private timer: NodeJS.Timeout | undefined
  private writing: Promise<void> = Promise.resolve()
  private dropped = 0

  constructor(
    private readonly db: Kysely<Database>,
    private readonly scope: FastifyInstance,
  ) {}

  push(entry: LogEntry): void {
    if (this.buffer.length >= LOG_MAX_BUFFER) {
      // The database is not keeping up (or is down): keep the newest, count the rest.
      this.buffer.shift()
      this.dropped++
    }
    this.buffer.push(entry)
    if (this.buffer.length >= LOG_BATCH) void this.flush()
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), LOG_FLUSH_MS)
      this.timer.unref()
    }
  }

  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer)
      this.timer = undefined
    }
    const entries = this.buffer
    if (entries.length === 0) return this.writing
    this.buffer = []
    this.writing = this.writing.then(() => this.write(entries))
    return this.writing
  }

  private async write(entries: LogEntry[]): Promise<void> {
    try {
      // One array per column through unnest: a quarter cheaper than json_to_recordset on PGlite,
      // where this insert runs on the server's own thread.
      const column = <K extends keyof LogEntry>(key: K) => entries.map((e) => e[key])
      await sql`
        INSERT INTO lookup_log (at, api_key_id, username, region_code, kind, query, grid_code, rows, status, ms)
        SELECT to_timestamp(at / 1000.0), api_key_id, username, region_code, kind, query, grid_code, rows, status, ms
        FROM unnest(${column('at')}::float8[], ${column('api_key_id')}::bigint[], ${column('username')}::text[],
                    ${column('region_code')}::text[], ${column('kind')}::text[], ${column('query')}::text[],
                    ${column('grid_code')}::text[], ${column('rows')}::int[], ${column('status')}::smallint[], ${column('ms')}::real[])
          AS e(at, api_key_id, username, region_code, kind, query, grid_code, rows, status, ms)`.execute(this.db)
      const keyIds = [...new Set(entries.map((e) => e.api_key_id).filter((id): id is number => id !== null))]
      await touchApiKeys(this.db, keyIds)
      if (this.dropped > 0) {
        this.scope.log.warn({ dropped: this.dropped }, 'lookup access log: entries dropped while the database lagged')
        this.dropped = 0
      }
    } catch (error) {
      this.scope.log.error({ err: error, entries: entries.length }, 'lookup access log: write failed')
    }
  }

  async close(): Promise<void> {
    await this.flush()
  }
}

/** pino's request serializer for the lookup routes, with the query masked like the access log. */
export function serializeMaskedRequest(request: FastifyRequest) {
  return {
    method: request.method,
    url: maskUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  }
}

/** /lookup?address=示范县…12号&lng=113.0123456 → /lookup?address=示范县…**号&lng=113.012 */
export function maskUrl(url: string): string {
  const at = url.indexOf('?')
  if (at < 0) return url
  const params = new URLSearchParams(url.slice(at + 1))
  const parts: string[] = []
  for (const [name, value] of params) {
    if (name === 'address') parts.push(`address=${maskAddress(value)}`)
    else if (name === 'lng' || name === 'lat') parts.push(`${name}=${round3(value)}`)
    else parts.push(`${name}=${value.slice(0, 40)}`)
  }
  return `${url.slice(0, at)}?${parts.join('&')}`
}
