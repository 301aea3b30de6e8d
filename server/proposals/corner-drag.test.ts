import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import type { Position } from 'geojson'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { moveSharedVertex } from '../../web/src/editor/shared-vertices.js'
import type { DatabaseHandle } from '../db/connect.js'
import { openTestDatabase } from '../testing/database.js'
import { staysWithin } from '../testing/random-edits.js'
import { AREA_CODES } from '../validation/validate-coverage.js'
import { validate } from '../validation/validate.service.js'
import { nodeTownship, type PolygonGeometry } from './noding.js'

// Each fixtures/drag/<case>.input.geojson holds the grids around a corner and a drag of it
// ("drag": from, to, and "move": whether it only moves the boundaries between the grids that
// share the corner). <case>.expected.geojson is the after-state: the editor's moveSharedVertex,
// then the server's noding, each grid marked "moved" and "altered". UPDATE_FIXTURES=1 (or a
// missing file) writes it from the current output: read the diff before committing it. Both
// states are validated at sliver tolerance 0 on the test database: a move opens no gap or
// overlap; a drag past that is an overlap the validator reports, and the random edits of the
// exactness property tests do not make it (staysWithin).

const DIR = 'fixtures/drag'

interface GridFeature {
  type: 'Feature'
  id: string
  properties: { region: string; kind: string; name: string }
  geometry: PolygonGeometry
}
interface DragCase {
  drag: { from: Position; to: Position; move: boolean }
  features: GridFeature[]
}

const cases = readdirSync(DIR)
  .filter((name) => name.endsWith('.input.geojson'))
  .map((name) => name.replace('.input.geojson', ''))

const read = (name: string) => JSON.parse(readFileSync(`${DIR}/${name}.input.geojson`, 'utf8')) as DragCase

/** The drag as the editor makes it, then noded as the server nodes a proposal's after-state. */
function afterDrag({ drag, features }: DragCase) {
  const moved = new Map(moveSharedVertex(features, drag.from, drag.to).map((grid) => [grid.id, grid.geometry]))
  const noded = nodeTownship(
    features.map((f) => ({ id: f.id, geometry: moved.get(f.id) ?? f.geometry, changed: moved.has(f.id), from: [f.id] })),
    { before: features.map((f) => ({ id: f.id, geometry: f.geometry, region: f.properties.region })) },
  )
  return {
    type: 'FeatureCollection' as const,
    features: noded.map(({ geometry, altered }, i) => {
      const { id, properties } = features[i] as GridFeature
      return { type: 'Feature' as const, id, properties: { ...properties, moved: moved.has(id), altered }, geometry }
    }),
  }
}

let database: DatabaseHandle
beforeAll(async () => {
  database = await openTestDatabase()
}, 240_000)
afterAll(async () => database?.close())

/** Gaps, overlaps and parts outside at sliver tolerance 0, as the applying step checks them. */
async function coverageIssues(features: readonly { id: string; properties: object; geometry: PolygonGeometry }[]) {
  const request = { features: { type: 'FeatureCollection', features }, sliver_tolerance_m2: 0 }
  const report = await validate(database, request, 'en')
  return report.issues
    .filter((issue) => AREA_CODES.has(issue.code))
    .map((issue) => ({ code: issue.code, grids: [...issue.feature_ids].sort(), area_m2: issue.area_m2 }))
}

describe('a corner drag, from the editor through the noding to the validator', () => {
  it('has a drag that moves and one that overlaps', () => {
    expect(cases.map((name) => read(name).drag.move).sort()).toEqual([false, true])
  })

  it.each(cases)('%s: the after-state is the checked-in one', (name) => {
    const output = afterDrag(read(name))
    const expectedFile = `${DIR}/${name}.expected.geojson`
    if (process.env.UPDATE_FIXTURES || !existsSync(expectedFile)) writeFileSync(expectedFile, `${JSON.stringify(output, null, 1)}\n`)
    expect(output).toEqual(JSON.parse(readFileSync(expectedFile, 'utf8')))
  })

  it.each(cases)('%s: at tolerance 0, only a drag past the corner overlaps, and the random edits do not make it', async (name) => {
    const input = read(name)
    const after = afterDrag(input).features
    expect(await coverageIssues(input.features)).toEqual([])
    const moved = after.filter((grid) => grid.properties.moved)
    const before = moved.map((grid) => input.features.find((f) => f.id === grid.id)?.geometry as PolygonGeometry)
    expect(
      staysWithin(
        before,
        moved.map((grid) => grid.geometry),
      ),
    ).toBe(input.drag.move)
    const issues = await coverageIssues(after)
    if (input.drag.move) expect(issues).toEqual([])
    // Grid 10 reaches 5 m into new-2 (grid 11 folds over itself, an invalid geometry, not an overlap).
    else expect(issues).toEqual([{ code: 'overlap', grids: ['990109006001010', 'new-2'], area_m2: expect.closeTo(10.6, 1) }])
  })
})
