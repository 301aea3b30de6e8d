import { commitImport } from '../../server/import/commit.js'
import { BENCH_ADMIN, countyDatabase, GRIDS, GRID_MAP, benchRegions, shapefileParts } from './io.js'
import { gridLayerShapefile } from './io-dataset.js'

// One draft import of the bench shapefile in a process of its own, as `npm run import -- --draft`
// runs: the county's regions on a fresh database, then the file to one draft proposal per
// township. Prints one JSON line: the import's time and the process's peak RSS, which (unlike a
// run inside the bench's process) holds nothing but this import. Spawned by io.ts.

const layer = await gridLayerShapefile(GRIDS)
const files = shapefileParts(layer.shp)
const database = await countyDatabase(benchRegions())
try {
  const started = performance.now()
  const result = await commitImport({ database, user: BENCH_ADMIN, language: 'en' }, files, {
    type: 'grids',
    region: '980101',
    map: GRID_MAP,
    mode: 'draft',
  })
  const ms = performance.now() - started
  const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024)
  console.log(JSON.stringify({ ms, imported: result.imported, proposals: result.proposal_ids.length, peakRssMb, engine: database.engine }))
} finally {
  await database.close()
}
