/**
 * Browser test of the grid history features: the as-of date ("查看日期") reloads the grids in
 * force on that day with a "历史视图" badge and a way back to today; a grid's "历史版本" lists its
 * versions and outlines one on the map. The server comes from global-setup.ts (demo county,
 * whose grids are valid from 2026-01-01); screenshots go to test-results/e2e/.
 */
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { type E2EBrowser, gridOnScreen, mapIdle, openBrowser, shot, signIn } from './browser'

const baseUrl = inject('baseUrl')
const DEMO_GRIDS = 279
let b: E2EBrowser
let page: Page

const gridCount = async () => Number(await page.getByTestId('grid-count').getAttribute('data-count'))

/** Sets the date input the way a picker does (value, then `change`). */
async function setDate(value: string): Promise<void> {
  await page.getByTestId('as-of-date').evaluate((el, v) => {
    const input = el as HTMLInputElement
    input.value = v
    input.dispatchEvent(new Event('change', { bubbles: true }))
  }, value)
}

describe('editor: as-of date and grid history', () => {
  beforeAll(async () => {
    b = await openBrowser(baseUrl)
    page = b.page
  })

  afterAll(async () => {
    await b?.close()
  })

  it('shows the grids in force on a past day, then back to today', async () => {
    await signIn(page, baseUrl, 'county')
    expect(await gridCount()).toBe(DEMO_GRIDS)
    const badge = page.getByTestId('as-of-badge')
    expect(await badge.isVisible()).toBe(false)

    // The day before the demo grids took effect: none in force.
    await page.getByTestId('as-of-date').fill('2025-12-31')
    await expect.poll(gridCount, { timeout: 30_000 }).toBe(0)
    await badge.waitFor({ state: 'visible' })
    expect(await badge.textContent()).toContain('历史视图：2025-12-31')
    await mapIdle(page)
    const rendered = await page.evaluate(() => window.__gridwork!.map.queryRenderedFeatures({ layers: ['grid-fill'] }).length)
    expect(rendered).toBe(0)
    await shot(page, '20-as-of-2025-12-31')

    // An invalid date: the API's message in place, the view unchanged.
    await setDate('10000-01-01')
    const error = page.getByTestId('as-of-error')
    await error.waitFor({ state: 'visible', timeout: 30_000 })
    expect((await error.textContent())?.trim()).not.toBe('')
    expect(await gridCount()).toBe(0)
    await shot(page, '21-as-of-invalid')

    // Back to today.
    await page.getByTestId('as-of-today').click()
    await expect.poll(gridCount, { timeout: 30_000 }).toBe(DEMO_GRIDS)
    await badge.waitFor({ state: 'hidden' })

    // The date slider: its left end is a year before the oldest version (2026-01-01) → no grids;
    // its right end is today → all of them again.
    const slider = page.getByTestId('as-of-slider')
    await slider.fill('0')
    await expect.poll(() => page.getByTestId('as-of-date').inputValue()).toBe('2025-01-01')
    await expect.poll(gridCount, { timeout: 30_000 }).toBe(0)
    await slider.fill(String(await slider.getAttribute('max')))
    await expect.poll(gridCount, { timeout: 30_000 }).toBe(DEMO_GRIDS)
    await badge.waitFor({ state: 'hidden' })
    expect(await error.isVisible()).toBe(false)
    await mapIdle(page)
    expect(b.externalRequests).toEqual([])
  })

  it("lists a grid's versions and outlines one on the map", async () => {
    // Click a grid on screen (nearest the centre, not under an overlay).
    const target = await gridOnScreen(page)
    expect(target).not.toBeNull()
    await page.mouse.click(target!.x, target!.y)
    await page.getByTestId('grid-info').waitFor({ state: 'visible' })
    expect((await page.getByTestId('grid-code').textContent())?.trim()).toBe(target!.code)

    await page.getByTestId('history-load').click()
    const version1 = page.locator('[data-testid="history-version"][data-version="1"]')
    await version1.waitFor({ state: 'visible', timeout: 30_000 })
    const text = (await version1.textContent()) ?? ''
    expect(text).toContain('版本 1')
    expect(text).toContain('2026-01-01')

    // Clicking the version draws its outline on the history layer.
    await version1.click()
    await expect.poll(() => version1.getAttribute('class')).toContain('shown')
    await mapIdle(page)
    const outlined = await page.evaluate(() =>
      window.__gridwork!.map.queryRenderedFeatures({ layers: ['history-line'] }).map((f) => String(f.properties.code)),
    )
    expect(outlined).toContain(target!.code)
    await shot(page, '22-grid-history')

    // English relabels the section.
    await page.getByTestId('language-select').selectOption('en')
    await expect.poll(() => version1.textContent()).toContain('Version 1')
    await page.getByTestId('language-select').selectOption('zh-CN')
    expect(b.externalRequests).toEqual([])
  })
})
