/**
 * Browser smoke test: real server (embedded PGlite, demo county), real Chromium.
 *
 *   npx vitest run --config web/e2e/vitest.config.ts
 *
 * The server is started once for all e2e files by `global-setup.ts` (env: E2E_BASE_URL,
 * E2E_SKIP_BUILD, CHROMIUM_PATH). Screenshots and the server log go to test-results/e2e/.
 */
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { type E2EBrowser, gridOnScreen, mapIdle as idle, openBrowser, shot as save } from './browser'

const baseUrl = inject('baseUrl')
let b: E2EBrowser
let page: Page
let externalRequests: string[] = []

const shot = (name: string) => save(page, name)
const mapIdle = () => idle(page)

describe('gridwork web', () => {
  beforeAll(async () => {
    b = await openBrowser(baseUrl)
    page = b.page
    externalRequests = b.externalRequests
  })

  afterAll(async () => {
    await b?.close()
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

    const target = await gridOnScreen(page)
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

  it('finds a grid or a community from the header search; a department sees only the lookup and the map', async () => {
    // A grid by its code: Enter opens the first hit.
    const grid = await page.evaluate(() => {
      const f = window.__gridwork!.map.queryRenderedFeatures({ layers: ['grid-fill'] })[0]
      return { code: String(f?.properties.code), name: String(f?.properties.name) }
    })
    const search = page.getByTestId('search')
    await search.fill(grid.code)
    await page.getByTestId('search-hit').first().waitFor()
    await search.press('Enter')
    await expect.poll(() => page.evaluate(() => window.__gridwork!.selected())).toBe(grid.code)
    expect(await page.getByTestId('grid-code').textContent()).toBe(grid.code)
    // A community by its name comes before its grids.
    await search.fill('白沙社区')
    const first = page.getByTestId('search-hit').first()
    await first.waitFor()
    expect(await first.getAttribute('data-kind')).toBe('region')
    await shot('05-search')
    await search.press('Escape')

    // The login card lists every demo account; the department account gets the lookup and the map only.
    await page.getByTestId('logout').click()
    await page.getByTestId('login-submit').waitFor()
    expect(await page.getByTestId('demo-accounts').locator('li').count()).toBe(6)
    await page.getByTestId('demo-accounts').locator('[data-username="dept"]').click()
    expect(await page.getByTestId('login-username').inputValue()).toBe('dept')
    await page.getByTestId('login-password').fill('demo')
    await page.getByTestId('login-submit').click()
    await page.getByTestId('grid-count').waitFor({ state: 'visible', timeout: 60_000 })
    for (const tab of ['lookup', 'regions']) expect(await page.getByTestId(`tab-${tab}`).isVisible()).toBe(true)
    for (const tab of ['validation', 'editor', 'proposals']) expect(await page.getByTestId(`tab-${tab}`).isVisible()).toBe(false)
    expect(await page.getByTestId('tab-lookup').getAttribute('aria-selected')).toBe('true')
    await shot('06-department')

    // At 1280×720 and 1024×768 nothing is off-screen: every header control, every tab, the legend
    // and the map controls lie inside the window.
    for (const [width, height, name] of [
      [1280, 720, '07a-layout-1280x720'],
      [1024, 768, '07-layout-1024'],
    ] as const) {
      await page.setViewportSize({ width, height })
      await mapIdle()
      const offScreen = await page.evaluate(() =>
        [...document.querySelectorAll('header *, [role=tab], [data-testid=legend], .maplibregl-ctrl')]
          .filter((el) => {
            const box = el.getBoundingClientRect()
            return (
              box.width > 0 &&
              (box.right > window.innerWidth + 0.5 || box.left < -0.5 || box.bottom > window.innerHeight + 0.5 || box.top < -0.5)
            )
          })
          .map((el) => el.textContent?.trim() || el.tagName),
      )
      expect(offScreen, `${width}×${height}`).toEqual([])
      await shot(name)
    }
  })
})
