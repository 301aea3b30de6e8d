import { execFile } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../db/connect.js'
import { loadMiniCounty } from '../testing/app.js'
import { ensurePgliteTemplate } from '../testing/database.js'

// npm run export (scripts/export.ts) as a child process over a PGlite data folder holding the
// mini county: it writes the file and exits 0, or exits 1 with the refusal's message. The
// command line opens the configured engine itself, so this runs on PGlite only (the API tests
// cover both engines through the same service).

const onPostgres = Boolean(process.env.DATABASE_URL)
let dataDir: string

beforeAll(async () => {
  if (onPostgres) return
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'gridwork-export-cli-'))
  cpSync(await ensurePgliteTemplate(), dataDir, { recursive: true })
  const database = await openDatabase({ dataDir })
  try {
    await loadMiniCounty(database)
  } finally {
    await database.close()
  }
})

afterAll(() => {
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
})

function run(args: string[]) {
  return promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/export.ts', ...args], {
    env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '' },
  })
}

describe.skipIf(onPostgres)('npm run export (command line)', () => {
  it('writes the grids of a township to the file and exits 0', async () => {
    const out = path.join(dataDir, '..', `${path.basename(dataDir)}-grids.geojson`)
    try {
      const result = await run(['--region', '990101001', '--layer', 'grids', '--format', 'geojson', '--out', out])
      expect(result.stdout).toContain('3 features')
      const collection = JSON.parse(readFileSync(out, 'utf8')) as { features: { properties: Record<string, unknown> }[] }
      expect(collection.features.map((f) => f.properties.网格名称)).toEqual(['桂花社区第一网格', '桂花社区第二网格', '东湖社区第一网格'])
    } finally {
      rmSync(out, { force: true })
    }
  })

  it('exits 1 naming a coordinate system that is not CGCS2000, in the language asked for', async () => {
    const args = ['--region', '990101', '--layer', 'grids', '--format', 'geojson', '--out', path.join(dataDir, 'never.geojson')]
    const chinese = await run([...args, '--crs', 'EPSG:2435']).catch((error) => error)
    expect(chinese.code).toBe(1)
    expect(chinese.stderr).toContain('坐标系 EPSG:2435 属于北京 1954坐标系，不是 CGCS2000')
    const english = await run([...args, '--crs', 'EPSG:2435', '--lang', 'en']).catch((error) => error)
    expect(english.code).toBe(1)
    expect(english.stderr).toContain('Coordinate system EPSG:2435 is Beijing 1954, not CGCS2000')
  })

  it('exits 1 on an unknown region, an unknown layer and a bad date (the last two before opening the database)', async () => {
    const base = ['--format', 'geojson', '--out', path.join(dataDir, 'never.geojson'), '--lang', 'en']
    for (const [args, message] of [
      [['--region', '990101009', '--layer', 'grids'], 'Region "990101009" was not found'],
      [['--region', '990101', '--layer', 'roads'], 'Layer "roads" cannot be exported'],
      [['--region', '990101', '--layer', 'grids', '--as-of', '2026-13-01'], 'Date "2026-13-01" is invalid'],
    ] as const) {
      const failure = await run([...base, ...args]).catch((error) => error)
      expect(failure.code).toBe(1)
      expect(failure.stderr).toContain(message)
    }
  })
})
