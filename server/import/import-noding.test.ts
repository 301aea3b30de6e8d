import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DatabaseHandle } from '../db/connect.js'
import { type GridState, currentGrids } from '../proposals/changes.js'
import { validateTownship } from '../proposals/exactness.js'
import { loadFixture } from '../testing/app.js'
import { openTestDatabase } from '../testing/database.js'
import type { ValidationIssue } from '../validation/report.schemas.js'

// An import nodes its grids before writing them (node-import.ts). fixtures/import/noding/
// <case>.input.geojson is imported into 城关镇 (regions only, no grids before); the grids as
// written must equal <case>.expected.geojson (UPDATE_FIXTURES=1 rewrites it: read the diff) and
// validate at sliver tolerance 0 with no gap or overlap, which the file as given does not.

const DIR = 'fixtures/import/noding'
const TOWNSHIP = '990101001'

let database: DatabaseHandle
beforeAll(async () => {
  database = await openTestDatabase()
  await loadFixture(database, 'fixtures/regions/mini-county.geojson', 'regions', '99')
})
afterAll(async () => database?.close())

const coverage = (issues: ValidationIssue[]) => issues.filter((issue) => ['gap', 'overlap'].includes(issue.code))

describe('an import nodes its grids', () => {
  it('shared-edges: a missing vertex 4e-9° off the edge, a corner 5e-9° off, a vertex on a community boundary', async () => {
    const input = `${DIR}/shared-edges.input.geojson`
    const given = JSON.parse(readFileSync(input, 'utf8')) as {
      features: { properties: { code: string; region_code: string }; geometry: unknown }[]
    }
    // As given, the file has slivers at tolerance 0.
    const asGiven = given.features.map((f) => ({ ...f.properties, id: f.properties.code, kind: 'comprehensive', geometry: f.geometry }))
    const before = await validateTownship(database, TOWNSHIP, asGiven as GridState[], 'en', 0)
    expect(coverage(before.issues).length).toBeGreaterThan(0)

    await loadFixture(database, input, 'grids', TOWNSHIP)
    const written = await currentGrids(database.kysely, TOWNSHIP)
    const output = {
      type: 'FeatureCollection',
      features: written.map((grid) => ({ type: 'Feature', id: grid.code, properties: {}, geometry: grid.geometry })),
    }
    const expectedFile = `${DIR}/shared-edges.expected.geojson`
    if (process.env.UPDATE_FIXTURES || !existsSync(expectedFile)) writeFileSync(expectedFile, `${JSON.stringify(output, null, 1)}\n`)
    expect(output).toEqual(JSON.parse(readFileSync(expectedFile, 'utf8')))

    const after = await validateTownship(database, TOWNSHIP, written, 'en', 0)
    expect(after.issues.filter((issue) => issue.severity === 'error').map((issue) => issue.message)).toEqual([])
  })
})
