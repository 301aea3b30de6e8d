import { existsSync, statSync } from 'node:fs'
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
  /** Folder of the scheduled backups (BACKUP_DIR; default <DATA_DIR>/backups on the embedded engine); null: none. */
  backupDir: string | null
  /** Time between scheduled backups (BACKUP_INTERVAL_HOURS); 0: none. */
  backupIntervalMs: number
  /** How many scheduled backups to keep, newest first (BACKUP_KEEP). */
  backupKeep: number
}

export type LogFormat = 'json' | 'pretty'
const LOG_FORMATS: readonly string[] = ['json', 'pretty'] satisfies LogFormat[]
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']
export const DEFAULT_LOOKUP_USER_RATE_LIMIT = 600_000
export const DEFAULT_BACKUP_INTERVAL_HOURS = 24
export const DEFAULT_BACKUP_KEEP = 7

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

  const dataDir = path.resolve(env.DATA_DIR ?? 'data')
  const backupDirSetting = env.BACKUP_DIR?.trim()
  const backupDir = backupDirSetting ? path.resolve(backupDirSetting) : databaseUrl ? null : path.join(dataDir, 'backups')
  if (backupDir && existsSync(backupDir) && !statSync(backupDir).isDirectory())
    problems.push(`BACKUP_DIR must be a folder, got a file: ${backupDir}`)
  const backupIntervalHours = Number(env.BACKUP_INTERVAL_HOURS?.trim() || DEFAULT_BACKUP_INTERVAL_HOURS)
  if (!Number.isFinite(backupIntervalHours) || backupIntervalHours < 0 || backupIntervalHours > 8760) {
    problems.push(
      `BACKUP_INTERVAL_HOURS must be a number of hours from 0 (no scheduled backups) to 8760, got "${env.BACKUP_INTERVAL_HOURS}"`,
    )
  }
  const backupKeep = Number(env.BACKUP_KEEP?.trim() || DEFAULT_BACKUP_KEEP)
  if (!Number.isSafeInteger(backupKeep) || backupKeep < 1) {
    problems.push(`BACKUP_KEEP must be a whole number of backups to keep, at least 1, got "${env.BACKUP_KEEP}"`)
  }

  if (problems.length > 0) throw new ConfigError(`Configuration problems:\n- ${problems.join('\n- ')}`)
  return {
    port,
    host: env.HOST ?? '0.0.0.0',
    databaseUrl,
    dataDir,
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
    backupDir,
    backupIntervalMs: Math.round(backupIntervalHours * 3600_000),
    backupKeep,
  }
}
