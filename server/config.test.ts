import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from './config.js'

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

  it('accepts a production setup', () => {
    const config = loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40), DATABASE_URL: 'postgres://u@h/db', PORT: '9000' })
    expect(config).toMatchObject({ production: true, port: 9000, databaseUrl: 'postgres://u@h/db' })
  })
})
