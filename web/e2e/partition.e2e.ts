/**
 * Browser test of 自动划分: a township clerk of 东湖街道 picks one of its communities in the region
 * tree, opens 自动划分 in the editor and previews the proposed grids (outlined and named on the map,
 * with the summary and the list of grids); a range no division fits gets its explanations, read
 * again in English; the urban range 200–300 reshapes grids, and the draft made of it opens as a
 * draft proposal. The server comes from global-setup.ts (the real POST /partition on the demo
 * county); screenshots go to test-results/e2e/.
 */
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { EXPLANATION_CODES } from '../../server/partition/partition.schemas'
import { type E2EBrowser, mapIdle, openBrowser, shot, signIn } from './browser'

const baseUrl = inject('baseUrl')
const DONGHU = '990101001000'
let b: E2EBrowser
let page: Page

/** Proposed grids drawn on the map (distinct numbers of the preview's outlines). */
const previewNumbers = () =>
  page.evaluate(
    () =>
      new Set(window.__gridwork!.map.queryRenderedFeatures({ layers: ['partition-line'] }).map((f) => Number(f.properties.number))).size,
  )

/** Runs the preview again and waits for the answer (or its error). */
async function preview(): Promise<void> {
  await page.getByTestId('partition-run').click()
  await expect.poll(() => page.getByTestId('partition-panel').getAttribute('aria-busy'), { timeout: 90_000 }).toBe('false')
  expect(await page.getByTestId('partition-error').count()).toBe(0)
  await page.getByTestId('partition-answer').waitFor()
}

const texts = (testid: string, selector: string) =>
  page
    .getByTestId(testid)
    .locator(selector)
    .evaluateAll((els) => els.map((e) => e.textContent?.trim() ?? ''))

describe('自动划分: preview, languages, draft', () => {
  beforeAll(async () => {
    b = await openBrowser(baseUrl)
    page = b.page
  })

  afterAll(async () => {
    await b?.close()
  })

  it('previews the grids of a community picked in the tree', async () => {
    await signIn(page, baseUrl, 'township')
    const tree = page.getByTestId('region-tree')
    await tree.waitFor({ state: 'visible' })
    // The first community of 东湖街道 in the tree.
    const community = tree.locator(`.tree-node[data-level="5"][data-code^="${DONGHU.slice(0, 9)}"]`).first()
    const code = (await community.getAttribute('data-code')) as string
    const name = (await community.textContent())?.trim() ?? ''
    await community.click()
    await mapIdle(page)

    await page.getByTestId('tab-editor').click()
    const panel = page.getByTestId('partition-panel')
    expect((await page.getByTestId('partition-open').textContent())?.trim()).toBe('自动划分')
    await page.getByTestId('partition-open').click()
    // The community picked in the tree is the one offered; it has grids, so they are kept by default.
    expect(await page.getByTestId('partition-community').inputValue()).toBe(code)
    expect(name).toContain(await page.getByTestId('partition-community').locator('option:checked').textContent())
    expect(await page.getByTestId('partition-keep').isChecked()).toBe(true)
    // The range of the region's profile, from the grids the map has loaded.
    expect(Number(await page.getByTestId('partition-min').inputValue())).toBeGreaterThan(0)
    expect(Number(await page.getByTestId('partition-max').inputValue())).toBeGreaterThan(
      Number(await page.getByTestId('partition-min').inputValue()),
    )

    // A range the wrong way round is refused in place, nothing is sent.
    const min = await page.getByTestId('partition-min').inputValue()
    await page.getByTestId('partition-min').fill('900')
    await page.getByTestId('partition-run').click()
    expect(await page.getByTestId('partition-error').textContent()).toBe('户数下限不能大于上限')
    await page.getByTestId('partition-min').fill(min)

    await page.getByTestId('partition-run').click()
    await page.getByTestId('partition-answer').waitFor({ timeout: 90_000 })
    expect(await panel.getAttribute('aria-busy')).toBe('false')
    expect(await page.getByTestId('partition-error').count()).toBe(0)

    const grids = Number(await page.getByTestId('partition-summary').getAttribute('data-grids'))
    expect(grids).toBeGreaterThan(0)
    expect(await page.getByTestId('partition-grids').locator('tbody tr').count()).toBe(grids)
    expect(await texts('partition-summary', 'dt')).toEqual([
      '网格数',
      '户数在范围内',
      '平均紧凑度',
      '沿道路的边界',
      '需换网格的户数',
      '保持不变的网格',
    ])
    // Every grid is kept, reshaped or new; the counts add up.
    const changes = await page
      .getByTestId('partition-grids')
      .locator('tbody tr')
      .evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.change))
    expect(changes.every((c) => c === 'unchanged' || c === 'reshaped' || c === 'new')).toBe(true)
    expect(await page.getByTestId('partition-counts').textContent()).toMatch(/^保留 \d+ 个 · 调整 \d+ 个 · 新增 \d+ 个$/)

    // On the map: every proposed grid outlined, with its number.
    await mapIdle(page)
    await expect.poll(previewNumbers).toBe(grids)
    await shot(page, '40-partition-preview-zh')
    // Every grid kept as it is: a draft would hold no change, so none is offered.
    if (changes.every((c) => c === 'unchanged')) {
      expect(await page.getByTestId('partition-create-draft').isDisabled()).toBe(true)
      expect(await page.getByTestId('partition-draft-note').textContent()).toContain('无需生成草稿')
    }
  })

  it('explains, in plain words, a range no division of the community fits (295–300)', async () => {
    await page.getByTestId('partition-min').fill('295')
    await page.getByTestId('partition-max').fill('300')
    expect((await page.getByTestId('partition-run').textContent())?.trim()).toBe('重新生成预览')
    await preview()
    const items = page.getByTestId('partition-explanations').locator('li')
    expect(await items.count()).toBeGreaterThan(0)
    const codes = await items.evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.code ?? ''))
    for (const code of codes) expect(EXPLANATION_CODES).toContain(code) // worded by the web, not passed through
    for (const text of await texts('partition-explanations', 'li')) {
      expect(text).toMatch(/户/)
      expect(text).not.toMatch(/\{\{|partition\.|undefined|u\d/)
    }
    // Grids out of range are flagged in the list and drawn in the warning colour.
    const flagged = await page.getByTestId('partition-grids').locator('tr.out-of-range').count()
    expect(flagged).toBeGreaterThan(0)
    const warned = await page.evaluate(
      () => window.__gridwork!.map.queryRenderedFeatures({ layers: ['partition-fill'] }).filter((f) => !f.properties.in_range).length,
    )
    expect(warned).toBeGreaterThan(0)
    await shot(page, '41-partition-explained-zh')
  })

  it('relabels the summary, the explanations and the list in English', async () => {
    const explanationsZh = await texts('partition-explanations', 'li')
    await page.getByTestId('language-select').selectOption('en')
    await expect.poll(() => page.getByTestId('partition-open').textContent()).toBe('Auto-partition')
    expect(await texts('partition-summary', 'dt')).toEqual([
      'Grids',
      'Within the range',
      'Mean compactness',
      'Boundaries on roads',
      'Households moved',
      'Grids unchanged',
    ])
    const explanationsEn = await texts('partition-explanations', 'li')
    expect(explanationsEn.length).toBe(explanationsZh.length)
    for (const [i, text] of explanationsEn.entries()) {
      expect(text).not.toBe(explanationsZh[i])
      // English words around the data (grid names stay Chinese: they are names).
      expect(text).toMatch(/households/)
      expect(text).not.toMatch(/户|无法|、/)
    }
    expect(await page.getByTestId('partition-counts').textContent()).toMatch(/^Kept \d+ · reshaped \d+ · new \d+$/)
    expect(await page.getByTestId('partition-grids').locator('th').allTextContents()).toEqual([
      'No.',
      'Name',
      'Households',
      'Compared with today',
    ])
    await mapIdle(page)
    await shot(page, '42-partition-explained-en')
    await page.getByTestId('language-select').selectOption('zh-CN')
    await expect.poll(() => page.getByTestId('partition-open').textContent()).toBe('自动划分')
  })

  it('previews with the urban range of 002 (200–300): grids are reshaped, the draft is offered', async () => {
    await page.getByTestId('partition-min').fill('200')
    await page.getByTestId('partition-max').fill('300')
    await preview()
    const changes = await page
      .getByTestId('partition-grids')
      .locator('tbody tr')
      .evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.change))
    expect(changes.some((c) => c !== 'unchanged')).toBe(true)
    expect(await page.getByTestId('partition-create-draft').isEnabled()).toBe(true)
    const grids = Number(await page.getByTestId('partition-summary').getAttribute('data-grids'))
    await mapIdle(page)
    await expect.poll(previewNumbers).toBe(grids)
    await shot(page, '43-partition-reshaped-zh')
  })

  it('creates the draft and opens it as a draft proposal', async () => {
    await page.getByTestId('partition-create-draft').click()
    await page.getByTestId('proposal-steps').waitFor({ timeout: 90_000 })
    expect(await page.getByTestId('tab-proposals').getAttribute('aria-selected')).toBe('true')
    expect(await page.getByTestId('proposal-state').getAttribute('data-state')).toBe('draft')
    expect(await page.getByTestId('proposal-grids').locator('[data-testid="proposal-grid"]').count()).toBeGreaterThan(0)
    // The preview is gone; the proposal's diff is on the map instead.
    expect(await page.evaluate(() => !!window.__gridwork!.map.getLayer('partition-line'))).toBe(false)
    await mapIdle(page)
    await shot(page, '44-partition-draft')
  })

  it('tells a county reviewer in plain words why it may preview but not draft (the township proposes)', async () => {
    await page.evaluate(() => localStorage.removeItem('gridwork.token'))
    await signIn(page, baseUrl, 'county')
    await page.getByTestId('tab-regions').click()
    const tree = page.getByTestId('region-tree')
    await tree.locator(`.tree-node[data-code="${DONGHU}"]`).click()
    await tree
      .locator(`.tree-node[data-level="5"][data-code^="${DONGHU.slice(0, 9)}"]`)
      .first()
      .click()
    await page.getByTestId('tab-editor').click()
    if ((await page.getByTestId('partition-panel').getAttribute('open')) === null) await page.getByTestId('partition-open').click()
    await page.getByTestId('partition-min').fill('200')
    await page.getByTestId('partition-max').fill('300')
    await preview()
    await page.getByTestId('partition-create-draft').click()
    const error = page.getByTestId('partition-draft-error')
    await error.waitFor({ timeout: 90_000 })
    // The server's 403, in the UI's language: who proposes here, and that this account may not.
    expect(await error.textContent()).toMatch(/^未能生成草稿：.*乡镇.*无权/)
    expect(await page.getByTestId('tab-editor').getAttribute('aria-selected')).toBe('true')
    expect(await page.getByTestId('partition-answer').isVisible()).toBe(true) // the preview stays
    await error.scrollIntoViewIfNeeded()
    await shot(page, '45-partition-county-refused')
  })
})
