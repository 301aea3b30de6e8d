import { existsSync } from 'node:fs'
import path from 'node:path'

// Environment → typed configuration, validated once at start. Problems are collected and
// reported together so a misconfigured deployment fails with every reason at once.
export interface Config {
  port: number
  host: string
  databaseUrl: string | undefined
  dataDir: string
  production: boolean
  demoPassword: string
  jwtSecret: string | undefined
  logLevel: string
  /** Log lines as JSON or pretty-printed; undefined = pretty on a terminal, JSON otherwise. */
  logFormat: LogFormat | undefined
  bodyLimitBytes: number
  webDir: string
  /** Optional Tianditu browser key (天地图); the map works offline without it. */
  tiandituKey: string | null
  /** Lookups per minute for a logged-in account (API keys carry their own limit). */
  lookupUserRateLimit: number
  /** A local .pmtiles or .mbtiles basemap drawn under every layer (GRIDWORK_BASEMAP); null: none. */
  basemapFile: string | null
  /** postgres://… of a streaming replica for lag-tolerant reads (DATABASE_REPLICA_URL); PostgreSQL only. */
  databaseReplicaUrl: string | undefined
  /** PostgreSQL: a new connection not up within this fails, and the request gets 503 (DATABASE_CONNECT_TIMEOUT_MS). */
  databaseConnectTimeoutMs: number
  /** PostgreSQL: a statement not answered within this fails with 503 and its connection is closed (DATABASE_QUERY_TIMEOUT_MS). */
  databaseQueryTimeoutMs: number
  /** After SIGTERM/SIGINT, /health/ready answers 503 this long before the server stops taking requests (SHUTDOWN_DRAIN_MS). */
  shutdownDrainMs: number
}

export type LogFormat = 'json' | 'pretty'
const LOG_FORMATS: readonly string[] = ['json', 'pretty'] satisfies LogFormat[]
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']
export const DEFAULT_LOOKUP_USER_RATE_LIMIT = 600_000
/**
 * PostgreSQL bounds (PGlite is in-process: none). 3 s to connect covers a server across a
 * network and refuses quickly when it is paused; 30 s per statement is above the 20 s
 * statement_timeout of geometry work (server/http/limits.ts), so that work ends with its own 422
 * first; work known to run longer sets its own bound (server/db/bounded-pool.ts).
 */
export const DEFAULT_DATABASE_CONNECT_TIMEOUT_MS = 3_000
export const DEFAULT_DATABASE_QUERY_TIMEOUT_MS = 30_000
/**
 * With DATABASE_URL the server is one of several API nodes behind a load balancer, which must
 * see /health/ready fail before the node stops taking requests: 2 s is two checks at HAProxy's
 * `inter 1s`. On PGlite there is one node and nobody to tell: Ctrl-C stops at once.
 */
export const DEFAULT_SHUTDOWN_DRAIN_MS = { pglite: 0, postgres: 2_000 }
const MAX_SHUTDOWN_DRAIN_MS = 60_000

/** A whole number of milliseconds from `env[name]` in [min, max], or the problem with it. */
function milliseconds(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number, problems: string[]): number {
  const text = env[name]?.trim()
  if (!text) return fallback
  const value = Number(text)
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    problems.push(`${name} must be a whole number of milliseconds from ${min} to ${max}, got "${env[name]}"`)
    return fallback
  }
  return value
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = []
  const production = env.NODE_ENV === 'production'

  const port = Number(env.PORT ?? 8080)
  if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push(`PORT must be 0–65535, got "${env.PORT}"`)

  const databaseUrl = env.DATABASE_URL?.trim() || undefined
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push('DATABASE_URL must start with postgres:// or postgresql://')
  }

  const jwtSecret = env.JWT_SECRET?.trim() || undefined
  if (jwtSecret && jwtSecret.length < 32) problems.push('JWT_SECRET must be at least 32 characters')
  if (production && !jwtSecret) problems.push('JWT_SECRET is required when NODE_ENV=production')

  const bodyLimitMb = Number(env.BODY_LIMIT_MB ?? 20)
  if (!(bodyLimitMb > 0)) problems.push(`BODY_LIMIT_MB must be a positive number, got "${env.BODY_LIMIT_MB}"`)

  const tiandituKey = env.TIANDITU_KEY?.trim() || null
  if (tiandituKey && !/^[0-9a-f]{32}$/i.test(tiandituKey))
    problems.push('TIANDITU_KEY must be the 32 hex characters of a Tianditu browser key')

  const logLevel = env.LOG_LEVEL?.trim() || (env.NODE_ENV === 'test' ? 'warn' : 'info')
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${env.LOG_LEVEL}"`)

  const logFormat = env.LOG_FORMAT?.trim() || undefined
  if (logFormat !== undefined && !LOG_FORMATS.includes(logFormat))
    problems.push(`LOG_FORMAT must be json or pretty, got "${env.LOG_FORMAT}"`)

  const lookupUserRateLimit = Number(env.LOOKUP_USER_RATE_LIMIT?.trim() || DEFAULT_LOOKUP_USER_RATE_LIMIT)
  if (!Number.isSafeInteger(lookupUserRateLimit) || lookupUserRateLimit < 1) {
    problems.push(`LOOKUP_USER_RATE_LIMIT must be a positive whole number (lookups per minute), got "${env.LOOKUP_USER_RATE_LIMIT}"`)
  }

  const basemapFile = env.GRIDWORK_BASEMAP?.trim() ? path.resolve(env.GRIDWORK_BASEMAP.trim()) : null
  if (basemapFile && !/\.(pmtiles|mbtiles)$/i.test(basemapFile)) {
    problems.push(`GRIDWORK_BASEMAP must name a .pmtiles or .mbtiles file, got "${env.GRIDWORK_BASEMAP}"`)
  } else if (basemapFile && !existsSync(basemapFile)) problems.push(`GRIDWORK_BASEMAP file not found: ${basemapFile}`)

  const databaseReplicaUrl = env.DATABASE_REPLICA_URL?.trim() || undefined
  if (databaseReplicaUrl && !databaseUrl) {
    problems.push(
      'DATABASE_REPLICA_URL needs DATABASE_URL: a read replica is a PostgreSQL standby, and the embedded PGlite engine has none',
    )
  } else if (databaseReplicaUrl && !/^postgres(ql)?:\/\//.test(databaseReplicaUrl)) {
    problems.push('DATABASE_REPLICA_URL must start with postgres:// or postgresql://')
  }
  const databaseConnectTimeoutMs = milliseconds(
    env,
    'DATABASE_CONNECT_TIMEOUT_MS',
    DEFAULT_DATABASE_CONNECT_TIMEOUT_MS,
    100,
    600_000,
    problems,
  )
  const databaseQueryTimeoutMs = milliseconds(
    env,
    'DATABASE_QUERY_TIMEOUT_MS',
    DEFAULT_DATABASE_QUERY_TIMEOUT_MS,
    1_000,
    3_600_000,
    problems,
  )
  const shutdownDrainMs = milliseconds(
    env,
    'SHUTDOWN_DRAIN_MS',
    DEFAULT_SHUTDOWN_DRAIN_MS[databaseUrl ? 'postgres' : 'pglite'],
    0,
    MAX_SHUTDOWN_DRAIN_MS,
    problems,
  )

  if (problems.length > 0) throw new ConfigError(`Configuration problems:\n- ${problems.join('\n- ')}`)
  return {
    port,
    host: env.HOST ?? '0.0.0.0',
    databaseUrl,
    dataDir: path.resolve(env.DATA_DIR ?? 'data'),
    production,
    demoPassword: env.DEMO_PASSWORD ?? 'demo',
    jwtSecret,
    logLevel,
    logFormat: logFormat as LogFormat | undefined,
    bodyLimitBytes: Math.round(bodyLimitMb * 1024 * 1024),
    webDir: path.resolve(env.WEB_DIR ?? 'web/dist'),
    tiandituKey,
    lookupUserRateLimit,
    basemapFile,
    databaseReplicaUrl,
    databaseConnectTimeoutMs,
    databaseQueryTimeoutMs,
    shutdownDrainMs,
  }
}
