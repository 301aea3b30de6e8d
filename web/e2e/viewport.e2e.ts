/**
 * Viewport loading: above a grid count the map loads only the grids in view (from zoom 12 in).
 * The demo county has 279 grids, so the test lowers the threshold to 100 through localStorage.
 */
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { apiClient, type E2EBrowser, mapIdle, openBrowser, shot, signIn } from './browser'

const baseUrl = inject('baseUrl')
let b: E2EBrowser
let page: Page

const shown = async () => Number(await page.getByTestId('grid-count').getAttribute('data-shown'))

describe('viewport loading of a large region', () => {
  beforeAll(async () => {
    b = await openBrowser(baseUrl)
    page = b.page
    await page.goto(baseUrl)
    await page.evaluate(() => {
      localStorage.removeItem('gridwork.token')
      localStorage.setItem('gridwork.viewportThreshold', '100')
    })
  })

  afterAll(async () => {
    await page?.evaluate(() => localStorage.removeItem('gridwork.viewportThreshold'))
    await b?.close()
  })

  it('shows the total, loads no grids zoomed out and only the view’s grids zoomed in', async () => {
    // The county's total today (other browser tests may have split a grid before this one runs).
    const api = apiClient(baseUrl)
    const { token } = await api<{ token: string }>('auth/login', null, { username: 'county', password: 'demo' })
    const total = (await api<{ grid_count: number }>('regions/990101000000', token)).grid_count
    expect(total).toBeGreaterThanOrEqual(279)

    const tileStatuses: number[] = []
    page.on('response', (response) => {
      if (response.url().includes('/tiles/grids/')) tileStatuses.push(response.status())
    })
    await signIn(page, baseUrl, 'county')
    expect(Number(await page.getByTestId('grid-count').getAttribute('data-count'))).toBe(total)
    await page.evaluate(() => window.__gridwork!.map.jumpTo({ zoom: 10 }))
    await expect.poll(() => page.getByTestId('status').textContent()).toContain('放大到 12 级以上')
    expect(await shown()).toBe(0)
    // No grid loaded as data, yet every grid's outline is drawn from the server's vector tiles.
    await mapIdle(page)
    const outlined = async () =>
      page.evaluate(
        () => new Set(window.__gridwork!.map.queryRenderedFeatures({ layers: ['grid-tiles-fill'] }).map((f) => f.properties.code)).size,
      )
    await expect.poll(outlined, { timeout: 30_000 }).toBeGreaterThan(total / 2)
    expect(tileStatuses.length).toBeGreaterThan(0)
    expect(tileStatuses.every((status) => status === 200 || status === 304)).toBe(true)
    await shot(page, '29-viewport-tiles')

    // Zoom in on 白沙镇: some grids, not all of them, and they are drawn.
    await page.evaluate(() => window.__gridwork!.map.jumpTo({ center: [112.99, 28.25], zoom: 14 }))
    await expect.poll(shown, { timeout: 30_000 }).toBeGreaterThan(0)
    expect(await shown()).toBeLessThan(total)
    await mapIdle(page)
    const drawn = await page.evaluate(
      () => new Set(window.__gridwork!.map.queryRenderedFeatures({ layers: ['grid-fill'] }).map((f) => f.properties.code)).size,
    )
    expect(drawn).toBeGreaterThan(0)
    expect(drawn).toBeLessThanOrEqual(await shown())
    expect(await page.getByTestId('grid-count').textContent()).toMatch(new RegExp(`${total} 个网格（视图内 \\d+）`))
    await shot(page, '30-viewport-loading')
    expect(b.externalRequests).toEqual([])
  })
})
