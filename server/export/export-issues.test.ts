import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DatabaseHandle } from '../db/connect.js'
import { gdalGeoJson, makeTempDir } from '../io/testing/gdal.js'
import { loadMiniCounty } from '../testing/app.js'
import { openTestDatabase } from '../testing/database.js'
import { exportLayer } from './export.service.js'

// The issues layer of a region with more grids than one validation takes: validated township by
// township and concatenated in township order. The mini county (4 grids: 3 in 城关镇 990101001,
// 1 in 青石乡 990101002) stands for a county over MAX_FEATURES with a cap of 3.

let database: DatabaseHandle
const temp = makeTempDir()

beforeAll(async () => {
  database = await openTestDatabase()
  await loadMiniCounty(database)
})

afterAll(async () => {
  await database?.close()
  temp.remove()
})

interface IssueFeature {
  properties: { 问题代码: string; 涉及网格: string; 问题说明: string }
}

const issuesOf = async (region: string, validationCap?: number) => {
  const result = await exportLayer(database, { region, layer: 'issues', format: 'geojson', language: 'zh-CN' }, { validationCap })
  return (JSON.parse(new TextDecoder().decode(result.file.bytes)) as { features: IssueFeature[] }).features
}
const keyOf = (feature: IssueFeature) => `${feature.properties.问题代码} ${feature.properties.涉及网格} ${feature.properties.问题说明}`

describe('the issues export of a county over the validation cap', () => {
  it('holds every township’s issues once, in township order', async () => {
    const [chengguan, qingshi] = [await issuesOf('990101001'), await issuesOf('990101002')]
    expect(chengguan.length).toBeGreaterThan(0)
    expect(qingshi.length).toBeGreaterThan(0)
    const county = await issuesOf('990101', 3)
    expect(county.map(keyOf)).toEqual([...chengguan, ...qingshi].map(keyOf))
    expect(new Set(county.map(keyOf)).size).toBe(county.length)
  })

  it('is read back by GDAL as a shapefile, one record per issue', async () => {
    const expected = await issuesOf('990101', 3)
    const result = await exportLayer(
      database,
      { region: '990101', layer: 'issues', format: 'shp', language: 'zh-CN' },
      { validationCap: 3 },
    )
    const file = path.join(temp.dir, 'issues.zip')
    writeFileSync(file, result.file.bytes)
    const readBack = gdalGeoJson(`/vsizip/${file}`).features
    expect(readBack.map((feature) => `${feature.properties?.问题代码} ${feature.properties?.涉及网格}`)).toEqual(
      expected.map((feature) => `${feature.properties.问题代码} ${feature.properties.涉及网格}`),
    )
  })

  it('refuses a township over the cap with the validation’s message', async () => {
    await expect(issuesOf('990101', 2)).rejects.toMatchObject({
      statusCode: 413,
      code: 'validation_too_many_features',
      params: { count: 3, limit: 2 },
    })
  })
})
