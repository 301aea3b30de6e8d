import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seedDemoUsers } from '../auth/demo-users.js'
import type { DatabaseHandle } from '../db/connect.js'
import { seedDemo } from '../demo/seed.js'
import { exportLayer } from '../export/export.service.js'
import { applyChanges } from '../proposals/changes.js'
import { newCoverageIssues } from '../proposals/exactness.js'
import { openTestDatabase } from '../testing/database.js'
import { exactReport, layerReport } from '../testing/random-edits.js'
import { prepareImport } from './preview.js'
import { replacementChanges } from './replacement.js'

// Property: a township's grids exported and imported again — through a GBK shapefile in
// CGCS2000 lon/lat or in a Gauss-Krüger zone, a GeoPackage, a FlatGeobuf — replace the layer with
// one that has no gap or overlap of any size (tolerance 0) the layer did not have: the grids are
// matched by code, so an unedited file changes nothing, and an edited one changes what was edited.
// This is what a county does when it edits its grids in desktop GIS and brings them back.

const TOWNSHIPS = ['990101001', '990101004'] // 东湖街道 (clean) and 白沙镇 (deliberate faults)
const ROUTES = [
  { format: 'shp', crs: 'EPSG:4490' },
  { format: 'shp', crs: 'EPSG:4527' },
  { format: 'gpkg', crs: 'EPSG:4548' },
  { format: 'fgb', crs: 'EPSG:4490' },
] as const

let database: DatabaseHandle
beforeAll(async () => {
  database = await openTestDatabase()
  await seedDemoUsers(database.kysely, 'demo')
  await seedDemo(database.kysely)
}, 240_000)
afterAll(async () => database?.close())

describe('export → import round trip', () => {
  for (const township of TOWNSHIPS) {
    for (const route of ROUTES) {
      it(`${township} through ${route.format} in ${route.crs} adds no sliver at tolerance 0`, async () => {
        const exported = await exportLayer(database, { region: township, layer: 'grids', ...route, language: 'en' })
        const prepared = await prepareImport(
          database.kysely,
          [{ name: exported.fileName, bytes: exported.file.bytes }],
          { type: 'grids', region: township },
          'en',
        )
        expect(prepared.problems).toEqual([])
        const grids = prepared.checked?.grids ?? []
        expect(grids).toHaveLength(exported.count)
        // Nothing was edited: every grid is matched by its code, and nothing changes.
        expect(await replacementChanges(database.kysely, township, grids)).toEqual([])
        // A grid renamed, one dropped and its shape given to a new grid: an update, a retire and a create, without a sliver.
        const [renamed, dropped] = grids as [(typeof grids)[0], (typeof grids)[0]]
        const edited = [{ ...renamed, name: `${renamed.name}（改）` }, { ...dropped, code: null }, ...grids.slice(2)]
        const changes = await replacementChanges(database.kysely, township, edited)
        expect(changes.map((change) => `${change.op} ${'grid' in change ? change.grid : ''}`).sort()).toEqual(
          ['create ', `retire ${dropped.code}`, `update ${renamed.code}`].sort(),
        )
        const after = await applyChanges(database.kysely, township, changes)
        const fresh = newCoverageIssues(
          await layerReport(database, township),
          await exactReport(database, township, [...after.grids.values()]),
        )
        expect(fresh.map((issue) => `${issue.code} ${issue.area_m2} m²`)).toEqual([])
      }, 120_000)
    }
  }
})
