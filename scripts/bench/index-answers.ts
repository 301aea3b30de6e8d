import { createHash } from 'node:crypto'
import { seededRandom } from '../../server/demo/random.js'
import { GridIndexBuilder } from '../../server/lookup/index/grid-index-builder.js'
import { addSyntheticGrids, syntheticGrids } from './synthetic-grids.js'

// node --import tsx scripts/bench/index-answers.ts [points]
//
// The answers of the 100,000-grid synthetic index for 100,000 seeded random points (its extent
// + 2 %, every fifth exactly on a vertex): lookup() (main grid and dedicated), lookupMain() and nearest() (grid and metres), as one
// SHA-256. Run before and after a change to the index or its builder: the digest must not move.

const points = Number(process.argv[2] ?? 100_000)
const source = syntheticGrids()
const builder = new GridIndexBuilder()
addSyntheticGrids(builder, source)
const index = builder.finish()
const [minX, minY, maxX, maxY] = source.bounds
const padX = (maxX - minX) * 0.02
const padY = (maxY - minY) * 0.02
const rnd = seededRandom(19)
const hash = createHash('sha256')
let inGrid = 0
for (let i = 0; i < points; i++) {
  let x = minX - padX + rnd() * (maxX - minX + 2 * padX)
  let y = minY - padY + rnd() * (maxY - minY + 2 * padY)
  if (i % 5 === 0) {
    // Every fifth point exactly on a vertex: the rule for shared edges and corners decides.
    const v = Math.floor(rnd() * (source.coords.length / 2))
    x = source.coords[v * 2] as number
    y = source.coords[v * 2 + 1] as number
  }
  const hit = index.lookup(x, y)
  const main = index.lookupMain(x, y)
  const near = index.nearest(x, y)
  if (hit.grid >= 0) inGrid++
  hash.update(`${hit.grid};${hit.dedicated.join(',')};${main};${near?.grid ?? -1};${near?.distanceM ?? ''}\n`)
}
console.log(JSON.stringify({ grids: index.size, points, in_grid: inGrid, sha256: hash.digest('hex') }))
