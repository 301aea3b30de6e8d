/**
 * Reference layers on the page: the demo county's roads (道路) are drawn under the grids from the
 * server's vector tiles (/tiles/reference-<id>/…), their lines loaded for snapping, the layer panel switches them off (and remembers it), and the editor
 * gets them for snapping. With GRIDWORK_BASEMAP set for the e2e server (e.g.
 * `GRIDWORK_BASEMAP=fixtures/basemap/tiny.pmtiles npm run test:e2e -- reference`) the local basemap
 * is checked to be the bottom layer with its tiles loaded; without it, that none is drawn.
 * Screenshots go to test-results/e2e/ref-*.png.
 */
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { apiClient, type E2EBrowser, mapIdle, openBrowser, shot, signIn } from './browser'

const baseUrl = inject('baseUrl')
const api = apiClient(baseUrl)
let b: E2EBrowser
let page: Page

/** Features the map has drawn of a layer (0 when hidden or missing). */
const rendered = (layer: string) => page.evaluate((id) => window.__gridwork!.map.queryRenderedFeatures({ layers: [id] }).length, layer)

describe('reference layers', () => {
  let roadsLayer: string

  beforeAll(async () => {
    b = await openBrowser(baseUrl)
    page = b.page
    const { token } = await api<{ token: string }>('auth/login', null, { username: 'county', password: 'demo' })
    const { layers } = await api<{ layers: { id: number; name: string }[] }>('reference?region=990101', token)
    const roads = layers.find((layer) => layer.name === '道路')
    if (!roads) throw new Error('the demo county has no 道路 layer')
    roadsLayer = `reference-${roads.id}-line`
  })

  afterAll(async () => {
    await b?.close()
  })

  it('draws the demo roads under the grids, from vector tiles', async () => {
    const tileStatuses: number[] = []
    page.on('response', (response) => {
      if (/\/tiles\/reference-[0-9]+\/[0-9]+\/[0-9]+\/[0-9]+\.mvt$/.test(response.url())) tileStatuses.push(response.status())
    })
    await signIn(page, baseUrl, 'county')
    await expect.poll(() => rendered(roadsLayer), { timeout: 20_000 }).toBeGreaterThan(0)
    expect(tileStatuses.length).toBeGreaterThan(0)
    expect(tileStatuses.every((status) => status === 200 || status === 304)).toBe(true)
    const source = roadsLayer.replace(/-line$/, '')
    expect(await page.evaluate((id) => window.__gridwork!.map.getSource(id)?.type, source)).toBe('vector')
    const order = await page.evaluate(() => window.__gridwork!.map.getStyle().layers.map((layer) => layer.id))
    expect(order.indexOf(roadsLayer)).toBeGreaterThan(-1)
    expect(order.indexOf(roadsLayer)).toBeLessThan(order.indexOf('grid-fill'))
    expect(await page.evaluate(() => window.__gridwork!.referenceLines())).toBeGreaterThan(0)
    await shot(page, 'ref-1-roads')
  })

  it('hides the roads when switched off in the layer panel, and remembers it', async () => {
    await page.getByTestId('reference-panel').locator('summary').click()
    const toggle = page.getByTestId('reference-toggle-道路')
    expect(await toggle.isChecked()).toBe(true)
    await toggle.uncheck()
    await mapIdle(page)
    expect(await page.evaluate((id) => window.__gridwork!.map.getLayoutProperty(id, 'visibility'), roadsLayer)).toBe('none')
    expect(await rendered(roadsLayer)).toBe(0)
    await shot(page, 'ref-2-roads-off')

    await page.reload()
    await page.getByTestId('grid-count').waitFor({ state: 'visible', timeout: 60_000 })
    await page.getByTestId('reference-toggle-道路').waitFor({ state: 'attached' })
    expect(await page.getByTestId('reference-toggle-道路').isChecked()).toBe(false)
    await page.getByTestId('reference-panel').locator('summary').click()
    await page.getByTestId('reference-toggle-道路').check()
    await expect.poll(() => rendered(roadsLayer), { timeout: 20_000 }).toBeGreaterThan(0)
  })
  it('draws the server’s local basemap as the bottom layer when one is configured, and none otherwise', async () => {
    const { basemap } = (await (await fetch(new URL('basemap', baseUrl))).json()) as { basemap: { tiles: string } | null }
    const state = () =>
      page.evaluate(() => {
        const map = window.__gridwork!.map
        const layers = map.getStyle().layers.map((layer) => layer.id)
        return {
          has: !!map.getSource('local-basemap'),
          bottom: layers[1],
          loaded: !!map.getSource('local-basemap') && map.isSourceLoaded('local-basemap'),
        }
      })
    if (!basemap) {
      expect((await state()).has).toBe(false)
      return
    }
    await expect.poll(async () => (await state()).loaded, { timeout: 20_000 }).toBe(true)
    expect((await state()).bottom).toMatch(/^local-basemap/)
    await shot(page, 'ref-3-basemap')
  })
})
