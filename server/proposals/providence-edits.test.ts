import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seedDemoUsers } from '../auth/demo-users.js'
import type { DatabaseHandle } from '../db/connect.js'
import { loadFixture } from '../testing/app.js'
import { openTestDatabase } from '../testing/database.js'
import { EDITS, fileProposal, layerReport, runManyEdits, runSequence } from '../testing/random-edits.js'
import { currentGrids } from './changes.js'
import { newCoverageIssues } from './exactness.js'

// The exactness property (exact-edits.test.ts) on real data: Providence's ward 6 as a township,
// its 116 census blocks grouped into 12 grids of one community (fixtures/providence/, made by
// scripts/providence-fixture.ts). Random splits, merges, corner drags, Turf moves and fix buttons,
// each validated at tolerance 0 against the layer's report: nothing new. The seed is printed on failure.

const TOWNSHIP = '990109006'

let database: DatabaseHandle
beforeAll(async () => {
  database = await openTestDatabase()
  await seedDemoUsers(database.kysely, 'demo')
  await loadFixture(database, 'fixtures/providence/ward-6-regions.geojson', 'regions', '99')
  await loadFixture(database, 'fixtures/providence/ward-6-grids.geojson', 'grids', TOWNSHIP)
}, 240_000)
afterAll(async () => database?.close())

describe('exact edits on Providence blocks grouped into grids', () => {
  it('imports ward 6 as 12 grids that cover it exactly', async () => {
    expect(await currentGrids(database.kysely, TOWNSHIP)).toHaveLength(12)
    const report = await layerReport(database, TOWNSHIP)
    const coverage = report.issues.filter((issue) => ['gap', 'overlap', 'outside_parent', 'crosses_region'].includes(issue.code))
    expect(coverage.map((issue) => issue.message)).toEqual([])
  })

  it('keeps the coverage exact over 200 random edits', async () => {
    // EXACT_SEED replays a failure; EXACT_EDITS runs a longer (or shorter) search.
    const { total, target: wanted, kinds } = await runManyEdits(database, () => TOWNSHIP)
    expect(total).toBeGreaterThanOrEqual(wanted)
    // Every kind of edit took part but the fault fixes: the layer has no fault to fix.
    const expected = EDITS.map((edit) => edit.name).filter((name) => name !== 'faultFixEdit')
    expect(Object.keys(kinds).sort(), JSON.stringify(kinds)).toEqual(expected.sort())
  }, 600_000)

  it('files a random sequence: the live layer has nothing new at tolerance 0', async () => {
    const seed = Number(process.env.EXACT_SEED ?? Date.now() % 1_000_000) + 7919
    const before = await layerReport(database, TOWNSHIP)
    const { changes } = await runSequence(database, seed, TOWNSHIP, 8)
    await fileProposal(database, TOWNSHIP, changes)
    const live = await layerReport(database, TOWNSHIP)
    expect(
      newCoverageIssues(before, live).map((issue) => issue.message),
      `seed ${seed}`,
    ).toEqual([])
  }, 300_000)
})
