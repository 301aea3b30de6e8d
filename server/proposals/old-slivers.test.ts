import type { Position } from 'geojson'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fixChange } from '../../web/src/editor/fixes.js'
import { profileForRegion } from '../profiles/profiles.js'
import { bearer, createTestApp, loadFixture, loadGeoJson, type TestApp } from '../testing/app.js'
import type { ValidationIssue, ValidationReport } from '../validation/report.schemas.js'
import { ACT_FOR, applyingStep, chainOf } from './chain.js'
import type { ChangeRequest } from './change.schemas.js'
import { applyChanges, currentGrids } from './changes.js'
import { validateExactly, validateTownship } from './exactness.js'
import type { PolygonGeometry } from './noding.js'

// A sliver an old import left, below the sliver tolerance (a warning, not an error), fixed with
// the editor's own fix button (web/src/editor/fixes.ts) through the proposal API: at tolerance 0
// the gap or overlap is gone, nothing new appears, and the filed layer is clean.
// 青石乡 (990101002) is imported as four grids in quarters of 青石村; the west grids' shared east
// edge has, halfway up, a notch 2e-7° (≈ 2 cm) deep and 1e-5° (≈ 1.1 m) long: into the north-west
// grid (a gap of ≈ 0.011 m² between it and the north-east grid) and out of the south-west grid (an
// overlap of the same size with the south-east grid).

const TOWNSHIP = '990101002'
const REGION = `${TOWNSHIP}000`
const VILLAGE = `${TOWNSHIP}001`
const [NW, NE, SW, SE] = ['001', '002', '003', '004'].map((n) => `${VILLAGE}${n}`) as [string, string, string, string]
// Digitised with more decimals than the API gives back (grids 8, issues 9), as old data often is.
const DEPTH = 2.03456789012e-7
const HALF_LENGTH = 4.98765432109e-6

/** A quarter of 青石村 (counter-clockwise), with `notch` inserted into its east edge (x = 113.03). */
function quarter(code: string, south: number, west: number, notch: Position[] = []) {
  const [east, north] = [west + 0.01, south + 0.01]
  const ring = [[west, south], [east, south], ...notch, [east, north], [west, north], [west, south]]
  return {
    type: 'Feature',
    properties: {
      code,
      name: `青石村第${code.slice(-1)}网格`,
      region_code: VILLAGE,
      households: 300,
      population: 800,
      count_date: '2026-06-30',
    },
    geometry: { type: 'Polygon', coordinates: [ring] },
  }
}
/** Three vertices on x = 113.03 around y, the middle one `offset` east (negative: west). */
const notch = (y: number, offset: number): Position[] => [
  [113.03, y - HALF_LENGTH],
  [113.03 + offset, y],
  [113.03, y + HALF_LENGTH],
]

/** A grid as GET /grids gives it to the editor. */
type GridFeature = { properties: { code: string }; geometry: PolygonGeometry }

let t: TestApp
let admin: ReturnType<typeof bearer>

beforeAll(async () => {
  t = await createTestApp()
  await loadFixture(t.database, 'fixtures/regions/mini-county.geojson', 'regions', '99')
  const layer = {
    type: 'FeatureCollection',
    features: [
      quarter(NW, 28.01, 113.02, notch(28.015, -DEPTH)),
      quarter(NE, 28.01, 113.03),
      quarter(SW, 28.0, 113.02, notch(28.005, DEPTH)),
      quarter(SE, 28.0, 113.03),
    ],
  }
  await loadGeoJson(t.database, JSON.stringify(layer), 'grids', TOWNSHIP)
  admin = bearer(await t.token('admin'))
})
afterAll(async () => t?.close())

const isSliver = (issue: ValidationIssue) => issue.code === 'gap' || issue.code === 'overlap'
const exactReport = async (changes: readonly ChangeRequest[]) =>
  validateTownship(t.database, TOWNSHIP, [...(await applyChanges(t.db, TOWNSHIP, changes)).grids.values()], 'en', 0)

/** What the editor shows before the first edit: today's grids and their validation (web/src/editor/draft.ts). */
async function editorView(): Promise<{ grids: GridFeature[]; report: ValidationReport }> {
  const grids = await t.http().get(`/api/v1/grids?region=${TOWNSHIP}`).set(admin).expect(200)
  const report = await t.http().post('/api/v1/validate').set(admin).send({ features: grids.body, parent: REGION }).expect(200)
  return { grids: grids.body.features, report: report.body }
}

/** The change the fix button of `issue` for `code` sends. */
function fixButton(grids: GridFeature[], issue: ValidationIssue, code: string): ChangeRequest {
  const grid = grids.find((g) => g.properties.code === code) as GridFeature
  const change = fixChange({ id: code, geometry: grid.geometry }, issue)
  expect(change).not.toBeNull()
  return change as ChangeRequest
}

describe('a sliver an old import left', () => {
  it('is reported below the tolerance as a warning, and at tolerance 0 as an error', async () => {
    const { report } = await editorView()
    const slivers = report.issues.filter(isSliver)
    expect(slivers.map((i) => [i.code, i.severity, [...i.feature_ids].sort()])).toEqual([
      ['overlap', 'warning', [SW, SE]],
      ['gap', 'warning', [NW, NE]],
    ])
    for (const issue of slivers) expect(issue.area_m2).toBeGreaterThan(0.009)
    for (const issue of slivers) expect(issue.area_m2).toBeLessThan(0.013)
    const exact = await exactReport([])
    expect(exact.issues.filter(isSliver).map((i) => i.severity)).toEqual(['error', 'error'])
  })

  it('reads as the usual validation does when derived from the report at tolerance 0 (one validation for both)', async () => {
    const grids = await currentGrids(t.db, TOWNSHIP)
    const { report, exactReport } = await validateExactly(t.database, TOWNSHIP, grids, 'zh-CN')
    expect(report).toEqual(await validateTownship(t.database, TOWNSHIP, grids, 'zh-CN'))
    expect(report.summary.warnings).toBe(2)
    expect(exactReport.summary.errors).toBe(2)
  })

  it('is removed by either fix button, with nothing new at tolerance 0', async () => {
    const { grids, report } = await editorView()
    const gap = report.issues.find((i) => i.code === 'gap') as ValidationIssue
    const overlap = report.issues.find((i) => i.code === 'overlap') as ValidationIssue
    // Every pair of buttons: the gap joined to either grid, the overlap cut from either grid
    // (the other grid keeps the overlap's area, so no gap opens there).
    for (const gapGrid of gap.feature_ids)
      for (const overlapGrid of overlap.feature_ids) {
        const changes = [fixButton(grids, gap, gapGrid), fixButton(grids, overlap, overlapGrid)]
        const exact = await exactReport(changes)
        expect(
          exact.issues.filter((i) => i.severity === 'error').map((i) => i.message),
          `gap to ${gapGrid}, overlap from ${overlapGrid}`,
        ).toEqual([])
      }
  })

  it('is fixed through the proposal API: approved, filed, and the live layer is clean at tolerance 0', async () => {
    const { grids, report } = await editorView()
    const [gap, overlap] = ['gap', 'overlap'].map((code) => report.issues.find((i) => i.code === code) as ValidationIssue) as [
      ValidationIssue,
      ValidationIssue,
    ]
    const changes = [fixButton(grids, gap, NW), fixButton(grids, overlap, SW)]
    const draft = await t
      .http()
      .post('/api/v1/proposals')
      .set(admin)
      .send({ region: REGION, title: '消除导入遗留的缝隙与重叠', reason: '测试', changes })
    expect(draft.status, draft.text).toBe(200)
    expect(draft.body.validation.issues.filter(isSliver)).toEqual([])

    const chain = chainOf(profileForRegion(REGION), false)
    const acts = ['submit', ...chain.slice(1).map((step) => ACT_FOR[step.action])]
    for (const [step, act] of acts.entries()) {
      const filing = step === applyingStep(chain) ? { document_no: '青石〔2026〕1号', effective_date: '2026-10-01' } : {}
      const response = await t.http().post(`/api/v1/proposals/${draft.body.id}/${act}`).set(admin).send(filing)
      expect(response.status, `${act}: ${response.text}`).toBe(200)
    }
    const live = await validateTownship(t.database, TOWNSHIP, await currentGrids(t.db, TOWNSHIP), 'en', 0)
    expect(live.issues.filter((i) => i.severity === 'error').map((i) => i.message)).toEqual([])
    expect((await currentGrids(t.db, TOWNSHIP)).map((g) => [g.code, g.version])).toEqual([
      [NW, 2],
      [NE, 1],
      [SW, 2],
      [SE, 1],
    ])
  })
})
