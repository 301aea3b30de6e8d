/**
 * The tools an officer uses all day: measuring (as the read-only department account), the running
 * household estimate while a split line is drawn, the collapsible sidebar at 1024×768 and
 * selecting grids by tapping on a touch screen. Screenshots go to test-results/e2e/6x-*.png.
 */
import { distance } from '@turf/turf'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { type E2EBrowser, mapIdle, openBrowser, shot, signIn } from './browser'

const baseUrl = inject('baseUrl')
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
    expect(
      await page.evaluate(
        () => window.__gridwork!.map.getSource('measure') && window.__gridwork!.map.querySourceFeatures('measure').length,
      ),
    ).toBe(0)
  })
})
