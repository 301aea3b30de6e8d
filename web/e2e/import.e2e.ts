/**
 * Browser test of 导入 and 导出 with files made by GDAL (the independent party): a GBK shapefile
 * set in CGCS2000 3° zone 39 (EPSG:4527) of 东湖街道's grids, one renamed, goes through the wizard
 * (decoded names, detected CRS, field map, map preview, report) into a draft proposal that replaces
 * the township's grids; then the township's
 * grids are exported as a GBK shapefile and read back with ogrinfo. Screenshots: test-results/e2e/import-*.png.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { GridCollection } from '../src/api/types'
import { apiClient, type E2EBrowser, mapIdle, openBrowser, shot, signIn } from './browser'

const baseUrl = inject('baseUrl')
const api = apiClient(baseUrl)
// 东湖街道, imported by its own office: a draft proposal is the township's to make (a county
// account is refused with proposal_wrong_role). Its grids in force stay as they are (白沙镇 is the editor's).
const TOWNSHIP = '990101001000'
const USER = 'township'
const RENAMED = '东湖街道导入测试网格（甲）'
let b: E2EBrowser
let page: Page
let dir: string
let grids: GridCollection

/** Whether the element lies wholly inside the viewport (the dialog must never need the page to scroll). */
async function fitsViewport(testId: string): Promise<boolean> {
  const box = await page.getByTestId(testId).boundingBox()
  const size = page.viewportSize()
  return !!box && !!size && box.x >= 0 && box.y >= 0 && box.x + box.width <= size.width && box.y + box.height <= size.height
}

/** Opens 导入. */
async function openWizard() {
  await page.getByTestId('open-import').click()
  const wizard = page.getByTestId('import-wizard')
  await wizard.waitFor()
  return wizard
}

/** Chooses the fixture's files with these extensions; resolves once they are uploaded. */
async function uploadSet(extensions: string[]) {
  await page.getByTestId('import-file-input').setInputFiles(extensions.map((ext) => join(dir, `东湖街道网格.${ext}`)))
  await page.getByTestId('import-uploaded').waitFor({ timeout: 60_000 })
}

/** Lines of the wizard's preview drawn on the map. */
const previewLines = () => page.evaluate(() => window.__gridwork!.map.queryRenderedFeatures({ layers: ['import-preview-line'] }).length)

/** The wizard is gone, and its preview layer with it. */
async function expectWizardClosed() {
  expect(await page.getByTestId('import-wizard').count()).toBe(0)
  expect(await page.evaluate(() => !!window.__gridwork!.map.getSource('import-preview'))).toBe(false)
}

describe('import wizard and export menu', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gridwork-import-e2e-'))
    const { token } = await api<{ token: string }>('auth/login', null, { username: USER, password: 'demo' })
    grids = await api<GridCollection>(`grids?region=${TOWNSHIP.slice(0, 9)}`, token)
    expect(grids.features.length).toBeGreaterThan(3)
    // The fixture: the township's grids as an office keeps them, Chinese column names.
    const fixture = {
      type: 'FeatureCollection',
      features: grids.features.map((g, i) => ({
        type: 'Feature',
        geometry: g.geometry,
        properties: { 网格编码: g.properties.code, 网格名称: i === 0 ? RENAMED : g.properties.name, 户数: g.properties.households },
      })),
    }
    writeFileSync(join(dir, 'fixture.geojson'), JSON.stringify(fixture))
    execFileSync('ogr2ogr', [
      '-f',
      'ESRI Shapefile',
      '-s_srs',
      'EPSG:4490',
      '-t_srs',
      'EPSG:4527',
      '-lco',
      'ENCODING=GBK',
      join(dir, '东湖街道网格.shp'),
      join(dir, 'fixture.geojson'),
    ])
    b = await openBrowser(baseUrl)
    page = b.page
  })

  afterAll(async () => {
    await b?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('imports a GBK shapefile set in a Gauss-Krüger zone as a draft proposal', async () => {
    await signIn(page, baseUrl, USER)
    const wizard = await openWizard()
    await shot(page, 'import-1-files-empty')

    // Step 1: the loose set (.shp .shx .dbf .prj .cpg) at once; the bar shows bytes sent.
    await uploadSet(['shp', 'shx', 'dbf', 'prj', 'cpg'])
    expect(await page.getByTestId('import-files').locator('li').count()).toBe(5)
    expect(await page.getByTestId('import-progress').evaluate((el) => (el as HTMLProgressElement).value)).toBeGreaterThan(0)
    await shot(page, 'import-1-files')

    // Step 2: grids of 东湖街道.
    await page.getByTestId('import-next').click()
    await page.getByTestId('import-type').selectOption('grids')
    await page.getByTestId('import-region').selectOption(TOWNSHIP)
    await shot(page, 'import-2-type')

    // Step 3: names decoded from GBK, the zone found in the .prj, the features on the map.
    await page.getByTestId('import-next').click()
    await page.getByTestId('import-fields').waitFor({ timeout: 60_000 })
    await expect.poll(() => page.getByTestId('import-fields').textContent()).toContain(RENAMED)
    expect(await page.getByTestId('import-fields').textContent()).toContain('网格编码')
    // Field types in words: 户数 is read as whole numbers.
    expect(await page.getByTestId('import-fields').textContent()).toContain('整数')
    // The zone found in the .prj, named in the page's language.
    expect(await page.getByTestId('import-crs-known').textContent()).toContain(
      'CGCS2000 高斯-克吕格 3° 带 第 39 带（中央经线 117°E）（EPSG:4527）',
    )
    // Where the encoding came from, in words: the .cpg file GDAL wrote.
    expect(await page.getByTestId('import-encoding-detected').textContent()).toContain('来自 .cpg 文件')
    expect(await page.getByTestId('import-summary').textContent()).toContain(String(grids.features.length))
    // The field map: code, name and households from the Chinese columns (chosen here when not
    // suggested). The file came from the township's own grids, so its codes name the grids in force:
    // no code is refused as taken, and the draft changes only the renamed grid.
    for (const [field, column] of [
      ['code', '网格编码'],
      ['name', '网格名称'],
      ['households', '户数'],
    ] as const) {
      const select = page.locator(`[data-testid="import-map"][data-field="${field}"]`)
      if ((await select.inputValue()) !== column) {
        await select.selectOption(column)
        await expect.poll(() => wizard.getAttribute('aria-busy')).toBe('false')
      }
    }
    expect(await page.getByTestId('import-problems').count()).toBe(0)
    await mapIdle(page)
    expect(await previewLines()).toBeGreaterThan(0)
    await shot(page, 'import-3-preview')

    // Both screens of the smoke test: the dialog stays inside the window, its buttons in reach.
    for (const size of [
      { width: 1280, height: 720 },
      { width: 1024, height: 768 },
    ]) {
      await page.setViewportSize(size)
      expect(await fitsViewport('import-wizard'), `${size.width}×${size.height}`).toBe(true)
      expect(await page.getByTestId('import-next').isVisible()).toBe(true)
      await shot(page, `import-3-preview-${size.width}x${size.height}`)
    }
    await page.setViewportSize({ width: 1280, height: 800 })

    // Step 4: the report of the township as the import would leave it.
    await page.getByTestId('import-next').click()
    await wizard.getByTestId('validation-headline').waitFor()
    expect((await wizard.getByTestId('validation-headline').textContent())?.trim()).not.toBe('')
    await shot(page, 'import-4-report')

    // Step 5: a draft proposal, opened in the proposals tab.
    await page.getByTestId('import-next').click()
    await page.getByTestId('import-commit').click()
    // The server's refusal, if any, is what the wizard shows: fail with it rather than a timeout.
    const outcome = async () =>
      (await page.getByTestId('import-result').count()) ? 'done' : (await page.getByTestId('import-error').textContent()) || null
    await expect.poll(outcome, { timeout: 60_000 }).toBe('done')
    expect((await page.getByTestId('import-result').textContent())?.trim()).not.toBe('')
    await expect.poll(() => page.getByTestId('tab-proposals').getAttribute('aria-selected')).toBe('true')
    await page.getByTestId('proposal-title').waitFor({ timeout: 30_000 })
    expect(await page.getByTestId('proposal-state').getAttribute('data-state')).toBe('draft')
    await shot(page, 'import-5-committed')
    await page.getByTestId('import-next').click()
    await expectWizardClosed()
  })

  it('asks for the coordinate system of a set without .prj, then reads it in the chosen zone', async () => {
    await openWizard()
    await uploadSet(['shp', 'shx', 'dbf', 'cpg'])
    await page.getByTestId('import-next').click()
    await page.getByTestId('import-region').selectOption(TOWNSHIP)
    await page.getByTestId('import-next').click()
    const crs = page.getByTestId('import-crs')
    await crs.waitFor({ timeout: 60_000 })
    // Nothing found, a required select, and no way on until it is answered.
    expect(await page.getByTestId('import-crs-found').textContent()).toContain('没有坐标系说明')
    expect(await crs.getAttribute('aria-invalid')).toBe('true')
    expect(await page.getByTestId('import-next').isDisabled()).toBe(true)
    expect(await page.getByTestId('import-error').textContent()).toContain('坐标系未知')
    await shot(page, 'import-8-crs-unknown')
    // The list offers the UTM zones over China. A language switch asks for the preview again:
    // the server's problem follows, then the wizard's own labels.
    const problems = page.getByTestId('import-problems')
    expect(await problems.textContent()).toContain('文件未注明可用的坐标系')
    await page.getByTestId('language-select').selectOption('en')
    await expect.poll(() => problems.textContent()).toContain('The file names no coordinate system')
    expect(await crs.locator('option[value="EPSG:32650"]').textContent()).toBe('WGS 84 / UTM zone 50N')
    await shot(page, 'import-8-crs-unknown-english')
    await page.getByTestId('language-select').selectOption('zh-CN')
    await expect.poll(() => problems.textContent()).toContain('文件未注明可用的坐标系')
    expect(await crs.locator('option[value="EPSG:32650"]').textContent()).toBe('WGS 84 / UTM 第 50 带（北）')
    await crs.selectOption('EPSG:4527')
    await expect.poll(() => page.getByTestId('import-crs-known').textContent()).toContain('EPSG:4527')
    await expect.poll(() => page.getByTestId('import-next').isEnabled()).toBe(true)
    expect(await page.getByTestId('import-fields').textContent()).toContain(RENAMED)
    await mapIdle(page)
    expect(await previewLines()).toBeGreaterThan(0)
    await shot(page, 'import-8-crs-chosen')
    await page.getByTestId('import-close').click()
    await expectWizardClosed()
  })

  it('asks nothing about coordinates for a code list of regions', async () => {
    await openWizard()
    writeFileSync(join(dir, '代码表.csv'), '统计用区划代码,名称,城乡分类代码,级别\r\n990101001099,导入测试社区,111,5\r\n')
    await page.getByTestId('import-file-input').setInputFiles(join(dir, '代码表.csv'))
    await page.getByTestId('import-uploaded').waitFor({ timeout: 60_000 })
    await page.getByTestId('import-next').click()
    await page.getByTestId('import-type').selectOption('regions')
    await page.getByTestId('import-region').selectOption(TOWNSHIP)
    await page.getByTestId('import-next').click()
    await page.getByTestId('import-fields').waitFor({ timeout: 60_000 })
    expect(await page.getByTestId('import-fields').textContent()).toContain('导入测试社区')
    for (const testId of ['import-crs', 'import-crs-found', 'import-crs-known'])
      expect(await page.getByTestId(testId).count(), testId).toBe(0)
    expect(await page.getByTestId('import-body').textContent()).not.toContain('坐标系')
    expect(await page.getByTestId('import-next').isEnabled()).toBe(true)
    await shot(page, 'import-10-code-list')
    await page.getByTestId('import-close').click()
    await expectWizardClosed()
  })

  it('relabels the open wizard when the language changes', async () => {
    await openWizard()
    const steps = () => page.locator('[data-testid="import-wizard"] .io-steps li').allTextContents()
    expect(await steps()).toEqual(['1 选择文件', '2 数据类型', '3 预览', '4 校验报告', '5 导入'])
    await page.getByTestId('language-select').selectOption('en')
    await expect.poll(steps).toEqual(['1 Files', '2 Data type', '3 Preview', '4 Validation', '5 Import'])
    expect(await page.getByTestId('import-title').textContent()).toBe('Import data')
    expect(await page.getByTestId('import-close').textContent()).toBe('Close')
    await shot(page, 'import-9-english')
    await page.getByTestId('language-select').selectOption('zh-CN')
    await expect.poll(steps).toContain('1 选择文件')
    expect(await page.getByTestId('import-title').textContent()).toBe('导入数据')
    await page.getByTestId('import-close').click()
    await expectWizardClosed()
  })

  it("exports the township's grids as a GBK shapefile that GDAL reads back", async () => {
    await page.getByTestId('open-export').click()
    await page.getByTestId('export-menu').waitFor()
    // A language switch relabels the open menu, choices kept.
    await page.getByTestId('export-format').selectOption('gpkg')
    await page.getByTestId('language-select').selectOption('en')
    await expect.poll(() => page.getByTestId('export-download').textContent()).toBe('Download')
    expect(await page.getByTestId('export-title').textContent()).toBe('Export data')
    expect(await page.getByTestId('export-format').locator('option:checked').textContent()).toBe('GeoPackage')
    expect(await page.getByTestId('export-layer').locator('option:checked').textContent()).toBe('Grids (today)')
    expect(await page.getByTestId('export-crs-default').textContent()).toContain('Default from the centre longitude')
    expect(await page.getByTestId('export-crs').locator('option:checked').textContent()).toMatch(/^3° zone, CM \d+°E \(your area\)$/)
    await shot(page, 'import-6-export-english')
    await page.getByTestId('language-select').selectOption('zh-CN')
    await expect.poll(() => page.getByTestId('export-download').textContent()).toBe('下载')
    await page.getByTestId('export-region').selectOption(TOWNSHIP)
    // The county's reference layers (the demo seeds 道路 and 水系) are offered too.
    await expect
      .poll(() =>
        page
          .getByTestId('export-layer')
          .locator('option')
          .evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value)),
      )
      .toContain('reference:道路')
    await page.getByTestId('export-format').selectOption('shp')
    expect(await page.getByTestId('export-encoding').inputValue()).toBe('gbk')
    // Default CRS: the 3° zone of the area's centre, named.
    const crs = await page.getByTestId('export-crs').inputValue()
    expect(crs).toMatch(/^EPSG:45(3[4-9]|4\d|5[0-4])$/)
    expect(await page.getByTestId('export-crs-default').textContent()).toContain(crs)
    await shot(page, 'import-6-export')
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-download').click()])
    const zip = join(dir, 'export.zip')
    await download.saveAs(zip)
    await expect.poll(() => page.getByTestId('export-status').getAttribute('data-filename')).toBe(download.suggestedFilename())
    expect(download.suggestedFilename()).toMatch(/\.zip$/)
    await shot(page, 'import-7-exported')
    // The status line follows a language switch too.
    expect(await page.getByTestId('export-status').textContent()).toBe(`已下载 ${download.suggestedFilename()}`)
    await page.getByTestId('language-select').selectOption('en')
    await expect.poll(() => page.getByTestId('export-status').textContent()).toBe(`Downloaded ${download.suggestedFilename()}`)
    await page.getByTestId('language-select').selectOption('zh-CN')

    const summary = execFileSync('ogrinfo', ['-ro', '-al', '-so', `/vsizip/${zip}`], { encoding: 'utf8' })
    expect(summary).toContain(`Feature Count: ${grids.features.length}`)
    expect(summary).toContain(crs.replace('EPSG:', ''))
    const all = execFileSync('ogrinfo', ['-ro', '-al', '-q', `/vsizip/${zip}`], { encoding: 'utf8' })
    const someName = grids.features[1]?.properties.name ?? ''
    expect(someName).toMatch(/[\u4e00-\u9fff]/)
    expect(all).toContain(someName)
  })
})
