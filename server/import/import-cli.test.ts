import { execFile } from 'node:child_process'
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensurePgliteTemplate } from '../testing/database.js'
import { boxPolygon } from '../testing/shapes.js'

// npm run import as a child process on a PGlite data folder of its own: the same checks and
// writes as the API's commit (server/import/commit.ts), with today's flags still working.

describe.skipIf(Boolean(process.env.DATABASE_URL))('npm run import: formats, field maps and CRS', { timeout: 180_000 }, () => {
  let dir: string
  let dataDir: string
  const run = (args: string[]) =>
    promisify(execFile)('npx', ['tsx', 'scripts/import.ts', ...args], { env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '' } })
  const write = (name: string, features: { properties: Record<string, unknown>; geometry: unknown }[]) => {
    const file = path.join(dir, name)
    const collection = {
      type: 'FeatureCollection',
      features: features.map((feature) => ({ type: 'Feature', ...feature })),
    }
    writeFileSync(file, JSON.stringify(collection))
    return file
  }
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'gridwork-import-cli-'))
    dataDir = path.join(dir, 'data')
    cpSync(await ensurePgliteTemplate(), dataDir, { recursive: true })
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('loads regions with today’s flags, refuses a projected file with the --crs to add, maps columns with --map', async () => {
    const regions = await run(['fixtures/regions/mini-county.geojson', '--type', 'regions', '--region', '99'])
    expect(regions.stdout).toContain('已导入 8 个区划')

    const projected = write('projected.geojson', [
      { properties: { name: '青石' }, geometry: boxPolygon(39500000, 3100000, 39501000, 3101000) },
    ])
    const failure = await run([projected, '--region', '990101002', '--lang', 'en']).catch((error) => error)
    expect(failure.code).toBe(1)
    expect(failure.stderr).toContain(
      'projected.geojson: Feature #1 has coordinates x=39500000, y=3100000, which are not longitude/latitude',
    )
    expect(failure.stderr).toContain('--crs EPSG:NNNN')
    expect(failure.stdout).toContain('nothing was imported')

    const mapped = write('qingshi.geojson', [
      { properties: { MC: '青石一网格', HS: '620' }, geometry: boxPolygon(113.02, 28.0, 113.04, 28.02) },
    ])
    const done = await run([mapped, '--region', '990101002', '--map', 'name=MC', '--map', 'households=HS', '--valid-from', '2026-07-01'])
    expect(done.stdout).toContain('已导入 1 个网格')
  })

  it('loads a code list (regions without boundaries) from a CSV and names a bad row', async () => {
    const list = path.join(dir, '代码表.csv')
    writeFileSync(list, '统计用区划代码,名称,城乡分类代码\n990101005000,东山镇,210\n990101005001,东山村,220\n')
    const done = await run([list, '--type', 'regions', '--region', '990101'])
    expect(done.stdout).toContain('已导入 2 个区划')
    writeFileSync(list, '统计用区划代码,名称,城乡分类代码\n990101006001,西山村,220\n')
    const failure = await run([list, '--type', 'regions', '--region', '990101', '--lang', 'en']).catch((error) => error)
    expect(failure.code).toBe(1)
    expect(failure.stderr).toContain('row 2, column "统计用区划代码": the parent region 990101006000 of 990101006001 does not exist')
  })
})
