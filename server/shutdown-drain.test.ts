import { rmSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { copyOfTemplate, startServer, stubWebDir } from './testing/processes.js'

// The real server stopped as a load balancer's node is: on SIGTERM it first answers
// /health/ready with 503 (so the balancer takes it out), keeps serving for SHUTDOWN_DRAIN_MS,
// then closes as before. Embedded engine (a child process cannot see the suite's PostgreSQL schema).

const folders: string[] = []
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true })
})

describe.skipIf(Boolean(process.env.DATABASE_URL))('graceful stop with a drain', () => {
  it('on SIGTERM answers not ready first, still serves during SHUTDOWN_DRAIN_MS, then stops', { timeout: 180_000 }, async () => {
    const dataDir = await copyOfTemplate('gridwork-drain-')
    const webDir = stubWebDir()
    folders.push(path.dirname(dataDir), webDir)
    const server = await startServer(dataDir, {
      NODE_ENV: 'production',
      JWT_SECRET: 'p'.repeat(40),
      WEB_DIR: webDir,
      SHUTDOWN_DRAIN_MS: '5000',
    })
    expect((await fetch(`${server.baseUrl}/health/ready`)).status).toBe(200)

    server.child.kill('SIGTERM')
    await server.waitForOutput(/health\/ready answers 503/, 'the drain line')
    const ready = await fetch(`${server.baseUrl}/health/ready`, { headers: { 'accept-language': 'en' } })
    expect(ready.status).toBe(503)
    expect(await ready.json()).toEqual({
      status: 'not_ready',
      message: 'Not ready to serve: this node is shutting down',
      reasons: [{ code: 'shutting_down', message: 'this node is shutting down' }],
    })
    // Requests the balancer still sends meanwhile are served.
    expect(await (await fetch(`${server.baseUrl}/health/live`)).json()).toEqual({ status: 'live' })
    expect((await fetch(`${server.baseUrl}/health`)).status).toBe(200)

    expect(await server.exited).toBe(0)
    expect(server.output()).toContain('"msg":"stopped"')
  })
})
