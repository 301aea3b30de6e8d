import type { Position } from 'geojson'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seedDemo } from '../demo/seed.js'
import { profileForRegion } from '../profiles/profiles.js'
import { ACT_FOR, applyingStep, chainOf } from '../proposals/chain.js'
import { bearer, createTestApp, type TestApp } from '../testing/app.js'
import type { TokenClaims } from '../auth/auth.plugin.js'
import { currentGrids } from '../proposals/changes.js'
import { type AreaPartition, partitionArea } from './area.js'
import { draftPartition, partitionChanges } from './draft.js'
import { areaOfRegion, type RegionArea } from './region-area.js'

// An auto-partition of a demo community as a draft proposal, walked through the whole approval
// chain: the applying step refuses any gap or overlap of any size the township did not have
// (server/proposals/exactness.ts), so passing it proves the grids meet their neighbours and the
// community boundary vertex for vertex.

let t: TestApp
const tokens = new Map<string, string>()
const as = async (username: string) => {
  if (!tokens.has(username)) tokens.set(username, await t.token(username))
  return bearer(tokens.get(username) as string)
}
const USER_OF_ROLE: Record<string, string> = { township: 'township', county: 'county', city: 'city' }

beforeAll(async () => {
  t = await createTestApp()
  await seedDemo(t.db)
}, 300_000)
afterAll(() => t?.close())

async function draftAndApply(area: RegionArea, buildings: RegionArea['buildings'], keep: boolean) {
  const result = await partitionArea(t.db, {
    boundary: area.boundary,
    buildings,
    roads: area.roads,
    ...(keep ? { existing: area.existing } : {}),
    range: { min: 200, max: 500 },
    seed: 7,
    cutsToCorners: true,
  })
  const claims: TokenClaims = { sub: 'township', role: 'township', region_prefix: '990101001', scope_name: '东湖街道' }
  const names = result.grids.features.map((_, i) => `${area.name}自动${i + 1}`)
  const drafted = await draftPartition(t.database, claims, { region: area.code, grids: result.grids, names }, 'zh-CN')
  const chain = chainOf(profileForRegion(area.code), false)
  const submitted = await t
    .http()
    .post(`/api/v1/proposals/${drafted.proposal_id}/submit`)
    .set(await as('township'))
    .send({})
  expect(submitted.status, submitted.text).toBe(200)
  for (let step = 1; step < chain.length; step++) {
    const { role, action } = chain[step] as { role: string; action: 'file' }
    const body = step === applyingStep(chain) ? { document_no: `示范〔2026〕${step}号`, effective_date: '2026-12-01' } : {}
    const response = await t
      .http()
      .post(`/api/v1/proposals/${drafted.proposal_id}/${ACT_FOR[action]}`)
      .set(await as(USER_OF_ROLE[role] as string))
      .send(body)
    expect(response.status, `${action} by ${role}: ${response.text}`).toBe(200)
  }
  return { result, drafted }
}

/** The community's grids in force are the partition's: as many, the same households each, in order of their numbers. */
async function expectInForce(region: string, result: AreaPartition) {
  const inForce = (await currentGrids(t.db, region.slice(0, 9))).filter((grid) => grid.region_code === region)
  const byCount = (values: number[]) => [...values].sort((a, b) => a - b)
  expect(byCount(inForce.map((grid) => grid.households as number))).toEqual(
    byCount(result.grids.features.map((f) => f.properties.households)),
  )
}

const households = (area: RegionArea) => area.buildings.reduce((sum, b) => sum + b.households, 0)

describe('a partition of a demo community as a proposal', () => {
  it('keeps every grid in range as it is, exactly (no change to propose)', async () => {
    const area = (await areaOfRegion(t.db, '990101001001')) as RegionArea
    const result = await partitionArea(t.db, { ...area, range: { min: 200, max: 500 }, seed: 7, cutsToCorners: true })
    expect(result.grids.features.map((f) => f.properties.unchanged)).toEqual(area.existing.map(() => true))
    expect(result.summary.unchanged_grids_pct).toBe(100)
    const { changes, listed } = await partitionChanges(t.database, { region: area.code, grids: result.grids, names: [] })
    expect(listed.every((change) => change.change === 'unchanged')).toBe(true)
    // Same shapes vertex for vertex within the stored precision; household counts agree with the buildings.
    expect(changes.filter((change) => change.op !== 'update')).toEqual([])
  }, 120_000)

  it('after a recount, redraws only the grids out of range and their neighbours; the chain applies it', async () => {
    const area = (await areaOfRegion(t.db, '990101001002')) as RegionArea
    const buildings = area.buildings.map((b, i) => (i % 7 === 0 ? { ...b, households: b.households * 4 } : b))
    const { result, drafted } = await draftAndApply(area, buildings, true)
    expect(result.grids.features.reduce((sum, f) => sum + f.properties.households, 0)).toBe(
      buildings.reduce((sum, b) => sum + b.households, 0),
    )
    const changed = drafted.changes.filter((change) => change.change !== 'unchanged')
    expect(changed.length).toBeGreaterThan(0)
    expect(drafted.changes.some((change) => change.change === 'unchanged')).toBe(true)
    await expectInForce(area.code, result)
  }, 300_000)

  it('a fresh division replaces every grid; the chain applies it and the township stays exact', async () => {
    const area = (await areaOfRegion(t.db, '990101001003')) as RegionArea
    const { result, drafted } = await draftAndApply(area, area.buildings, false)
    expect(drafted.changes.filter((change) => change.change === 'new')).toHaveLength(result.grids.features.length)
    expect(drafted.changes.filter((change) => change.change === 'retired').map((change) => change.code)).toEqual(
      area.existing.map((grid) => grid.code),
    )
    expect(result.grids.features.reduce((sum, f) => sum + f.properties.households, 0)).toBe(households(area))
    await expectInForce(area.code, result)
    const nodes: Position[] = result.explanations.flatMap((e) => (e.code === 'boundary_node_kept' ? [e.node] : []))
    expect(nodes).toEqual([])
  }, 300_000)
})
