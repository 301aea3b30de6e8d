import supertest from 'supertest'
import { describe, expect, it } from 'vitest'
import { buildApp } from './app.js'
import { seedDemoUsers } from './auth/demo-users.js'
import { ConfigError, loadConfig } from './config.js'
import { openTestDatabase } from './testing/database.js'

describe('configuration', () => {
  it('defaults to the embedded engine on port 8080 with ./data', () => {
    const config = loadConfig({})
    expect(config).toMatchObject({ port: 8080, databaseUrl: undefined, production: false, demoPassword: 'demo' })
    expect(config.dataDir.endsWith('/data')).toBe(true)
  })

  it('lists every problem at once', () => {
    let message = ''
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', NODE_ENV: 'production' })
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError)
      message = (error as Error).message
    }
    expect(message).toContain('PORT must be 0–65535, got "eighty"')
    expect(message).toContain('DATABASE_URL must start with postgres://')
    expect(message).toContain('JWT_SECRET is required when NODE_ENV=production')
  })

  it('takes an optional Tianditu key and refuses one that is not a key', () => {
    expect(loadConfig({}).tiandituKey).toBeNull()
    expect(loadConfig({ TIANDITU_KEY: 'ab'.repeat(16) }).tiandituKey).toBe('ab'.repeat(16))
    expect(() => loadConfig({ TIANDITU_KEY: 'my-key' })).toThrow('TIANDITU_KEY must be the 32 hex characters of a Tianditu browser key')
  })

  it('refuses a bad LOOKUP_USER_RATE_LIMIT, LOG_LEVEL or LOG_FORMAT with the other problems, instead of ignoring it', () => {
    expect(loadConfig({}).lookupUserRateLimit).toBe(600_000)
    expect(loadConfig({ LOOKUP_USER_RATE_LIMIT: ' 1200 ' }).lookupUserRateLimit).toBe(1200)
    for (const bad of ['abc', '0', '-5', '2.5', '1e400']) {
      expect(() => loadConfig({ LOOKUP_USER_RATE_LIMIT: bad })).toThrow(
        `LOOKUP_USER_RATE_LIMIT must be a positive whole number (lookups per minute), got "${bad}"`,
      )
    }
    let message = ''
    try {
      loadConfig({ LOOKUP_USER_RATE_LIMIT: 'lots', LOG_LEVEL: 'verbose', LOG_FORMAT: 'xml', PORT: '-1' })
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError)
      message = (error as Error).message
    }
    expect(message.split('\n')).toEqual([
      'Configuration problems:',
      '- PORT must be 0–65535, got "-1"',
      '- LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "verbose"',
      '- LOG_FORMAT must be json or pretty, got "xml"',
      '- LOOKUP_USER_RATE_LIMIT must be a positive whole number (lookups per minute), got "lots"',
    ])
    expect(loadConfig({ LOG_LEVEL: 'debug', LOG_FORMAT: 'json' })).toMatchObject({ logLevel: 'debug', logFormat: 'json' })
    expect(loadConfig({}).logFormat).toBeUndefined()
  })

  it('bounds PostgreSQL connections and statements, drains on stop, and refuses a replica without PostgreSQL', () => {
    expect(loadConfig({})).toMatchObject({
      databaseReplicaUrl: undefined,
      databaseConnectTimeoutMs: 3000,
      databaseQueryTimeoutMs: 30_000,
      shutdownDrainMs: 0,
    })
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h/db' }).shutdownDrainMs).toBe(2000)
    expect(
      loadConfig({
        DATABASE_URL: 'postgres://u@primary/db',
        DATABASE_REPLICA_URL: ' postgres://u@replica/db ',
        DATABASE_CONNECT_TIMEOUT_MS: '500',
        DATABASE_QUERY_TIMEOUT_MS: '45000',
        SHUTDOWN_DRAIN_MS: '0',
      }),
    ).toMatchObject({
      databaseReplicaUrl: 'postgres://u@replica/db',
      databaseConnectTimeoutMs: 500,
      databaseQueryTimeoutMs: 45_000,
      shutdownDrainMs: 0,
    })
    let message = ''
    try {
      loadConfig({
        DATABASE_REPLICA_URL: 'postgres://u@replica/db',
        DATABASE_CONNECT_TIMEOUT_MS: 'soon',
        DATABASE_QUERY_TIMEOUT_MS: '10',
        SHUTDOWN_DRAIN_MS: '-1',
      })
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError)
      message = (error as Error).message
    }
    expect(message.split('\n')).toEqual([
      'Configuration problems:',
      '- DATABASE_REPLICA_URL needs DATABASE_URL: a read replica is a PostgreSQL standby, and the embedded PGlite engine has none',
      '- DATABASE_CONNECT_TIMEOUT_MS must be a whole number of milliseconds from 100 to 600000, got "soon"',
      '- DATABASE_QUERY_TIMEOUT_MS must be a whole number of milliseconds from 1000 to 3600000, got "10"',
      '- SHUTDOWN_DRAIN_MS must be a whole number of milliseconds from 0 to 60000, got "-1"',
    ])
    expect(() => loadConfig({ DATABASE_URL: 'postgres://u@h/db', DATABASE_REPLICA_URL: 'mysql://replica' })).toThrow(
      'DATABASE_REPLICA_URL must start with postgres:// or postgresql://',
    )
  })

  it('accepts a production setup', () => {
    const config = loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40), DATABASE_URL: 'postgres://u@h/db', PORT: '9000' })
    expect(config).toMatchObject({ production: true, port: 9000, databaseUrl: 'postgres://u@h/db' })
  })
})

describe('configuration reaches the parts that use it', () => {
  it('LOOKUP_USER_RATE_LIMIT limits a logged-in account’s lookups (429 in zh-CN and en)', async () => {
    const config = loadConfig({ LOOKUP_USER_RATE_LIMIT: '2' })
    const database = await openTestDatabase()
    await seedDemoUsers(database.kysely, 'demo')
    const app = await buildApp({ database, signingSecret: 'x'.repeat(40), lookupUserRateLimit: config.lookupUserRateLimit })
    try {
      await app.ready()
      const http = () => supertest(app.server)
      const token = (await http().post('/api/v1/auth/login').send({ username: 'county', password: 'demo' })).body.token as string
      const lookup = (language = 'zh-CN') =>
        http().get('/api/v1/lookup?lng=113.01&lat=28.01').set('Authorization', `Bearer ${token}`).set('Accept-Language', language)
      expect([(await lookup()).status, (await lookup()).status]).toEqual([200, 200])
      const zh = await lookup()
      expect(zh.status).toBe(429)
      expect(zh.body.error.message).toMatch(/^查询过于频繁：此账号每分钟最多查询 2 次，请 \d+ 秒后再试$/)
      const en = await lookup('en')
      expect(en.body.error.message).toMatch(/^Too many lookups: at most 2 a minute for this account; retry in \d+ s$/)
    } finally {
      await app.close()
      await database.close()
    }
  }, 120_000)
})
