/** Browser helpers shared by the e2e files: Debian Chromium through playwright-core, offline. */
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core'
import { expect } from 'vitest'

const repo = fileURLToPath(new URL('../..', import.meta.url))
export const outDir = join(repo, 'test-results', 'e2e')

export interface E2EBrowser {
  browser: Browser
  context: BrowserContext
  page: Page
  /** Requests that tried to leave this machine (tiles, glyphs, fonts…): must stay empty. */
  externalRequests: string[]
  close(): Promise<void>
}

/** `touch`: a touch screen (tap with `page.touchscreen`), as on a tablet in the field. */
export async function openBrowser(baseUrl: string, { touch = false } = {}): Promise<E2EBrowser> {
  const browser = await chromium.launch({
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
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN', hasTouch: touch })
  const externalRequests: string[] = []
  const origin = new URL(baseUrl).origin
  await context.route('**/*', (route) => {
    const url = route.request().url()
    if (url.startsWith(origin)) return route.continue()
    externalRequests.push(url)
    return route.abort()
  })
  const page = await context.newPage()
  page.on('pageerror', (e) => console.error('[page error]', e.message))
  return { browser, context, page, externalRequests, close: () => browser.close() }
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(outDir, `${name}.png`) })
}

/** Resolves when the map has drawn everything it has loaded. */
export async function mapIdle(page: Page): Promise<void> {
  await page.evaluate(
    () =>
      new Promise<void>((resolve) => {
        const map = window.__gridwork!.map
        if (map.loaded() && !map.isMoving()) resolve()
        else map.once('idle', () => resolve())
      }),
  )
}

/**
 * An on-screen page pixel over a grid that no overlay (legend, controls, panels) covers, nearest the
 * map's centre first, with the grid's code; null when no grid is in view.
 */
export function gridOnScreen(page: Page): Promise<{ x: number; y: number; code: string } | null> {
  return page.evaluate(() => {
    const map = window.__gridwork!.map
    const canvas = map.getCanvas()
    const rect = canvas.getBoundingClientRect()
    const candidates: [number, number][] = []
    for (let dy = 0; dy <= 0.45; dy += 0.05)
      for (let dx = 0; dx <= 0.45; dx += 0.05)
        for (const [sx, sy] of [
          [1, 1],
          [-1, 1],
          [1, -1],
          [-1, -1],
        ] as const)
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
}

/** Page pixel of a lon/lat on the map canvas. */
export async function pixelOf(page: Page, lngLat: number[]): Promise<{ x: number; y: number }> {
  const box = await page.getByTestId('map').boundingBox()
  const p = await page.evaluate((ll) => window.__gridwork!.map.project(ll as [number, number]), lngLat)
  return { x: (box?.x ?? 0) + p.x, y: (box?.y ?? 0) + p.y }
}

/** Frames the given lon/lats on the map at once and waits for it to draw. */
export async function fitMapTo(page: Page, coords: number[][]): Promise<void> {
  const xs = coords.map((c) => c[0]!)
  const ys = coords.map((c) => c[1]!)
  await page.evaluate(
    (bounds) => window.__gridwork!.map.fitBounds(bounds as [number, number, number, number], { padding: 80, duration: 0, maxZoom: 17 }),
    [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)],
  )
  await mapIdle(page)
}

/** Opens the page, waits for the server, signs in and waits for the grids. */
export async function signIn(page: Page, baseUrl: string, username: string, password = 'demo'): Promise<void> {
  await page.goto(baseUrl)
  await page.getByTestId('login-submit').waitFor()
  await expect.poll(() => page.getByTestId('login-submit').isEnabled(), { timeout: 60_000 }).toBe(true)
  await page.getByTestId('login-username').fill(username)
  await page.getByTestId('login-password').fill(password)
  await page.getByTestId('login-submit').click()
  await page.getByTestId('grid-count').waitFor({ state: 'visible', timeout: 60_000 })
  await mapIdle(page)
}

/** Calls the API directly (setting up or checking what the page did); throws on a non-2xx answer. */
export function apiClient(baseUrl: string) {
  return async function api<T>(
    path: string,
    token: string | null,
    body?: unknown,
    method = body === undefined ? 'GET' : 'POST',
  ): Promise<T> {
    const res = await fetch(new URL(`api/v1/${path}`, baseUrl), {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const json = (await res.json()) as T
    if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`)
    return json
  }
}
