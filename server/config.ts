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
  bodyLimitBytes: number
  webDir: string
  /** Optional Tianditu browser key (天地图); the map works offline without it. */
  tiandituKey: string | null
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
  if (tiandituKey && !/^[0-9a-f]{32}$/i.test(tiandituKey)) problems.push('TIANDITU_KEY must be the 32 hex characters of a Tianditu browser key')

  if (problems.length > 0) throw new ConfigError(`Configuration problems:\n- ${problems.join('\n- ')}`)
  return {
    port,
    host: env.HOST ?? '0.0.0.0',
    databaseUrl,
    dataDir: path.resolve(env.DATA_DIR ?? 'data'),
    production,
    demoPassword: env.DEMO_PASSWORD ?? 'demo',
    jwtSecret,
    logLevel: env.LOG_LEVEL ?? (env.NODE_ENV === 'test' ? 'warn' : 'info'),
    bodyLimitBytes: Math.round(bodyLimitMb * 1024 * 1024),
    webDir: path.resolve(env.WEB_DIR ?? 'web/dist'),
    tiandituKey,
  }
}
