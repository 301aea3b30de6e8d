import { execFile } from 'node:child_process'
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TokenClaims } from '../auth/auth.plugin.js'
import { openDatabase } from '../db/connect.js'
import type { DatabaseHandle } from '../db/connect.js'
import type { Language } from '../i18n/index.js'
import { bearer, createMiniCountyApp, loadMiniCounty, postUpload } from '../testing/app.js'
import { ensurePgliteTemplate } from '../testing/database.js'
import { boxPolygon } from '../testing/shapes.js'
import { commitImport } from './commit.js'

// A direct grid import (an admin's or county's initial division, the command line's default) is
// validated by nothing after it is written, so grids for a township without a boundary (from a
// code list) are refused as the preview refuses them: the same plain message, nothing written.

const CODE_LIST = '统计用区划代码,名称,城乡分类代码,级别\r\n990101003000,新河镇,121,4\r\n990101003001,新河社区,111,5\r\n'
const GRIDS = JSON.stringify({
  type: 'FeatureCollection',
  features: [{ type: 'Feature', properties: { name: '新河一网格', households: 200 }, geometry: boxPolygon(113.04, 28.0, 113.05, 28.02) }],
})
const REFUSAL: Record<Language, string> = {
  'zh-CN': '行政区划“990101003000”还没有边界数据（例如由代码表导入），无法检查网格覆盖；请先导入它的边界',
  en: 'Region "990101003000" has no boundary yet (e.g. it came from a code list), so grid coverage cannot be checked; import its boundary first',
}
const ADMIN: TokenClaims = { sub: 'import-cli:test', role: 'admin', region_prefix: '', scope_name: '' }

const gridCount = async (database: DatabaseHandle) =>
  (await database.kysely.selectFrom('grids').select('code').where('region_code', 'like', '990101003%').execute()).length

describe('a direct grid import into a township without a boundary', () => {
  const uploadRoot = mkdtempSync(path.join(os.tmpdir(), 'gridwork-direct-import-test-'))
  let t: Awaited<ReturnType<typeof createMiniCountyApp>>
  beforeAll(async () => {
    t = await createMiniCountyApp({ uploads: { root: uploadRoot, limitBytes: 1024 * 1024 } })
    const list = await upload('代码表.csv', CODE_LIST)
    const done = await post(`uploads/${list}/commit`, { type: 'regions', region: '990101' })
    expect(done.status, done.text).toBe(200)
  })
  afterAll(async () => {
    await t?.close()
    rmSync(uploadRoot, { recursive: true, force: true })
  })

  const upload = async (name: string, text: string) => {
    const response = await postUpload(t, t.tokens.county, name, text)
    expect(response.status, response.text).toBe(201)
    return response.body.id as string
  }
  const post = (url: string, body: object, language: Language = 'zh-CN') =>
    t.http().post(`/api/v1/${url}`).set(bearer(t.tokens.county)).set('Accept-Language', language).send(body)

  it('is refused by the API’s preview and commit with the preview’s message, in zh-CN and en, and writes nothing', async () => {
    const id = await upload('新河镇网格.geojson', GRIDS)
    for (const language of ['zh-CN', 'en'] as const) {
      for (const step of ['preview', 'commit']) {
        const refused = await post(`uploads/${id}/${step}`, { type: 'grids', region: '990101003', mode: 'direct' }, language)
        expect(refused.status, refused.text).toBe(400)
        expect(refused.body.error).toMatchObject({ code: 'parent_without_boundary', message: REFUSAL[language] })
      }
    }
    expect(await gridCount(t.database)).toBe(0)
  })

  it('is refused by the command line’s commit (an admin, direct by default) on this engine too', async () => {
    const files = [{ name: '新河镇网格.geojson', bytes: new TextEncoder().encode(GRIDS) }]
    for (const mode of [undefined, 'direct'] as const) {
      await expect(
        commitImport({ database: t.database, user: ADMIN, language: 'en', consoleDirect: true }, files, {
          type: 'grids',
          region: '990101003',
          mode,
        }),
      ).rejects.toMatchObject({ statusCode: 400, code: 'parent_without_boundary', params: { code: '990101003000' } })
    }
    expect(await gridCount(t.database)).toBe(0)
  })
})

// npm run import as a child process over a PGlite data folder of its own (it opens the configured
// engine itself, so PGlite only; the commit it calls is tested on both engines above).
describe.skipIf(Boolean(process.env.DATABASE_URL))(
  'npm run import --direct into a township without a boundary',
  { timeout: 180_000 },
  () => {
    let dir: string
    let dataDir: string
    beforeAll(async () => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'gridwork-direct-import-cli-'))
      dataDir = path.join(dir, 'data')
      cpSync(await ensurePgliteTemplate(), dataDir, { recursive: true })
      const database = await openDatabase({ dataDir })
      try {
        await loadMiniCounty(database)
        await commitImport({ database, user: ADMIN, language: 'zh-CN' }, [{ name: '代码表.csv', bytes: Buffer.from(CODE_LIST) }], {
          type: 'regions',
          region: '990101',
        })
      } finally {
        await database.close()
      }
      writeFileSync(path.join(dir, '新河镇网格.geojson'), GRIDS)
    })
    afterAll(() => rmSync(dir, { recursive: true, force: true }))

    const run = (args: string[]) =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/import.ts', ...args], {
        env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '' },
      })

    it('exits 1 with the plain message in zh-CN and en and writes no grid', async () => {
      const file = path.join(dir, '新河镇网格.geojson')
      for (const language of ['zh-CN', 'en'] as const) {
        const failure = await run([file, '--region', '990101003', '--type', 'grids', '--direct', '--lang', language]).catch(
          (error) => error,
        )
        expect(failure.code).toBe(1)
        expect(failure.stdout).toContain(REFUSAL[language])
      }
      const database = await openDatabase({ dataDir })
      try {
        expect(await gridCount(database)).toBe(0)
      } finally {
        await database.close()
      }
    })
  },
)
