// The demo county 示范县 (990101000000), generated deterministically from a seed string.
//
// How it is built (all in metres on a local plane around lon 113.0, lat 28.2, then projected):
// 1. A jittered hexagonal lattice (cells ~0.031 km², see lattice.ts). Every polygon below is a
//    union of whole cells, so county, townships, communities and grids tile exactly and share
//    boundaries vertex-for-vertex.
// 2. The county is the set of cells inside a noisy ellipse (29.5 × 22 km, 483 km²), holes filled.
// 3. A household density field (county seat, township seats, hilly south-east, clustered
//    hamlets) gives each cell its buildings: apartment blocks in town, 1–3-household houses in
//    the countryside. A grid's households are the sum of its buildings' households.
// 4. Townships grow from fixed seeds (balanced by area); communities from weighted k-means seeds
//    within each township (balanced by households); grids by recursive bisection of each
//    community (balanced by households, partition.ts), their number set by a household target per
//    urban/rural class (urban ~270, rural ~370), then rebalanced.
// 5. Deliberate faults, all in township 990101004000 白沙镇 (FAULTY_TOWNSHIP_CODE), so that
//    validation has something real to find:
//      - gap: one cell (with its buildings) is dropped from a grid: covered by the community, by
//        no grid;
//      - overlap: one cell of a grid is also given to a neighbouring grid in its community;
//      - oversized: two adjacent grids are merged into one grid of > 500 households.
//    The codes are computed, returned in `faults` and recorded in the summary that seedDemo
//    stores in app_meta 'demo_seeded'. With the default seed (DEMO_SEED; generate.test.ts pins
//    this list, so it cannot drift):
//      gap       荷塘村 990101004005: a 31 332 m² cell (14 households) at 112.9679804, 28.2640212
//                dropped from 990101004005004 荷塘村第四网格, between it and …001, …002;
//      overlap   杨柳村 990101004008: 990101004008001 杨柳村第一网格 and 990101004008003
//                杨柳村第三网格 share a 32 959 m² cell (14 households) at 113.0184355, 28.2431771;
//      oversized 双江村 990101004007: 990101004007002 双江村第二网格 has 759 households.
//
// Codes: townships 990101001000 … in the fixed order of TOWNSHIPS (plan.ts); communities of a township
// are numbered urban (社区) first, then rural (村), and within each group — like grids within a
// community — in reading order (server/coding/reading-order.ts, the rule the server uses):
//   each unit's interior point is the centre of its lattice cell nearest the mean of its cell
//   centres (always inside the unit); points are cut into east–west rows 0.005° of latitude tall
//   (≈ 550 m); rows go north→south and, within a row, points go west→east.
// Grid code (cn-stat-15) = 12-digit community code + 3-digit sequence 001…
//
// Each step is a stage in its own module, run in order by generateDemoCounty below: county-shape.ts
// (2), buildings.ts (3), divisions.ts (4), faults.ts (5), assemble.ts and naming.ts (codes, names,
// addresses, geometry). The stages draw from separate random streams, so none shifts another.

import { assembleCounty } from './assemble.js'
import { placeBuildings } from './buildings.js'
import { COUNT_DATE, type DemoCounty, VALID_FROM } from './county.js'
import { countyCells } from './county-shape.js'
import { cutGrids, growCommunities, growTownships } from './divisions.js'
import { describeFaults, plantFaults } from './faults.js'
import { HexLattice } from './lattice.js'
import { PlaceNames } from './naming.js'
import { LATTICE, must } from './plan.js'
import { hashString, Random } from './random.js'

export {
  CITY_CODE,
  COUNT_DATE,
  COUNTY_CODE,
  type DemoBuilding,
  type DemoCounty,
  type DemoFaults,
  type DemoGrid,
  type DemoRegion,
  FAULTY_TOWNSHIP_CODE,
  PROVINCE_CODE,
  type UrbanRural,
  VALID_FROM,
} from './county.js'

export const DEMO_SEED = 'gridwork-demo-county-v1'

export function generateDemoCounty(seed: string = DEMO_SEED): DemoCounty {
  const rng = new Random(seed)
  const seedNumber = hashString(seed)
  // Each stage draws from its own stream; forking consumes the parent, so the order is fixed.
  const shapeRng = rng.fork('shape')
  const communityRng = rng.fork('communities')
  const names = new PlaceNames(rng.fork('names'))
  const population = rng.fork('population')

  const lattice = new HexLattice({ ...LATTICE, seed: seedNumber })
  const county = countyCells(lattice, shapeRng, seedNumber)
  const cellBuildings = placeBuildings(lattice, county, seedNumber)
  const hh = cellBuildings.households
  const townships = growTownships(lattice, county, seedNumber)
  const communities = growCommunities(lattice, townships, hh, communityRng, seedNumber)
  const grids = cutGrids(lattice, communities, hh)
  const planted = plantFaults(lattice, communities, grids, hh, seed)
  const assembled = assembleCounty(lattice, { countyCells: county, townships, communities, grids }, cellBuildings, {
    names,
    population,
    seedNumber,
  })
  const faults = describeFaults(
    lattice,
    planted,
    grids,
    hh,
    (ci) => must(assembled.communityCode.get(ci), 'community code'),
    (gi) => must(assembled.gridCode.get(gi), `code of grid draft ${gi}`),
  )

  const regions = assembled.regions.sort((a, b) => a.code.localeCompare(b.code))
  const demoGrids = assembled.grids.sort((a, b) => a.code.localeCompare(b.code))
  return { seed, countDate: COUNT_DATE, validFrom: VALID_FROM, regions, grids: demoGrids, buildings: assembled.buildings, faults }
}
