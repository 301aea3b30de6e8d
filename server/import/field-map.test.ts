import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FieldInfo } from '../io/types.js'
import { bearer, createMiniCountyApp, postUpload } from '../testing/app.js'
import { suggestFieldMap } from './field-map.js'

// The remembered field map: a field the person cleared (sent as null) is remembered as null, and
// the next suggestion for that region and type leaves it cleared instead of guessing it again.

const fields = (...names: string[]): FieldInfo[] => names.map((name) => ({ name, type: 'string' }))

describe('suggestFieldMap', () => {
  it('suggests by column name, prefers the remembered columns, and keeps a remembered null cleared', () => {
    const file = fields('名称', '道路等级', 'DJ')
    expect(suggestFieldMap('reference', file, null)).toEqual({ name: '名称', class: '道路等级' })
    expect(suggestFieldMap('reference', file, { class: 'DJ' })).toEqual({ name: '名称', class: 'DJ' })
    expect(suggestFieldMap('reference', file, { name: '名称', class: null })).toEqual({ name: '名称', class: null })
  })
})

describe('remembering a cleared field over HTTP', () => {
  const uploadRoot = mkdtempSync(path.join(os.tmpdir(), 'gridwork-field-map-test-'))
  let t: Awaited<ReturnType<typeof createMiniCountyApp>>
  beforeAll(async () => {
    t = await createMiniCountyApp({ uploads: { root: uploadRoot, limitBytes: 1024 * 1024 } })
  })
  afterAll(async () => {
    await t?.close()
    rmSync(uploadRoot, { recursive: true, force: true })
  })

  const roads = JSON.stringify({
    type: 'FeatureCollection',
    features: [
      {
        type: 'Feature',
        properties: { 名称: 'X001', 道路等级: '县道' },
        geometry: {
          type: 'LineString',
          coordinates: [
            [113.01, 28.0],
            [113.02, 28.01],
          ],
        },
      },
    ],
  })
  const uploadId = async () => {
    const response = await postUpload(t, t.tokens.county, 'roads.geojson', roads)
    expect(response.status).toBe(201)
    return response.body.id as string
  }
  const choices = { type: 'reference', region: '990101' }

  it('a field committed as null comes back null in the next preview, and is not imported', async () => {
    const first = await uploadId()
    const suggested = await t.http().post(`/api/v1/uploads/${first}/preview`).set(bearer(t.tokens.county)).send(choices)
    expect(suggested.body.map).toEqual({ name: '名称', class: '道路等级' })
    const map = { name: '名称', class: null }
    const committed = await t
      .http()
      .post(`/api/v1/uploads/${first}/commit`)
      .set(bearer(t.tokens.county))
      .send({ ...choices, map, reference: { name: '道路', kind: 'road' } })
    expect(committed.status).toBe(200)
    const stored = await t.db.selectFrom('reference_features').select(['name', 'class']).executeTakeFirstOrThrow()
    expect(stored).toEqual({ name: 'X001', class: null })

    const next = await uploadId()
    const shown = await t.http().post(`/api/v1/uploads/${next}/preview`).set(bearer(t.tokens.county)).send(choices)
    expect(shown.status).toBe(200)
    expect(shown.body.map).toEqual(map)
  })
})
