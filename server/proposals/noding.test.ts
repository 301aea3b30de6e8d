import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { nodeTownship, type PolygonGeometry } from './noding.js'

// Each fixtures/noding/<case>.input.geojson holds a small township before ("layer": "before") and
// after ("layer": "after", with "changed") an edit; <case>.expected.geojson is the after layer
// noded, each grid marked "altered". UPDATE_FIXTURES=1 (or a missing file) writes the expected
// file from the current output: read the diff before committing it.

const DIR = 'fixtures/noding'

interface InputFeature {
  id: string
  properties: { layer: 'before' | 'after'; region: string; changed?: boolean; from?: string[] }
  geometry: PolygonGeometry
}

const cases = readdirSync(DIR)
  .filter((name) => name.endsWith('.input.geojson'))
  .map((name) => name.replace('.input.geojson', ''))

describe('noding a township after an edit', () => {
  it('has the five cases of the design', () => {
    expect(cases.length).toBeGreaterThanOrEqual(5)
  })

  it.each(cases)('%s', (name) => {
    const input = JSON.parse(readFileSync(`${DIR}/${name}.input.geojson`, 'utf8')) as { features: InputFeature[] }
    const before = input.features.filter((f) => f.properties.layer === 'before')
    const after = input.features.filter((f) => f.properties.layer === 'after')
    const noded = nodeTownship(
      after.map((f) => ({ id: f.id, geometry: f.geometry, changed: f.properties.changed === true, from: f.properties.from ?? [f.id] })),
      { before: before.map((f) => ({ id: f.id, geometry: f.geometry, region: f.properties.region })) },
    )
    const output = {
      type: 'FeatureCollection',
      features: noded.map(({ geometry, altered }, i) => ({ type: 'Feature', id: after[i]?.id, properties: { altered }, geometry })),
    }
    const expectedFile = `${DIR}/${name}.expected.geojson`
    if (process.env.UPDATE_FIXTURES || !existsSync(expectedFile)) writeFileSync(expectedFile, `${JSON.stringify(output, null, 1)}\n`)
    expect(output).toEqual(JSON.parse(readFileSync(expectedFile, 'utf8')))
  })

  it('leaves a township whose boundaries already match untouched', () => {
    const input = JSON.parse(readFileSync(`${DIR}/split-on-shared-edge.input.geojson`, 'utf8')) as { features: InputFeature[] }
    const before = input.features.filter((f) => f.properties.layer === 'before')
    const noded = nodeTownship(
      before.map((f) => ({ id: f.id, geometry: f.geometry, changed: false })),
      { before: before.map((f) => ({ id: f.id, geometry: f.geometry, region: f.properties.region })) },
    )
    expect(noded.map((n) => n.altered)).toEqual([false, false, false])
    expect(noded.map((n) => n.geometry)).toEqual(before.map((f) => f.geometry))
  })
})
