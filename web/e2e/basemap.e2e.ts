/**
 * Browser test of a local raster basemap: a magenta GeoTIFF over the demo county, made into an
 * .mbtiles by GDAL (gdal_create, gdal_translate -of MBTILES, gdaladdo), served by a server of this
 * file's own started with GRIDWORK_BASEMAP. The basemap must be the map's bottom layer and show
 * on screen under the grids. Screenshot: test-results/e2e/basemap-1-raster.png.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { GridCollection } from '../src/api/types'
import { apiClient, type E2EBrowser, gridOnScreen, mapIdle, openBrowser, shot, signIn } from './browser'
import { startServer } from './global-setup'

let b: E2EBrowser
let page: Page
let dir: string
let server: Awaited<ReturnType<typeof startServer>> | undefined

const positionsOf = (value: unknown): number[][] =>
  Array.isArray((value as unknown[])[0]) ? (value as unknown[]).flatMap(positionsOf) : [value as number[]]

/** Lon/lat box of every position of the grids. */
function boundsOf(grids: GridCollection): [number, number, number, number] {
  const positions = grids.features.flatMap((grid) => positionsOf(grid.geometry.coordinates))
  const xs = positions.map((p) => p[0] as number)
  const ys = positions.map((p) => p[1] as number)
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)]
}

/** Whether each page point is magenta-ish (red and blue well above green) on a screenshot of the page. */
async function magentaAt(points: { x: number; y: number }[]): Promise<boolean[]> {
  const png = (await page.screenshot()).toString('base64')
  return page.evaluate(
    async ({ data, points }) => {
      const image = new Image()
      image.src = `data:image/png;base64,${data}`
      await image.decode()
      const canvas = document.createElement('canvas')
      canvas.width = image.width
      canvas.height = image.height
      const context = canvas.getContext('2d')!
      context.drawImage(image, 0, 0)
      return points.map(({ x, y }) => {
        const [r, g, b] = context.getImageData(Math.floor(x), Math.floor(y), 1, 1).data
        return (r as number) - (g as number) > 60 && (b as number) - (g as number) > 60
      })
    },
    { data: png, points },
  )
}

describe('a local raster .mbtiles basemap', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gridwork-basemap-e2e-'))
    // Where the demo county is (every server seeds the same one): the shared server's grids, with a margin.
    const api = apiClient(inject('baseUrl'))
    const { token } = await api<{ token: string }>('auth/login', null, { username: 'county', password: 'demo' })
    const [west, south, east, north] = boundsOf(await api<GridCollection>('grids?region=990101', token))
    const margin = 0.05
    const tif = join(dir, 'magenta.tif')
    const mbtiles = join(dir, 'basemap.mbtiles')
    execFileSync('gdal_create', [
      ...['-of', 'GTiff', '-outsize', '512', '512', '-bands', '3', '-ot', 'Byte'],
      ...['-burn', '255', '-burn', '0', '-burn', '255', '-a_srs', 'EPSG:4326'],
      ...['-a_ullr', String(west - margin), String(north + margin), String(east + margin), String(south - margin)],
      tif,
    ])
    execFileSync('gdal_translate', ['-q', '-of', 'MBTILES', tif, mbtiles])
    execFileSync('gdaladdo', ['-q', '-r', 'nearest', mbtiles, '2', '4', '8', '16'])
    server = await startServer({ GRIDWORK_BASEMAP: mbtiles }, 'server-basemap.log')
    b = await openBrowser(server.baseUrl)
    page = b.page
  })

  afterAll(async () => {
    await b?.close()
    await server?.stop()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('is the bottom layer and shows under the grids', async () => {
    const { basemap } = (await (await fetch(new URL('basemap', server?.baseUrl))).json()) as {
      basemap: { format: string; tiles: string; minzoom: number; maxzoom: number } | null
    }
    expect(basemap).toMatchObject({ format: 'mbtiles', tiles: 'raster' })
    await signIn(page, server?.baseUrl as string, 'county')
    const state = () =>
      page.evaluate(() => {
        const map = window.__gridwork!.map
        return {
          bottom: map.getStyle().layers[1]?.id,
          loaded: !!map.getSource('local-basemap') && map.isSourceLoaded('local-basemap'),
          zoom: map.getZoom(),
        }
      })
    await expect.poll(async () => (await state()).loaded, { timeout: 20_000 }).toBe(true)
    expect((await state()).bottom).toMatch(/^local-basemap/)
    await mapIdle(page)
    await shot(page, 'basemap-1-raster')
    // Magenta around the county (a tenth of the map here; no pixel is magenta without the
    // basemap), and the grids drawn over it: a pixel over a grid is not magenta.
    const box = (await page.getByTestId('map').boundingBox()) as { x: number; y: number; width: number; height: number }
    const samples = Array.from({ length: 100 }, (_, i) => ({
      x: box.x + box.width * (0.05 + 0.1 * (i % 10)),
      y: box.y + box.height * (0.05 + 0.1 * Math.floor(i / 10)),
    }))
    const magenta = (await magentaAt(samples)).filter(Boolean).length
    expect(magenta).toBeGreaterThan(10)
    const grid = await gridOnScreen(page)
    expect(grid).not.toBeNull()
    expect(await magentaAt([grid as { x: number; y: number }])).toEqual([false])
    expect(b.externalRequests).toEqual([])
  })
})
