/**
 * The editor end to end on the demo county's faulty township 白沙镇 (990101004000: a gap, an
 * overlap and a 759-household grid), as the 白沙镇 account `baisha`:
 *  1. dragging a corner shared by neighbouring grids moves it in all of them — validation reports
 *     no new gap or overlap — and undo takes it back;
 *  2. the full chain: split the oversized grid by drawing a line (the header counts the draft),
 *     join the gap to a neighbour, cut the overlap out, see the error layer clear, submit through
 *     the dialog (cancel, empty title, edited title); the county returns it with a comment pinned
 *     on the map; the township names a new grid, gives it a grid head and resubmits; the county
 *     approves (the live count follows), the city files; the new codes are on the map and in the
 *     grid's history, the named grid carries its name and head.
 * Screenshots of every step go to test-results/e2e/4x-*.png.
 */
import { pointOnFeature } from '@turf/turf'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { apiClient, type E2EBrowser, fitMapTo, mapIdle, openBrowser, pixelOf, shot, signIn } from './browser'

const baseUrl = inject('baseUrl')
const BAISHA = '990101004'
let b: E2EBrowser
let page: Page

type Ring = number[][]
interface GridFeature {
  geometry: { type: 'Polygon' | 'MultiPolygon'; coordinates: Ring[] | Ring[][] }
  properties: { code: string; name: string; region_code: string; households: number | null; attributes?: { grid_head?: string } }
}
interface RegionFeature {
  geometry: { type: 'Polygon' | 'MultiPolygon'; coordinates: Ring[] | Ring[][] } | null
  properties: { code: string; level: number }
}

const api = apiClient(baseUrl)
const SUBMIT_TITLE = '白沙镇七组网格拆分及缝隙修补'
const NEW_NAME = '白沙七组北网格'

/** The header's grid count and whether it counts the live layer or a draft. */
const headerCount = async () => ({
  view: await page.getByTestId('grid-count').getAttribute('data-view'),
  count: Number(await page.getByTestId('grid-count').getAttribute('data-count')),
})

const rings = (g: GridFeature['geometry'] | RegionFeature['geometry']): Ring[] =>
  !g ? [] : g.type === 'Polygon' ? (g.coordinates as Ring[]) : (g.coordinates as Ring[][]).flat()
const key = (p: number[]) => `${p[0]},${p[1]}`

const toPixel = (lngLat: number[]) => pixelOf(page, lngLat)
const fitTo = (coords: number[][]) => fitMapTo(page, coords)

/** Waits until the draft has been saved (and validated) after an edit. */
async function saved(expectedChanges?: number): Promise<void> {
  await expect.poll(() => page.getByTestId('draft-state').getAttribute('data-save'), { timeout: 60_000 }).toBe('saved')
  if (expectedChanges !== undefined) await expect.poll(() => page.getByTestId('draft-changes').locator('li').count()).toBe(expectedChanges)
  await mapIdle(page)
}

/** Codes of the draft's errors (warnings such as split slivers left out). */
const draftIssueCodes = () =>
  page
    .getByTestId('draft-issues')
    .locator('[data-testid="issue"][data-severity="error"]')
    .evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.code ?? ''))
const count = (codes: string[], code: string) => codes.filter((c) => c === code).length

async function signInFresh(username: string): Promise<void> {
  if (page.url().startsWith('http')) await page.evaluate(() => localStorage.removeItem('gridwork.token'))
  await signIn(page, baseUrl, username)
}

interface CoverageIssue {
  code: string
  message: string
  feature_ids: string[]
}

/** The whole county's gaps, overlaps and outside parts at sliver tolerance 0 (any size counts). */
async function countyCoverageIssues(): Promise<CoverageIssue[]> {
  const countyToken = (await api<{ token: string }>('auth/login', null, { username: 'county', password: 'demo' })).token
  const county = await api<{ features: unknown[] }>('grids?region=990101', countyToken)
  const report = await api<{ issues: CoverageIssue[] }>('validate', countyToken, {
    features: county,
    parent: '990101000000',
    sliver_tolerance_m2: 0,
  })
  return report.issues.filter((issue) => ['gap', 'overlap', 'outside_parent'].includes(issue.code))
}
const issueKey = (issue: CoverageIssue) => `${issue.code}:${[...issue.feature_ids].sort().join(',')}`

describe('editor: shared-edge editing and the whole chain in the browser', () => {
  let token = ''
  let grids: GridFeature[] = []

  beforeAll(async () => {
    b = await openBrowser(baseUrl)
    page = b.page
    token = (await api<{ token: string }>('auth/login', null, { username: 'baisha', password: 'demo' })).token
    grids = (await api<{ features: GridFeature[] }>(`grids?region=${BAISHA}`, token)).features
  })

  afterAll(async () => {
    await b?.close()
  })

  it('drags a corner shared by neighbours: both move, no new gap or overlap; undo restores', async () => {
    // A corner where grids of one community meet, away from every community boundary and the faults.
    const regions = (await api<{ features: RegionFeature[] }>(`regions/${BAISHA}000/children?descendants=true`, token)).features
    const boundaryCorners = new Set(regions.filter((r) => r.properties.level === 5).flatMap((r) => rings(r.geometry).flat().map(key)))
    const faulty = new Set(['990101004007002'])
    const owners = new Map<string, Set<string>>()
    for (const g of grids)
      for (const p of rings(g.geometry).flat()) owners.set(key(p), (owners.get(key(p)) ?? new Set()).add(g.properties.code))
    const [corner, codes] = [...owners.entries()].find(
      ([k, set]) =>
        set.size >= 2 &&
        !boundaryCorners.has(k) &&
        ![...set].some((c) => faulty.has(c) || c.startsWith('990101004005') || c.startsWith('990101004008')) &&
        new Set([...set].map((c) => c.slice(0, 12))).size === 1,
    ) as [string, Set<string>]
    const at = corner.split(',').map(Number)
    const touching = grids.filter((g) => codes.has(g.properties.code))

    await signInFresh('baisha')
    await page.getByTestId('tab-editor').click()
    await page.getByTestId('draft-validation').waitFor({ timeout: 60_000 })
    const before = await draftIssueCodes()
    expect(count(before, 'gap')).toBe(1)
    expect(count(before, 'overlap')).toBe(1)

    await fitTo(touching.flatMap((g) => rings(g.geometry).flat()))
    const first = touching[0] as GridFeature
    const inside = rings(first.geometry)[0] as Ring
    const mid = [inside.reduce((s, p) => s + p[0]!, 0) / inside.length, inside.reduce((s, p) => s + p[1]!, 0) / inside.length]
    // Select a grid at the corner (a point just inside it, towards its middle), then reshape (E).
    const near = await toPixel([at[0]! + (mid[0]! - at[0]!) * 0.3, at[1]! + (mid[1]! - at[1]!) * 0.3])
    await page.mouse.click(near.x, near.y)
    await page.keyboard.press('e')
    await expect.poll(() => page.getByTestId('tool-reshape').getAttribute('aria-pressed')).toBe('true')
    await mapIdle(page)
    const handles = await page.evaluate(() => window.__gridwork!.map.queryRenderedFeatures({ layers: ['edit-vertex'] }).length)
    expect(handles).toBeGreaterThan(3)
    await shot(page, '40-editor-reshape-handles')

    const from = await toPixel(at)
    await page.mouse.move(from.x, from.y)
    await page.mouse.down()
    await page.mouse.move(from.x + 6, from.y + 4, { steps: 4 })
    await page.mouse.move(from.x + 9, from.y + 7, { steps: 4 })
    await page.mouse.up()
    // One reshape per grid sharing the corner, saved as one edit.
    await saved(codes.size)
    const after = await draftIssueCodes()
    expect(count(after, 'gap')).toBe(1)
    expect(count(after, 'overlap')).toBe(1)
    expect(after.filter((c) => c === 'micro_gap' || c === 'micro_overlap')).toEqual([])
    expect(await page.getByTestId('draft-changes').textContent()).toContain([...codes][0])
    await shot(page, '41-editor-shared-corner-moved')

    // Ctrl+Z undoes the whole drag (all its reshapes); Ctrl+Shift+Z redoes it; undo again.
    await page.keyboard.press('Control+z')
    await expect.poll(() => page.getByTestId('draft-changes').count()).toBe(0)
    await page.keyboard.press('Control+Shift+z')
    await saved(codes.size)
    await page.keyboard.press('Control+z')
    await expect.poll(() => page.getByTestId('draft-changes').count()).toBe(0)
    await saved()
  })

  it('runs the chain: split + fix gap and overlap → return with a pinned comment → resubmit → approve → file', async () => {
    const coverageBefore = await countyCoverageIssues()
    // 1. Township: split the oversized grid by drawing a line across it.
    const oversized = grids.find((g) => (g.properties.households ?? 0) > 500) as GridFeature
    expect(oversized.properties.code).toBe('990101004007002')
    const ring = rings(oversized.geometry).flat()
    await fitTo(ring)
    const xs = ring.map((p) => p[0]!)
    const ys = ring.map((p) => p[1]!)
    const midY = (Math.min(...ys) + Math.max(...ys)) / 2
    const midX = (Math.min(...xs) + Math.max(...xs)) / 2
    await page.keyboard.press('v')
    const centre = await toPixel([midX, midY])
    await page.mouse.click(centre.x, centre.y)
    await expect.poll(() => page.getByTestId('attribute-form').locator('code').textContent()).toBe(oversized.properties.code)
    await page.keyboard.press('s')
    const west = await toPixel([Math.min(...xs), midY])
    const east = await toPixel([Math.max(...xs), midY])
    await page.mouse.click(west.x - 30, west.y + 0.5)
    await page.mouse.click(east.x + 30, east.y + 0.5)
    await page.mouse.click(east.x + 30, east.y + 0.5) // a second click on the last point ends the line
    await saved(1)
    expect(count(await draftIssueCodes(), 'households_above_max')).toBe(0)
    await shot(page, '42-chain-split')

    // Nothing is lost on reload: the draft lives on the server and the editor resumes it.
    await page.reload()
    await page.getByTestId('grid-count').waitFor({ state: 'visible', timeout: 60_000 })
    // The header counts what the map shows: the live layer on 区划, the township as the draft leaves it on 编辑.
    await page.getByTestId('tab-regions').click()
    await expect.poll(() => headerCount()).toEqual({ view: 'live', count: grids.length })
    await page.getByTestId('tab-editor').click()
    await expect.poll(() => page.getByTestId('draft-changes').locator('li').count(), { timeout: 60_000 }).toBe(1)
    await page.getByTestId('draft-validation').waitFor()
    await expect.poll(() => headerCount()).toEqual({ view: 'draft', count: grids.length + 1 })
    expect(await page.getByTestId('grid-count').textContent()).toBe(`草稿 · ${grids.length + 1} 个网格`)
    expect(await page.getByTestId('legend-view').getAttribute('data-view')).toBe('draft')

    // 2. Join the gap to a neighbouring grid, cut the overlap out of one of its grids.
    await page.keyboard.press('v')
    const gapItem = page.getByTestId('draft-issues').locator('li', { has: page.locator('[data-code="gap"][data-severity="error"]') })
    await gapItem.getByTestId('issue').click()
    await gapItem.getByTestId('fix').first().click()
    await saved(2)
    expect(count(await draftIssueCodes(), 'gap')).toBe(0)
    const overlapItem = page
      .getByTestId('draft-issues')
      .locator('li', { has: page.locator('[data-code="overlap"][data-severity="error"]') })
    await overlapItem.getByTestId('issue').click()
    await overlapItem.getByTestId('fix').first().click()
    await saved(3)
    const clean = await draftIssueCodes()
    expect(count(clean, 'overlap')).toBe(0)
    expect(await page.getByTestId('draft-validation').getAttribute('data-errors')).toBe('0')
    // The error layer has nothing red left.
    const errorsDrawn = await page.evaluate(
      () =>
        window
          .__gridwork!.map.queryRenderedFeatures({ layers: ['issue-fill', 'issue-point'] })
          .filter((f) => f.properties.severity === 'error').length,
    )
    expect(errorsDrawn).toBe(0)
    await shot(page, '43-chain-fixed')

    // Submitting asks first: 取消 sends nothing; an empty title is refused in place; then the edited title goes.
    await page.getByTestId('draft-submit').click()
    await page.getByTestId('submit-dialog').waitFor()
    expect(await page.getByTestId('submit-title').inputValue()).toBe('白沙镇网格调整')
    expect(await page.getByTestId('submit-consequence').textContent()).toContain('提交后草稿将锁定')
    await page.getByTestId('submit-cancel').click()
    await expect.poll(() => page.getByTestId('submit-dialog').count()).toBe(0)
    expect(await page.getByTestId('draft-locked').count()).toBe(0)
    await page.getByTestId('draft-submit').click()
    await page.getByTestId('submit-title').fill('')
    await page.getByTestId('submit-confirm').click()
    expect(await page.getByTestId('submit-dialog-error').textContent()).toBe('请填写申请标题')
    await page.getByTestId('submit-title').fill(SUBMIT_TITLE)
    await page.getByTestId('submit-reason').fill('七组网格户数超标，拆分为两个网格，并修补缝隙和重叠')
    await shot(page, '43a-chain-submit-dialog')
    await page.getByTestId('submit-confirm').click()
    await expect.poll(() => page.getByTestId('draft-locked').isVisible(), { timeout: 30_000 }).toBe(true)
    // A locked proposal offers no fix or exception links.
    expect(await page.getByTestId('draft-issues').getByTestId('fix').count()).toBe(0)
    expect(await page.getByTestId('draft-issues').getByTestId('exception-ask').count()).toBe(0)
    const proposals = await api<{ proposals: { id: number; state: string; created_by: string }[] }>('proposals', token)
    const proposal = proposals.proposals.find((p) => p.created_by === 'baisha' && p.state === 'submitted') as { id: number }
    expect(proposal).toBeTruthy()
    expect((await api<{ title: string }>(`proposals/${proposal.id}`, token)).title).toBe(SUBMIT_TITLE)

    // 3. County returns it with a comment pinned on the map.
    await page.getByTestId('logout').click()
    await signInFresh('county')
    await page.getByTestId('tab-proposals').click()
    const item = page.locator(`[data-testid="proposal-item"][data-id="${proposal.id}"]`)
    await item.click()
    await page.getByTestId('act-reject').click()
    await page.getByTestId('act-comment').fill('拆分后南侧网格请补填网格长')
    await page.getByTestId('act-form').getByTestId('pin-pick').click()
    await fitTo(ring)
    const pinAt = await toPixel([midX, midY - (Math.max(...ys) - Math.min(...ys)) / 4])
    await page.mouse.click(pinAt.x, pinAt.y)
    await page.getByTestId('pin-location').waitFor()
    await page.getByTestId('act-confirm').click()
    await expect.poll(() => page.getByTestId('proposal-state').getAttribute('data-state')).toBe('returned')
    await mapIdle(page)
    expect(await page.evaluate(() => window.__gridwork!.map.queryRenderedFeatures({ layers: ['comment-pin'] }).length)).toBe(1)
    await shot(page, '44-chain-returned-with-pin')

    // 4. Township sees the pinned comment, edits (grid head of a neighbour) and resubmits.
    await page.getByTestId('logout').click()
    await signInFresh('baisha')
    await page.getByTestId('tab-proposals').click()
    await page.locator(`[data-testid="proposal-item"][data-id="${proposal.id}"]`).click()
    expect(await page.getByTestId('proposal-timeline').textContent()).toContain('拆分后南侧网格请补填网格长')
    await page.getByTestId('comment-locate').click()
    await mapIdle(page)
    expect(await page.evaluate(() => window.__gridwork!.map.queryRenderedFeatures({ layers: ['comment-pin'] }).length)).toBe(1)
    await shot(page, '45-chain-township-reads-pin')

    await page.getByTestId('tab-editor').click()
    await page.getByTestId('draft-validation').waitFor()
    expect(await page.getByTestId('draft-state').textContent()).toContain('已退回')
    const neighbour = grids.find(
      (g) => g.properties.region_code === oversized.properties.region_code && g.properties.code !== oversized.properties.code,
    ) as GridFeature
    await fitTo(rings(neighbour.geometry).flat())
    const nRing = rings(neighbour.geometry)[0] as Ring
    const nMid = await toPixel([nRing.reduce((s, p) => s + p[0]!, 0) / nRing.length, nRing.reduce((s, p) => s + p[1]!, 0) / nRing.length])
    await page.mouse.click(nMid.x, nMid.y)
    await page.getByTestId('attr-grid-head').fill('王芳')
    await page.getByTestId('attr-save').click()
    await saved(4)
    // A grid the split made has the same form: its draft id reads 新网格 N（审批后赋码）.
    await fitTo(ring)
    const north = await toPixel([midX, midY + (Math.max(...ys) - Math.min(...ys)) / 4])
    await page.mouse.click(north.x, north.y)
    const newId = await page.getByTestId('attribute-form').getAttribute('data-grid')
    expect(newId).toMatch(/^new-\d+$/)
    expect(await page.getByTestId('attribute-form').textContent()).toContain(`新网格 ${newId?.slice(4)}（审批后赋码）`)
    await page.getByTestId('attr-name').fill(NEW_NAME)
    await page.getByTestId('attr-grid-head').fill('李娜')
    await page.getByTestId('attr-save').click()
    await saved(5)
    await mapIdle(page)
    await shot(page, '45a-chain-new-grid-named')
    await page.getByTestId('draft-submit').click()
    expect(await page.getByTestId('submit-title').inputValue()).toBe(SUBMIT_TITLE)
    await shot(page, '45b-chain-resubmit-dialog')
    await page.getByTestId('submit-confirm').click()
    await expect.poll(() => page.getByTestId('draft-locked').isVisible(), { timeout: 30_000 }).toBe(true)

    // 5. County approves (document number, effective date); 6. city files (the approval applied the
    // change, so the filing asks for neither).
    const today = new Date().toISOString().slice(0, 10)
    for (const [username, act, docNo] of [
      ['county', 'approve', '示县网〔2026〕12号'],
      ['city', 'file', null],
    ] as const) {
      await page.getByTestId('logout').click()
      await signInFresh(username)
      await page.getByTestId('tab-proposals').click()
      await page.locator(`[data-testid="proposal-item"][data-id="${proposal.id}"]`).click()
      // The split's neighbours only received its cut points on their edges: listed as 顶点对齐, not 调整.
      if (act === 'approve')
        await expect.poll(() => page.locator('[data-testid="proposal-grid"].diff-aligned').count(), { timeout: 30_000 }).toBeGreaterThan(0)
      await page.getByTestId(`act-${act}`).click()
      if (docNo) {
        await page.getByTestId('act-document-no').fill(docNo)
        await page.getByTestId('act-effective-date').fill(today)
      } else expect(await page.getByTestId('act-document-no').count()).toBe(0)
      const before = await headerCount()
      await page.getByTestId('act-confirm').click()
      await expect
        .poll(() => page.getByTestId('proposal-state').getAttribute('data-state'), { timeout: 60_000 })
        .toBe(act === 'approve' ? 'approved' : 'filed')
      // The approval put two grids in force for one: the live layer and its count follow without a reload.
      if (act === 'approve') await expect.poll(() => headerCount(), { timeout: 30_000 }).toEqual({ view: 'live', count: before.count + 1 })
      await shot(page, act === 'approve' ? '46-chain-approved' : '47-chain-filed')
    }

    // 7. The new codes are on the map (the split made one grid into two) and in history.
    await page.getByTestId('logout').click()
    await signInFresh('baisha')
    expect(Number(await page.getByTestId('grid-count').getAttribute('data-count'))).toBe(grids.length + 1)
    const decoded = await api<{ status: string; lineage: { children: string[] } }>(`codes/${oversized.properties.code}`, token)
    expect(decoded.status).toBe('retired')
    const children = decoded.lineage.children
    expect(children).toHaveLength(2)
    await fitTo(ring)
    const newCodes = await page.evaluate(() =>
      window.__gridwork!.map.queryRenderedFeatures({ layers: ['grid-fill'] }).map((f) => String(f.properties.code)),
    )
    for (const code of children) expect(newCodes).toContain(code)
    const live = (await api<{ features: GridFeature[] }>(`grids?region=${BAISHA}`, token)).features
    const named = live.find((g) => g.properties.name === NEW_NAME)
    expect(named && children.includes(named.properties.code)).toBe(true)
    expect(named?.properties.attributes?.grid_head).toBe('李娜')
    await page.mouse.click(centre.x, centre.y - 2)
    await page.getByTestId('grid-info').waitFor()
    await page.getByTestId('history-load').click()
    await expect.poll(() => page.getByTestId('grid-info').textContent()).toContain(oversized.properties.code)
    await shot(page, '48-chain-new-codes-history')

    // 8. No sliver of any size: the whole county at tolerance 0 reports only faults it had before
    // the chain (the gap and the overlap it fixed are gone), none that the split, the fixes or the
    // approval made.
    const coverageAfter = await countyCoverageIssues()
    const before = new Set(coverageBefore.map(issueKey))
    expect(coverageAfter.filter((issue) => !before.has(issueKey(issue))).map((issue) => issue.message)).toEqual([])
    expect(coverageAfter.length).toBeLessThan(coverageBefore.length)
    expect(b.externalRequests).toEqual([])
  }, 300_000)

  it('merges two neighbours and draws a new grid with the tools, each undone', async () => {
    // Two grids of one community that share an edge (a common corner pair).
    const today = (await api<{ features: GridFeature[] }>(`grids?region=${BAISHA}`, token)).features
    const cornersOf = (g: GridFeature) => new Set(rings(g.geometry).flat().map(key))
    let pair: [GridFeature, GridFeature] | undefined
    for (const a of today)
      for (const c of today)
        if (!pair && a.properties.code < c.properties.code && a.properties.region_code === c.properties.region_code) {
          const shared = [...cornersOf(a)].filter((k) => cornersOf(c).has(k)).length
          if (shared >= 3) pair = [a, c]
        }
    const [a, c] = pair as [GridFeature, GridFeature]
    // A point surely inside each grid (a vertex average can fall outside a concave grid).
    const middle = (g: GridFeature) => pointOnFeature(g.geometry as Parameters<typeof pointOnFeature>[0]).geometry.coordinates as number[]

    await page.getByTestId('tab-editor').click()
    await page.getByTestId('draft-validation').waitFor({ timeout: 60_000 })
    await fitTo([...rings(a.geometry).flat(), ...rings(c.geometry).flat()])
    await page.keyboard.press('m')
    for (const g of [a, c]) {
      const p = await toPixel(middle(g))
      await page.mouse.click(p.x, p.y)
    }
    await expect.poll(() => page.getByTestId('merge-selected').isEnabled()).toBe(true)
    await page.getByTestId('merge-selected').click()
    await saved(1)
    expect(await page.getByTestId('draft-changes').textContent()).toContain('合并')
    await mapIdle(page)
    await shot(page, '49-editor-merged')
    await page.getByTestId('undo').click()
    await expect.poll(() => page.getByTestId('draft-changes').count()).toBe(0)

    // A new grid drawn inside grid a: the server takes it, validation reports it overlapping a.
    await page.keyboard.press('n')
    const [x, y] = middle(a) as [number, number]
    const corners = [
      [x - 0.0004, y - 0.0003],
      [x + 0.0004, y - 0.0003],
      [x, y + 0.0004],
    ]
    for (const p of corners) {
      const px = await toPixel(p)
      await page.mouse.click(px.x, px.y)
    }
    const close = await toPixel(corners[0] as number[])
    await page.mouse.click(close.x, close.y) // clicking the first corner closes the polygon
    await saved(1)
    expect(await page.getByTestId('draft-changes').textContent()).toContain('新建')
    expect(count(await draftIssueCodes(), 'overlap')).toBeGreaterThan(0)
    await shot(page, '50-editor-new-grid')

    // Asking for an exception for that overlap: a reason is required, then it is on the draft.
    const overlap = page
      .getByTestId('draft-issues')
      .locator('li', { has: page.locator('[data-code="overlap"][data-severity="error"]') })
      .first()
    await overlap.getByTestId('exception-ask').click()
    await overlap.getByTestId('exception-save').click()
    expect(await overlap.getByTestId('exception-reason').getAttribute('aria-invalid')).toBe('true')
    await overlap.getByTestId('exception-reason').fill('学校操场与社区共管，暂不调整')
    await overlap.getByTestId('exception-save').click()
    await saved(1)
    const requested = page.getByTestId('draft-issues').getByTestId('exception-requested')
    await expect.poll(() => requested.count()).toBe(1)
    expect(await requested.textContent()).toContain('学校操场与社区共管，暂不调整')
    await page.keyboard.press('Escape')
    await page.keyboard.press('Control+z')
    await expect.poll(() => page.getByTestId('draft-changes').count()).toBe(0)
  })
})
