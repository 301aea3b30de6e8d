import { spawn } from 'node:child_process'
import { existsSync, rmSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { LOCK_FILE_NAME } from './db/data-lock.js'
import { copyOfTemplate, stubWebDir } from './testing/processes.js'

// `npm start` as a person or a service manager runs it: SIGTERM sent to the npm process must
// reach the server, which stops gracefully, frees its port and releases the data folder's lock.
// Embedded engine only (as server.test.ts).

const folders: string[] = []
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true })
})

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

const portFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const probe = net.createServer()
    probe.once('error', () => resolve(false))
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)))
  })

async function waitFor(predicate: () => boolean | Promise<boolean>, what: string, ms: number): Promise<void> {
  const until = Date.now() + ms
  while (!(await predicate())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe.skipIf(Boolean(process.env.DATABASE_URL))('npm start', () => {
  it('SIGTERM to the npm process stops the server: "stopped" logged, port free, lock released', { timeout: 180_000 }, async () => {
    const dataDir = await copyOfTemplate('gridwork-npm-start-')
    const webDir = stubWebDir()
    folders.push(path.dirname(dataDir), webDir)
    let output = ''
    const npm = spawn('npm', ['start'], {
      env: {
        ...process.env,
        DATABASE_URL: '',
        NODE_ENV: 'production',
        JWT_SECRET: 'n'.repeat(40),
        PORT: '0',
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        WEB_DIR: webDir,
        LOG_FORMAT: 'json',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    npm.stdout.on('data', (chunk) => {
      output += chunk
    })
    npm.stderr.on('data', (chunk) => {
      output += chunk
    })
    const npmExited = new Promise<void>((resolve) => npm.on('exit', () => resolve()))
    await waitFor(() => /gridwork is running/.test(output), 'the start-up line', 150_000)
    const port = Number(/http:\/\/localhost:(\d+)\//.exec(output)?.[1])
    const serverPid = Number(/"pid":(\d+),[^\n]*gridwork is running/.exec(output)?.[1])
    expect(serverPid).not.toBe(npm.pid)
    expect(alive(serverPid)).toBe(true)
    expect(existsSync(path.join(dataDir, LOCK_FILE_NAME))).toBe(true)

    npm.kill('SIGTERM')
    await npmExited
    await waitFor(() => !alive(serverPid), 'the server process to end', 15_000)
    expect(output).toContain('"signal":"SIGTERM","msg":"shutting down: finishing requests in flight…"')
    expect(output).toContain('"msg":"stopped"')
    expect(await portFree(port)).toBe(true)
    expect(existsSync(path.join(dataDir, LOCK_FILE_NAME))).toBe(false)
  })
})
