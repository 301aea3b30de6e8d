import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { buildApp } from '../app.js'
import type { DatabaseHandle } from '../db/connect.js'
import { openTestDatabase } from '../testing/database.js'
import { CONNECTION_TIMEOUT_MS, REQUEST_TIMEOUT_MS } from './limits.js'

// A slow client cannot hold a connection open forever: a request that has not arrived in full by
// the request deadline is answered 408 and closed; a connection silent for the connection
// timeout is closed. The deadlines are shortened here (production: limits.ts).

let database: DatabaseHandle | undefined
let close: (() => Promise<void>) | undefined
afterEach(async () => {
  await close?.()
  await database?.close()
})

async function serve(timeouts: { requestMs: number; connectionMs: number }) {
  database = await openTestDatabase()
  const app = await buildApp({
    database,
    signingSecret: 'test-signing-secret-of-at-least-32-chars',
    timeouts: { ...timeouts, checkIntervalMs: 100 },
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  close = () => app.close()
  return (app.server.address() as { port: number }).port
}

/** Opens a connection, writes `text`, and resolves with everything the server sent once it closes the connection. */
function talk(port: number, text: string): Promise<{ received: string; closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    let received = ''
    const socket = net.connect(port, '127.0.0.1', () => socket.write(text))
    socket.on('data', (chunk) => {
      received += chunk.toString()
    })
    socket.on('error', reject)
    socket.on('close', () => resolve({ received, closedAfterMs: performance.now() - started }))
  })
}

describe('connection deadlines', () => {
  it('are set in production: the request in 15 min, a silent connection after 2 min', () => {
    expect([REQUEST_TIMEOUT_MS, CONNECTION_TIMEOUT_MS]).toEqual([15 * 60_000, 2 * 60_000])
  })

  it('answers 408 and closes when a body never arrives in full', async () => {
    const port = await serve({ requestMs: 1000, connectionMs: 60_000 })
    const head = 'POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n'
    const { received } = await talk(port, `${head}{"username":"cou`)
    expect(received).toMatch(/^HTTP\/1\.1 408 /)
    // In the documented error shape, in the default language (the request sent no Accept-Language).
    const answer = JSON.parse(received.slice(received.indexOf('\r\n\r\n') + 4))
    expect(answer.error.code).toBe('request_timeout')
    expect(answer.error.message).toBe('请求未能按时送达，请重新发送')
  })

  it('closes a connection that stays silent', async () => {
    const port = await serve({ requestMs: 60_000, connectionMs: 500 })
    const { received, closedAfterMs } = await talk(port, '')
    expect(received).toBe('')
    expect(closedAfterMs).toBeGreaterThanOrEqual(400)
  })

  it('still answers a request that arrives in time', async () => {
    const port = await serve({ requestMs: 1000, connectionMs: 500 })
    const response = await fetch(`http://127.0.0.1:${port}/health`)
    expect(response.status).toBe(200)
  })
})
