import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Kysely } from 'kysely'
import { maskAddress } from '../../addresses/address-normalise.js'
import type { TokenClaims } from '../../auth/auth.plugin.js'
import { touchApiKeys } from '../../auth/api-keys.repository.js'
import type { Database } from '../../db/database.js'
import { insertLookupLog, type LookupLogEntry } from './lookup-log.repository.js'

// The lookup access log and request logging: who, what (addresses masked, coordinates to
// 3 decimals), when, result grid, status — buffered and written to lookup_log in batches, flushed
// on close; pino's request lines get the same masking in the URL.

const LOG_BATCH = 500
const LOG_FLUSH_MS = 1000
const LOG_MAX_BUFFER = 100_000

export type LookupKind = LookupLogEntry['kind']

export interface LookupNote {
  kind?: LookupKind
  /** Code of the grid answered (single lookups). */
  gridCode?: string | null
  /** Rows answered (batches). */
  rows?: number
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

export function entryFor(request: FastifyRequest, reply: FastifyReply): LookupLogEntry {
  const user = request.user as TokenClaims | undefined
  const key = request.lookupApiKey
  const attemptedKey = request.lookupKeyAttempted
  const note = request.lookupNote ?? NO_NOTE
  const query = (request.query ?? {}) as Record<string, unknown>
  const batch = request.routeOptions.url?.endsWith('/batch') ?? false
  const kind: LookupKind =
    note.kind ?? (batch ? 'batch' : typeof query.address === 'string' && query.address.trim() !== '' ? 'address' : 'point')
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
export class AccessLog {
  private buffer: LookupLogEntry[] = []
  private timer: NodeJS.Timeout | undefined
  private writing: Promise<void> = Promise.resolve()
  private dropped = 0

  constructor(
    private readonly db: Kysely<Database>,
    private readonly scope: FastifyInstance,
  ) {}

  push(entry: LookupLogEntry): void {
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

  private async write(entries: LookupLogEntry[]): Promise<void> {
    try {
      await insertLookupLog(this.db, entries)
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
