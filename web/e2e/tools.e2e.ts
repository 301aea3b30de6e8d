/**
 * The tools an officer uses all day: measuring (as the read-only department account), the running
 * household estimate while a split line is drawn, the collapsible sidebar at 1024×768 and
 * selecting grids by tapping on a touch screen. Screenshots go to test-results/e2e/6x-*.png.
 */
import { distance } from '@turf/turf'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { apiClient, type E2EBrowser, fitMapTo, gridOnScreen, mapIdle, openBrowser, pixelOf, shot, signIn } from './browser'

const baseUrl = inject('baseUrl')
const api = apiClient(baseUrl)
/** 白沙镇's grid of 759 households (the demo county's oversized grid). */
const OVERSIZED = '990101004007002'

interface GridFeature {
  geometry: { type: 'Polygon'; coordinates: number[][][] } | { type: 'MultiPolygon'; coordinates: number[][][][] }
  properties: { code: string; households: number | null }
}
let b: E2EBrowser
let page: Page

/** Page pixel of a point given as a fraction of the map canvas. */
async function mapPixel(fx: number, fy: number): Promise<{ x: number; y: number }> {
  const box = await page.getByTestId('map').boundingBox()
  if (!box) throw new Error('map not laid out')
  return { x: box.x + box.width * fx, y: box.y + box.height * fy }
}

/** Lon/lat under a page pixel. */
async function lngLatAt(p: { x: number; y: number }): Promise<[number, number]> {
  const box = await page.getByTestId('map').boundingBox()
  return page.evaluate(
    ([x, y]) => window.__gridwork!.map.unproject([x as number, y as number]).toArray() as [number, number],
    [p.x - (box?.x ?? 0), p.y - (box?.y ?? 0)],
  )
}

describe('map tools', () => {
  beforeAll(async () => {
    b = await openBrowser(baseUrl)
    page = b.page
  })

  afterAll(async () => {
    await b?.close()
  })

  it('measures a distance and an area, as the read-only department account; Esc clears', async () => {
    await signIn(page, baseUrl, 'dept')
    const selectedBefore = await page.evaluate(() => window.__gridwork!.selected())
    await page.getByTestId('measure-distance').click()
    expect(await page.getByTestId('measure-distance').getAttribute('aria-pressed')).toBe('true')
    const a = await mapPixel(0.3, 0.5)
    const c = await mapPixel(0.7, 0.5)
    await page.mouse.click(a.x, a.y)
    await page.mouse.click(c.x, c.y)
    await page.mouse.dblclick(c.x, c.y)
    const expected = distance(await lngLatAt(a), await lngLatAt(c), { units: 'meters' })
    const result = page.getByTestId('measure-result')
    const measured = Number(await result.getAttribute('data-value'))
    expect(Math.abs(measured - expected) / expected).toBeLessThan(0.01)
    expect(await result.textContent()).toMatch(/距离 [\d.]+ (米|千米)/)
    // Clicks while measuring never open a grid's info panel.
    expect(await page.evaluate(() => window.__gridwork!.selected())).toBe(selectedBefore)
    await mapIdle(page)
    await shot(page, '60-measure-distance')

    // The area of a triangle, by the keyboard shortcut.
    await page.keyboard.press('a')
    expect(await page.getByTestId('measure-area').getAttribute('aria-pressed')).toBe('true')
    for (const [fx, fy] of [
      [0.3, 0.3],
      [0.7, 0.3],
      [0.5, 0.7],
    ] as const) {
      const p = await mapPixel(fx, fy)
      await page.mouse.click(p.x, p.y)
    }
    const last = await mapPixel(0.5, 0.7)
    await page.mouse.dblclick(last.x, last.y)
    expect(Number(await result.getAttribute('data-value'))).toBeGreaterThan(0)
    expect(await result.textContent()).toMatch(/面积 [\d.]+ (平方米|公顷|平方千米)/)
    await mapIdle(page)
    await shot(page, '61-measure-area')

    await page.keyboard.press('Escape')
    expect(await result.isVisible()).toBe(false)
    expect(await page.getByTestId('measure-area').getAttribute('aria-pressed')).toBe('false')
    // The drawing is gone from the map (GeoJSON sources update in a worker, so wait for it).
    await expect.poll(() => page.evaluate(() => window.__gridwork!.map.querySourceFeatures('measure').length)).toBe(0)
  })

  it('shows the households and area of each side while a split line is drawn; Esc leaves the draft as it was', async () => {
    const { token } = await api<{ token: string }>('auth/login', null, { username: 'baisha', password: 'demo' })
    const grids = (await api<{ features: GridFeature[] }>('grids?region=990101004', token)).features
    const oversized = grids.find((g) => g.properties.code === OVERSIZED) as GridFeature
    expect(oversized.properties.households).toBe(759)
    await page.evaluate(() => localStorage.removeItem('gridwork.token'))
    await signIn(page, baseUrl, 'baisha')
    await page.getByTestId('tab-editor').click()
    await page.getByTestId('draft-validation').waitFor({ timeout: 60_000 })
    const changesBefore = await page.getByTestId('draft-changes').locator('li').count()

    const { geometry } = oversized
    const ring = (geometry.type === 'Polygon' ? geometry.coordinates[0] : geometry.coordinates[0]?.[0]) as number[][]
    await fitMapTo(page, ring)
    const xs = ring.map((p) => p[0] as number)
    const ys = ring.map((p) => p[1] as number)
    const midX = (Math.min(...xs) + Math.max(...xs)) / 2
    const midY = (Math.min(...ys) + Math.max(...ys)) / 2
    const centre = await pixelOf(page, [midX, midY])
    await page.mouse.click(centre.x, centre.y)
    await expect.poll(() => page.getByTestId('attribute-form').locator('code').textContent()).toBe(OVERSIZED)
    // Measuring lays the editor's tool down; a drawing tool takes the map back from the measure tool.
    await page.keyboard.press('d')
    expect(await page.getByTestId('measure-distance').getAttribute('aria-pressed')).toBe('true')
    await page.keyboard.press('s')
    expect(await page.getByTestId('measure-distance').getAttribute('aria-pressed')).toBe('false')
    const west = await pixelOf(page, [Math.min(...xs), midY])
    const east = await pixelOf(page, [Math.max(...xs), midY])
    await page.mouse.click(west.x - 30, west.y + 0.5)
    // Half-way the line is still inside the grid: no estimate yet, a hint.
    await page.mouse.move(centre.x, centre.y + 0.5, { steps: 5 })
    const estimate = page.getByTestId('draw-estimate')
    await expect.poll(() => estimate.textContent()).toContain('穿过')
    await page.mouse.move(east.x + 30, east.y + 0.5, { steps: 5 })
    await expect.poll(() => estimate.textContent()).toMatch(/约 \d+ 户 \/ 约 \d+ 户（按面积估算）/)
    const [a, b] = ((await estimate.textContent())?.match(/\d+(?= 户)/g) ?? []).map(Number)
    expect((a ?? 0) + (b ?? 0)).toBe(759)
    expect(Math.min(a ?? 0, b ?? 0)).toBeGreaterThan(150) // a line through the middle: neither side tiny
    expect(await estimate.textContent()).toMatch(/面积 [\d.]+ (平方米|公顷|平方千米) \/ [\d.]+ (平方米|公顷|平方千米)/)
    await shot(page, '62-split-estimate')

    await page.keyboard.press('Escape')
    await expect.poll(() => estimate.isVisible()).toBe(false)

    // Drawing a new grid over part of it: its area and the households it would take, by area.
    await page.keyboard.press('n')
    await page.mouse.click(centre.x - 40, centre.y - 40)
    await page.mouse.click(centre.x + 40, centre.y - 40)
    await page.mouse.click(centre.x + 40, centre.y + 40)
    await page.mouse.move(centre.x - 40, centre.y + 40, { steps: 5 })
    await expect.poll(() => estimate.textContent()).toMatch(/新网格 [\d.]+ (平方米|公顷|平方千米)，约 \d+ 户（按面积估算/)
    await shot(page, '63-draw-estimate')
    await page.keyboard.press('Escape')
    await expect.poll(() => estimate.isVisible()).toBe(false)
    await page.keyboard.press('v')
    expect(await page.getByTestId('draft-changes').locator('li').count()).toBe(changesBefore)

    // An issue in view: a click leaves the map where it is; scrolled off screen, a click eases there.
    const overlap = page.getByTestId('draft-issues').locator('[data-testid="issue"][data-code="overlap"]')
    const centreNow = () => page.evaluate(() => window.__gridwork!.map.getCenter().toArray())
    const still = await centreNow()
    await overlap.click()
    await mapIdle(page)
    expect(await centreNow()).toEqual(still)
    await page.evaluate(() => window.__gridwork!.map.panBy([2000, 0], { duration: 0 }))
    await mapIdle(page)
    const away = await centreNow()
    await overlap.click()
    await expect.poll(centreNow).not.toEqual(away)
    await mapIdle(page)
    const inView = await page.evaluate(() => {
      const map = window.__gridwork!.map
      return map.queryRenderedFeatures({ layers: ['issue-fill'] }).some((f) => f.properties.code === 'overlap')
    })
    expect(inView).toBe(true)
  })

  it('folds the sidebar at 1024×768: the map gets wider, nothing is off screen, the choice outlives a reload', async () => {
    await page.setViewportSize({ width: 1024, height: 768 })
    await page.evaluate(() => localStorage.removeItem('gridwork.token'))
    await signIn(page, baseUrl, 'county')
    const mapWidth = async () => (await page.getByTestId('map').boundingBox())?.width ?? 0
    const canvasWidth = () => page.evaluate(() => window.__gridwork!.map.getCanvas().clientWidth)
    /** Visible elements of the page that stick out of the window (none should). */
    const offScreen = () =>
      page.evaluate(() =>
        [...document.querySelectorAll<HTMLElement>('header *, .map-area > *, .sidebar > *, .maplibregl-ctrl')]
          .filter((el) => el.offsetParent !== null)
          .map((el) => ({ el, r: el.getBoundingClientRect() }))
          .filter(({ r }) => r.width > 0 && (r.left < -1 || r.top < -1 || r.right > innerWidth + 1 || r.bottom > innerHeight + 1))
          .map(({ el }) => el.className || el.tagName),
      )
    const toggle = page.getByTestId('sidebar-toggle')
    expect(await toggle.getAttribute('aria-expanded')).toBe('true')
    const before = await mapWidth()
    expect(await offScreen()).toEqual([])
    await shot(page, '64-sidebar-1024')

    // By the keyboard: focus the button, Enter.
    await toggle.focus()
    await page.keyboard.press('Enter')
    expect(await toggle.getAttribute('aria-expanded')).toBe('false')
    expect(await toggle.getAttribute('aria-label')).toBe('展开侧栏')
    const after = await mapWidth()
    expect(after).toBeGreaterThan(before + 300)
    await expect.poll(canvasWidth).toBe(Math.round(after))
    expect(await page.getByTestId('tab-regions').isVisible()).toBe(false)
    expect(await offScreen()).toEqual([])
    await mapIdle(page)
    await shot(page, '65-sidebar-collapsed-1024')

    await page.reload()
    await page.getByTestId('grid-count').waitFor({ state: 'visible', timeout: 60_000 })
    expect(await page.getByTestId('sidebar-toggle').getAttribute('aria-expanded')).toBe('false')
    expect(await mapWidth()).toBeCloseTo(after, 0)
    await page.getByTestId('sidebar-toggle').click()
    expect(await page.getByTestId('tab-regions').isVisible()).toBe(true)
    await expect.poll(canvasWidth).toBe(Math.round(before))
  })

  it('selects a grid by a tap on a touch screen: on the region map and in the editor', async () => {
    const touch = await openBrowser(baseUrl, { touch: true })
    try {
      const tablet = touch.page
      await signIn(tablet, baseUrl, 'baisha')
      await tablet.getByTestId('tab-regions').tap()
      const grid = await gridOnScreen(tablet)
      expect(grid).not.toBeNull()
      await tablet.touchscreen.tap(grid!.x, grid!.y)
      await expect.poll(() => tablet.getByTestId('grid-code').textContent()).toBe(grid!.code)
      await shot(tablet, '66-touch-region-map')

      await tablet.getByTestId('tab-editor').tap()
      await tablet.getByTestId('draft-validation').waitFor({ timeout: 60_000 })
      await mapIdle(tablet)
      const inEditor = await gridOnScreen(tablet)
      expect(inEditor).not.toBeNull()
      await tablet.touchscreen.tap(inEditor!.x, inEditor!.y)
      await expect.poll(() => tablet.getByTestId('attribute-form').locator('code').textContent()).toBe(inEditor!.code)
      // After a drawing tool (terra-draw listens to the pointer then), back to 选择: taps still select.
      await tablet.getByTestId('tool-split').tap()
      await tablet.getByTestId('tool-select').tap()
      await tablet.keyboard.press('Escape') // selection cleared: the tap below must select again
      await expect.poll(() => tablet.getByTestId('attribute-form').count()).toBe(0)
      await tablet.touchscreen.tap(inEditor!.x + 1, inEditor!.y + 1)
      await expect.poll(() => tablet.getByTestId('attribute-form').locator('code').textContent()).toBe(inEditor!.code)
      await shot(tablet, '67-touch-editor')

      // Measuring by taps: each tap adds a point and the figure follows (no hover on a touch screen).
      await tablet.getByTestId('measure-distance').tap()
      await tablet.touchscreen.tap(inEditor!.x - 60, inEditor!.y)
      await tablet.touchscreen.tap(inEditor!.x + 60, inEditor!.y)
      await expect.poll(() => tablet.getByTestId('measure-result').textContent()).toMatch(/距离 [\d.]+ (米|千米)/)
      await tablet.getByTestId('measure-distance').tap()
      expect(await tablet.getByTestId('measure-result').isVisible()).toBe(false)
      expect(touch.externalRequests).toEqual([])
    } finally {
      await touch.close()
    }
  })
})
