import { type ChildProcess, spawn } from 'node:child_process'
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ensurePgliteTemplate } from './testing/database.js'

// The real start-up path, as `npm start` runs it, in production mode: it must refuse to start
// without a signing secret, seed no demo accounts or county, serve, and stop cleanly on SIGTERM.
// Embedded engine only (with DATABASE_URL the suite's own schema is not visible to a child).

const folders: string[] = []
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true })
})

function start(env: Record<string, string>): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  let output = ''
  // node itself (not npx) so that the signal reaches the server process.
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/server.ts'], {
    env: { ...process.env, DATABASE_URL: '', LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout?.on('data', (chunk) => {
    output += chunk
  })
  child.stderr?.on('data', (chunk) => {
    output += chunk
  })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { child, output: () => output, exited }
}

async function waitFor(predicate: () => boolean, what: string, ms = 90_000): Promise<void> {
  const until = Date.now() + ms
  while (!predicate()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

describe.skipIf(Boolean(process.env.DATABASE_URL))('server start-up (production mode)', () => {
  it('refuses to start without JWT_SECRET and says why', async () => {
    const server = start({ NODE_ENV: 'production', JWT_SECRET: '', PORT: '0' })
    expect(await server.exited).toBe(2)
    expect(server.output()).toContain('JWT_SECRET is required when NODE_ENV=production')
  })

  it('starts without demo data, serves, and shuts down gracefully on SIGTERM', { timeout: 120_000 }, async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gridwork-start-'))
    const webDir = mkdtempSync(path.join(os.tmpdir(), 'gridwork-web-'))
    folders.push(dataDir, webDir)
    cpSync(await ensurePgliteTemplate(), dataDir, { recursive: true })
    writeFileSync(path.join(webDir, 'index.html'), '<!doctype html><title>gridwork</title>')
    const server = start({
      NODE_ENV: 'production',
      JWT_SECRET: 'p'.repeat(40),
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      WEB_DIR: webDir,
    })
    await waitFor(() => /gridwork is running/.test(server.output()), 'the start-up line')
    const port = /http:\/\/localhost:(\d+)\//.exec(server.output())?.[1]
    const base = `http://127.0.0.1:${port}`

    expect(await (await fetch(`${base}/health`)).json()).toMatchObject({ status: 'ok', engine: 'pglite' })
    expect((await fetch(`${base}/`)).status).toBe(200)
    const login = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'county', password: 'demo' }),
    })
    expect(login.status).toBe(401)
    expect(server.output()).not.toContain('demo accounts')
    expect(server.output()).not.toContain('demo county')

    server.child.kill('SIGTERM')
    expect(await server.exited).toBe(0)
    expect(server.output()).toContain('shutting down')
    expect(server.output()).toContain('"msg":"stopped"')
  })
})
