import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DatabaseHandle } from '../db/connect.js'
import { openTestDatabase } from '../testing/database.js'
import { validate } from './validate.service.js'

// Real public data (shared/data, mggg/maup examples): a county's data must be judged right.
// Providence's 15 wards tile its census blocks exactly; its 2018 precincts carry real digitising
// faults; Denver's 10,149 blocks are the scale case.

const DATA = path.resolve('../shared/data')
const read = (file: string) => JSON.parse(readFileSync(path.join(DATA, file), 'utf8'))
const available = existsSync(path.join(DATA, 'providence/wards.geojson'))

let database: DatabaseHandle
beforeAll(async () => {
  database = await openTestDatabase()
})
afterAll(async () => database?.close())

describe.skipIf(!available)('real data', { timeout: 180_000 }, () => {
  it('Providence wards: a valid coverage of the blocks’ union — no gap, no overlap, nothing outside', async () => {
    const blocks = read('providence/blocks-2010.geojson')
    const union = await sql<{ union: unknown }>`
      SELECT ST_AsGeoJSON(ST_Union(ST_SetSRID(ST_GeomFromGeoJSON(f->>'geometry'), 4490)), 9, 0)::json AS union
      FROM json_array_elements(${JSON.stringify(blocks.features)}::json) AS f`.execute(database.kysely)
    const report = await validate(
      database,
      { features: read('providence/wards.geojson'), parent: union.rows[0]?.union, profile: 'cn-default' },
      'en',
    )
    const errors = report.issues.filter((issue) => issue.severity === 'error' && !issue.code.startsWith('households'))
    expect(errors).toEqual([])
    expect(report.summary.overlap_area_m2).toBe(0)
  })

  it('Providence 2018 precincts: finds the real overlaps and gaps', async () => {
    const report = await validate(database, { features: read('providence/precincts-2018.geojson') }, 'en')
    const count = (code: string) => report.issues.filter((issue) => issue.code === code).length
    expect(count('overlap')).toBeGreaterThan(0)
    expect(report.summary.overlap_area_m2).toBeGreaterThan(0)
    expect(report.summary.coverage_path).toBe('overlay')
    for (const issue of report.issues.filter((i) => i.code === 'overlap')) {
      expect(issue.feature_ids).toHaveLength(2)
      expect(issue.area_m2).toBeGreaterThan(0)
    }
  })

  it('Denver blocks at scale: judged in one call', async () => {
    const report = await validate(database, { features: read('denver/blocks-2020.geojson') }, 'en')
    expect(report.summary.features).toBe(10_149)
    expect(report.issues.filter((issue) => issue.code === 'invalid_geometry')).toEqual([])
  })
})
