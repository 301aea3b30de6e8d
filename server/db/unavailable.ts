// Which database errors mean "the database is not there for a moment" rather than "this request
// is wrong": they become 503 database_unavailable with Retry-After (server/http/errors.ts), never
// a 500, and a replica failing with one of them is skipped for a while (replica-reader.ts).
// A transaction cut by one of them is rolled back by PostgreSQL (its backend ends, or it never
// committed), so the request saved nothing.

/** Seconds a client is told to wait (Retry-After) before retrying after database_unavailable. */
export const DATABASE_RETRY_AFTER_S = 5

/** Node socket errors of a connection that could not be made or was cut. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
])

/**
 * PostgreSQL SQLSTATEs: 57P01 admin_shutdown (a fast stop, pg_terminate_backend), 57P02
 * crash_shutdown, 57P03 cannot_connect_now (starting up, shutting down, in recovery), 25006
 * read_only_sql_transaction (a write reached a standby: after a failover, before the proxy
 * follows). Class 08 (connection exceptions) is matched by prefix.
 */
const SQLSTATES = new Set(['57P01', '57P02', '57P03', '25006'])

/** The error the bounded pool throws when a statement outlives DATABASE_QUERY_TIMEOUT_MS. */
export const QUERY_TIMEOUT_CODE = 'GRIDWORK_QUERY_TIMEOUT'

/** Messages of node-postgres (pg, pg-pool) for a lost, refused or timed-out connection. */
const PG_MESSAGES = [
  /^Connection terminated/, // unexpectedly; due to connection timeout
  /^timeout exceeded when trying to connect/, // pool connectionTimeoutMillis while all are busy
  /^Query read timeout/, // client query_timeout
  /^Client has encountered a connection error and is not queryable/,
  /^Client was closed and is not queryable/,
  /^The server does not support SSL connections/,
]

interface ErrorLike {
  code?: unknown
  message?: unknown
  cause?: unknown
  errors?: unknown
}

/** True when `error` (or its cause, or one of an AggregateError's) says the database was unreachable or went away. */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 4) return false
  const { code, message, cause, errors } = error as ErrorLike
  if (typeof code === 'string') {
    if (code === QUERY_TIMEOUT_CODE || SOCKET_CODES.has(code) || SQLSTATES.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return true
  }
  if (typeof message === 'string' && PG_MESSAGES.some((pattern) => pattern.test(message))) return true
  if (Array.isArray(errors) && errors.some((inner) => isDatabaseUnavailable(inner, depth + 1))) return true
  return isDatabaseUnavailable(cause, depth + 1)
}

/**
 * An error on a standby that the primary would not have given: a connection-type error, or a
 * query cancelled because replay needed its rows (40001 "conflict with recovery"). The read is
 * retried on the primary (replica-reader.ts).
 */
export function isReplicaOnlyFailure(error: unknown): boolean {
  if (isDatabaseUnavailable(error)) return true
  const { code, message } = (error ?? {}) as ErrorLike
  return code === '40001' && typeof message === 'string' && /conflict with recovery/.test(message)
}

/** The error thrown by a statement that outlived the client-side query timeout. */
export class QueryTimeoutError extends Error {
  readonly code = QUERY_TIMEOUT_CODE
  constructor(readonly timeoutMs: number) {
    super(`the database did not answer within ${timeoutMs} ms (DATABASE_QUERY_TIMEOUT_MS); the connection was closed`)
  }
}
