/**
 * Browser smoke test: real server (embedded PGlite, demo county), real Chromium.
 *
 *   npx vitest run --config web/e2e/vitest.config.ts
 *
 * Env: E2E_BASE_URL=http://host:port/ uses a running server instead of starting one;
 * E2E_SKIP_BUILD=1 reuses web/dist; CHROMIUM_PATH overrides /usr/bin/chromium.
 * Screenshots and the server log go to test-results/e2e/.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const repo = fileURLToPath(new URL('../..', import.meta.url))
const outDir = join(repo, 'test-results', 'e2e')
const serverLog = join(outDir, 'server.log')

let baseUrl = process.env.E2E_BASE_URL ?? ''
let server: ChildProcess | undefined
let dataDir: string | undefined
let browser: Browser
let context: BrowserContext
let page: Page
/** Requests that tried to leave this machine (tiles, glyphs, fonts…): must stay empty. */
const externalRequests: string[] = []

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const address = s.address()
      const port = typeof address === 'object' && address ? address.port : 0
      s.close(() => resolve(port))
    })
  })
}

async function waitForHealth(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (server && server.exitCode !== null) {
      throw new Error(`server exited with ${server.exitCode}:\n${readFileSync(serverLog, 'utf8').slice(-3000)}`)
    }
    try {
      const res = await fetch(new URL('health', url))
      if (res.ok) return
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500))
  }
  throw new Error(`no /health from ${url} within ${timeoutMs / 1000} s`)
}

function stopServer(): Promise<void> {
  const child = server
  if (!child?.pid || child.exitCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const force = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL')
      } catch {}
    }, 10_000)
    child.once('exit', () => {
      clearTimeout(force)
      resolve()
    })
    // The server runs in its own process group (detached), so this reaches tsx's node child too.
    try {
      process.kill(-child.pid!, 'SIGTERM')
    } catch {
      resolve()
    }
  })
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(outDir, `${name}.png`) })
}

/** Resolves when the map has drawn everything it has loaded. */
async function mapIdle(): Promise<void> {
  await page.evaluate(
    () =>
      new Promise<void>((resolve) => {
        const map = window.__gridwork!.map
        if (map.loaded() && !map.isMoving()) resolve()
        else map.once('idle', () => resolve())
      }),
  )
}

describe('gridwork web', () => {
  beforeAll(async () => {
    mkdirSync(outDir, { recursive: true })
    if (!process.env.E2E_SKIP_BUILD || !existsSync(join(repo, 'web/dist/index.html'))) {
      // Built before the server starts: the server serves web/dist only if it exists at start.
      const build = spawnSync('npx', ['vite', 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], {
        cwd: repo,
        stdio: 'inherit',
      })
      if (build.status !== 0) throw new Error('web build failed')
    }

    if (!baseUrl) {
      const port = await freePort()
      dataDir = mkdtempSync(join(tmpdir(), 'gridwork-e2e-'))
      const log = createWriteStream(serverLog)
      server = spawn(join(repo, 'node_modules/.bin/tsx'), ['server/server.ts'], {
        cwd: repo,
        env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, NODE_ENV: 'test' },
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      server.stdout?.pipe(log)
      server.stderr?.pipe(log)
      baseUrl = `http://127.0.0.1:${port}/`
    }
    await waitForHealth(baseUrl, 120_000)

    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        '--disable-quic',
        '--disable-sync',
      ],
    })
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' })
    const origin = new URL(baseUrl).origin
    await context.route('**/*', (route) => {
      const url = route.request().url()
      if (url.startsWith(origin)) return route.continue()
      externalRequests.push(url)
      return route.abort()
    })
    page = await context.newPage()
    page.on('pageerror', (e) => console.error('[page error]', e.message))
  })

  afterAll(async () => {
    await browser?.close()
    await stopServer()
    if (dataDir) rmSync(dataDir, { recursive: true, force: true })
  })

  it('signs in, shows the demo county grids, opens a grid, switches language', async () => {
    await page.goto(baseUrl)
    await page.getByTestId('login-submit').waitFor()
    await expect.poll(() => page.getByTestId('login-submit').isEnabled(), { timeout: 60_000 }).toBe(true)
    await shot('01-login')

    // A wrong password shows the API's message in place.
    await page.getByTestId('login-username').fill('county')
    await page.getByTestId('login-password').fill('not-the-password')
    await page.getByTestId('login-submit').click()
    const error = page.getByTestId('login-error')
    await error.waitFor({ state: 'visible' })
    expect((await error.textContent())?.trim()).not.toBe('')

    await page.getByTestId('login-password').fill('demo')
    await page.getByTestId('login-submit').click()

    // Grids loaded and drawn.
    const count = page.getByTestId('grid-count')
    await count.waitFor({ state: 'visible', timeout: 60_000 })
    expect(Number(await count.getAttribute('data-count'))).toBeGreaterThan(100)
    await mapIdle()
    const rendered = await page.evaluate(
      () => new Set(window.__gridwork!.map.queryRenderedFeatures({ layers: ['grid-fill'] }).map((f) => f.properties.code)).size,
    )
    expect(rendered).toBeGreaterThan(100)
    expect(await page.evaluate(() => localStorage.getItem('gridwork.token'))).toBeTruthy()
    await shot('02-map')

    // Find an on-screen pixel over a grid that no overlay (legend, controls) covers, nearest the centre first.
    const target = await page.evaluate(() => {
      const map = window.__gridwork!.map
      const canvas = map.getCanvas()
      const rect = canvas.getBoundingClientRect()
      const candidates: [number, number][] = []
      for (let dy = 0; dy <= 0.45; dy += 0.05)
        for (let dx = 0; dx <= 0.45; dx += 0.05)
          for (const [sx, sy] of [[1, 1], [-1, 1], [1, -1], [-1, -1]] as const)
            candidates.push([rect.width * (0.5 + sx * dx), rect.height * (0.5 + sy * dy)])
      for (const [x, y] of candidates) {
        const cx = rect.left + x
        const cy = rect.top + y
        if (document.elementFromPoint(cx, cy) !== canvas) continue
        const hit = map.queryRenderedFeatures([x, y], { layers: ['grid-fill'] })[0]
        if (hit) return { x: cx, y: cy, code: String(hit.properties.code) }
      }
      return null
    })
    expect(target).not.toBeNull()
    await page.mouse.click(target!.x, target!.y)

    const info = page.getByTestId('grid-info')
    await info.waitFor({ state: 'visible' })
    const code = (await page.getByTestId('grid-code').textContent())?.trim() ?? ''
    expect(code).toMatch(/^990101\d{9}$/)
    expect(code).toBe(target!.code)
    expect(await info.textContent()).toContain(code)
    const zhLabel = await info.locator('dt').first().textContent()
    await shot('03-grid-info')

    // Language switch relabels the panel, legend and header.
    const legendTitle = page.getByTestId('legend').locator('h3')
    expect(await legendTitle.textContent()).toBe('网格户数')
    await page.getByTestId('language-select').selectOption('en')
    await expect.poll(() => legendTitle.textContent()).toBe('Households per grid')
    expect(await info.locator('dt').first().textContent()).not.toBe(zhLabel)
    expect(await page.getByTestId('grid-code').textContent()).toBe(code)
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en')
    await shot('04-english')

    expect(externalRequests).toEqual([])
  })
})
