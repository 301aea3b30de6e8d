/**
 * The 查询 page for department staff (`dept`, county scope): an address from the demo registry,
 * the same place typed in GCJ-02, a point clicked on the map, and the errors a user makes.
 * Expected grids come from the API itself (GET /lookup with the building's WGS84 point).
 */
import gcoord from 'gcoord'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { generateDemoCounty } from '../../server/demo/generate'
import { apiClient, type E2EBrowser, mapIdle, openBrowser, shot, signIn } from './browser'

const baseUrl = inject('baseUrl')
const api = apiClient(baseUrl)
let b: E2EBrowser
let page: Page

describe('lookup page', () => {
  beforeAll(async () => {
    b = await openBrowser(baseUrl)
    page = b.page
  })

  afterAll(async () => {
    await b?.close()
  })

  it('finds the grid of an address, of a GCJ-02 coordinate and of a point clicked on the map', async () => {
    const building = generateDemoCounty().buildings[1234]!
    const { lon: lng, lat } = building
    const { token } = await api<{ token: string }>('auth/login', null, { username: 'dept', password: 'demo' })
    const expected = await api<{ grid: { code: string; name: string } }>(`lookup?lng=${lng}&lat=${lat}`, token)

    // A department account opens on the lookup page.
    await signIn(page, baseUrl, 'dept')
    await page.getByTestId('lookup-panel').waitFor({ state: 'visible' })

    await page.getByTestId('lookup-address').fill(building.address)
    await page.getByTestId('lookup-address-go').click()
    await expect.poll(() => page.getByTestId('lookup-result').getAttribute('data-grid')).toBe(expected.grid.code)
    expect(await page.getByTestId('lookup-result').textContent()).toContain(building.address)
    expect(await page.getByTestId('lookup-regions').textContent()).toContain('示范县')
    await mapIdle(page)
    expect(await page.evaluate(() => window.__gridwork!.map.queryRenderedFeatures({ layers: ['lookup-point'] }).length)).toBe(1)
    await shot(page, '35-lookup-address')

    // The same building as an Amap (GCJ-02) coordinate.
    const [gx, gy] = gcoord.transform([lng, lat], gcoord.WGS84, gcoord.GCJ02) as [number, number]
    await page.getByTestId('lookup-lng').fill(gx.toFixed(7))
    await page.getByTestId('lookup-lat').fill(gy.toFixed(7))
    await page.getByTestId('lookup-crs').selectOption('gcj02')
    await page.getByTestId('lookup-point-go').click()
    await expect.poll(() => page.getByTestId('lookup-grid-code').textContent()).toBe(expected.grid.code)

    // A point clicked on the map.
    await page.getByTestId('lookup-pick').click()
    const box = await page.getByTestId('map').boundingBox()
    await page.mouse.click((box?.x ?? 0) + (box?.width ?? 0) / 2, (box?.y ?? 0) + (box?.height ?? 0) / 2)
    await expect.poll(() => page.getByTestId('lookup-crs').inputValue()).toBe('wgs84')
    await expect.poll(async () => (await page.getByTestId('lookup-result').getAttribute('data-grid')) ?? '').toMatch(/^990101\d{9}$/)
    await shot(page, '36-lookup-picked')

    // Mistakes: not numbers (checked in the page), lat/lng swapped (the server's message).
    await page.getByTestId('lookup-lng').fill('abc')
    await page.getByTestId('lookup-point-go').click()
    expect(await page.getByTestId('lookup-error').textContent()).toBe('请输入经度和纬度（数字）')
    await page.getByTestId('lookup-lng').fill(String(lat))
    await page.getByTestId('lookup-lat').fill(String(lng))
    await page.getByTestId('lookup-crs').selectOption('wgs84')
    await page.getByTestId('lookup-point-go').click()
    await expect.poll(() => page.getByTestId('lookup-error').textContent()).toContain('经纬度似乎写反了')
    expect(b.externalRequests).toEqual([])
  })
})
