import { execFile } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { systemActor } from '../audit/audit.repository.js'
import { type TestApp, createTestApp, loadMiniCounty } from '../testing/app.js'
import { ensurePgliteTemplate } from '../testing/database.js'
import { importGeoJson } from './geojson-import.js'

// Each fixtures/import/<what-is-wrong>.geojson is imported into the mini county; the report must
// equal <what-is-wrong>.expected.json beside it (UPDATE_FIXTURES=1 rewrites them), and nothing may
// have been written.

const FIXTURES = 'fixtures/import'
let t: TestApp

beforeAll(async () => {
  t = await createTestApp()
  await loadMiniCounty(t.database)
})
afterAll(async () => t?.close())

const importFile = (file: string, language: 'zh-CN' | 'en' = 'zh-CN') =>
  importGeoJson(t.db, readFileSync(file), {
    kind: 'grids',
    region: '990101',
    validFrom: '2026-07-01',
    actor: systemActor('test'),
    language,
  })

const countGrids = async () =>
  Number(
    (
      await t.db
        .selectFrom('grids')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  )

describe('import reports every broken feature and loads nothing', () => {
  const cases = readdirSync(FIXTURES).filter((name) => name.endsWith('.geojson'))
  it.each(cases)('%s', async (name) => {
    const before = await countGrids()
    const report = await importFile(path.join(FIXTURES, name))
    const expectedFile = path.join(FIXTURES, name.replace(/\.geojson$/, '.expected.json'))
    const actual = { ok: report.ok, message: report.message, problems: report.problems }
    if (process.env.UPDATE_FIXTURES || !existsSync(expectedFile)) {
      writeFileSync(expectedFile, `${JSON.stringify(actual, null, 2)}\n`)
    }
    expect(actual).toEqual(JSON.parse(readFileSync(expectedFile, 'utf8')))
    expect(report.ok).toBe(false)
    expect(await countGrids()).toBe(before)
  })

  it('names the broken feature among good ones (self-intersection with its location)', async () => {
    const report = await importFile(path.join(FIXTURES, 'one-broken-feature.geojson'), 'en')
    expect(report.problems).toHaveLength(1)
    expect(report.problems[0]).toMatchObject({ feature: 3, id: '990101001001103', code: 'geometry_invalid' })
    expect(report.problems[0]?.message).toMatch(
      /#3（990101001001103） has invalid geometry: self-intersection \(at 113\.0025000, 28\.0075000\)/,
    )
    expect(report.message).toBe('Import failed: 1 feature(s) have errors; nothing was imported')
  })

  it('tells a GBK file apart and says how to fix it', async () => {
    const report = await importFile(path.join(FIXTURES, 'gbk-encoded.geojson'))
    expect(report.message).toBe('文件不是 UTF-8 编码（可能是 GBK/GB18030），请先转换为 UTF-8 再导入')
  })
})

describe('a clean import', () => {
  it('loads grids in one go, allocating missing codes west→east, north→south, and audits it', async () => {
    const box = (x: number, y: number) => ({
      type: 'Feature',
      properties: { name: `新网格${x}-${y}`, households: 250 },
      geometry: {
        type: 'Polygon',
        coordinates: [
          [
            [x, y],
            [x + 0.002, y],
            [x + 0.002, y + 0.002],
            [x, y + 0.002],
            [x, y],
          ],
        ],
      },
    })
    // South-east, north-west, north-east: expected order NW, NE, SE.
    const file = { type: 'FeatureCollection', features: [box(113.022, 28.001), box(113.021, 28.015), box(113.031, 28.015)] }
    const report = await importGeoJson(t.db, Buffer.from(JSON.stringify(file)), {
      kind: 'grids',
      region: '990101002001',
      validFrom: '2026-07-01',
      actor: systemActor('test'),
      language: 'zh-CN',
    })
    expect(report.problems).toEqual([])
    expect(report.message).toBe('已导入 3 个网格')
    // Codes come back in file order: the south-east grid numbered last.
    expect(report.codes).toEqual(['990101002001004', '990101002001002', '990101002001003'])
    const northWest = await t.db
      .selectFrom('grids')
      .select(['name', 'valid_from'])
      .where('code', '=', '990101002001002')
      .executeTakeFirstOrThrow()
    expect(northWest).toEqual({ name: '新网格113.021-28.015', valid_from: '2026-07-01' })
    const audit = await t.db
      .selectFrom('audit_log')
      .select('after')
      .where('action', '=', 'import_grids')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow()
    expect(audit.after).toMatchObject({ count: 3 })
  })
})

describe('npm run import (command line)', () => {
  it.skipIf(Boolean(process.env.DATABASE_URL))('exits 1 and names the broken feature, loading nothing', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gridwork-cli-'))
    cpSync(await ensurePgliteTemplate(), dataDir, { recursive: true })
    try {
      const run = (args: string[]) =>
        promisify(execFile)('npx', ['tsx', 'scripts/import.ts', ...args], { env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '' } })
      const regions = await run(['fixtures/regions/mini-county.geojson', '--type', 'regions', '--region', '99'])
      expect(regions.stdout).toContain('已导入 8 个区划')
      const failure = await run(['fixtures/import/one-broken-feature.geojson', '--region', '990101', '--lang', 'en']).catch(
        (error) => error,
      )
      expect(failure.code).toBe(1)
      expect(failure.stderr).toContain('Feature #3（990101001001103） has invalid geometry: self-intersection')
      expect(failure.stdout).toContain('nothing was imported')
    } finally {
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
})
