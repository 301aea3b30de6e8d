// The last stage of the demo generator: codes, names and geometry. Townships are coded in TOWNSHIPS
// order; communities of a township urban (社区) first, then rural (村), and within each group —
// like grids within a community — in reading order (generate.ts, header). Every boundary is the
// exact lattice union of the unit's cells.

import type { Position } from 'geojson'
import { inReadingOrder } from '../coding/reading-order.js'
import { communityGridName } from '../grids/grid-names.js'
import type { CellBuildings } from './buildings.js'
import { CITY_CODE, COUNTY_CODE, type DemoBuilding, type DemoGrid, type DemoRegion, PROVINCE_CODE, type UrbanRural } from './county.js'
import type { CommunityDraft, GridDraft, Townships } from './divisions.js'
import type { Cell, HexLattice } from './lattice.js'
import { buildingAddress, type PlaceNames, personName } from './naming.js'
import { dist, must, pad3, sumOf, townshipCode, TOWNSHIPS } from './plan.js'
import { hashString, Random } from './random.js'

export interface Divisions {
  countyCells: number[]
  townships: Townships
  communities: CommunityDraft[]
  /** Grid drafts after the faults; merged-away drafts have no cells and get no grid. */
  grids: GridDraft[]
}

/** Streams of the naming stage: names and streets, populations (one draw a grid, in code order). */
export interface NamingStreams {
  names: PlaceNames
  population: Random
  seedNumber: number
}

export interface AssembledCounty {
  /** Regions in no particular order. */
  regions: DemoRegion[]
  /** Grids in no particular order. */
  grids: DemoGrid[]
  /** Buildings by township, community code and cells north→south. */
  buildings: DemoBuilding[]
  communityCode: Map<number, string>
  gridCode: Map<number, string>
}

/** The interior point of a unit: its cell nearest the mean of its cell centres (lowest index on a tie). */
export function interiorCell(lattice: HexLattice, members: Iterable<number>): Cell {
  const list = [...members]
  const mx = list.reduce((s, c) => s + lattice.cell(c).x, 0) / list.length
  const my = list.reduce((s, c) => s + lattice.cell(c).y, 0) / list.length
  let best = must(list[0], 'member')
  let bestD = Number.POSITIVE_INFINITY
  for (const c of list) {
    const d = dist(lattice.cell(c).x, lattice.cell(c).y, mx, my)
    if (d < bestD || (d === bestD && c < best)) {
      bestD = d
      best = c
    }
  }
  return lattice.cell(best)
}

/** The numbering rule: the items in reading order of their interior points. */
export function inRowOrder<T>(lattice: HexLattice, items: T[], point: (item: T) => Cell): T[] {
  const located = items.map((item) => ({ item, point: lattice.toLonLat(point(item).x, point(item).y) as [number, number] }))
  return inReadingOrder(located).map(({ item }) => item)
}

function areaKm2Of(lattice: HexLattice, members: Iterable<number>): number {
  let sum = 0
  for (const c of members) sum += lattice.areaOf(c)
  return sum / 1e6
}

export function assembleCounty(
  lattice: HexLattice,
  divisions: Divisions,
  cellBuildings: CellBuildings,
  streams: NamingStreams,
): AssembledCounty {
  const hh = cellBuildings.households
  const out: AssembledCounty = { regions: [], grids: [], buildings: [], communityCode: new Map(), gridCode: new Map() }
  const { countyCells } = divisions
  const boundary = lattice.union(countyCells)
  const households = sumOf(countyCells, hh)
  const areaKm2 = areaKm2Of(lattice, countyCells)
  // Province and city are the county's own outline: the demo has nothing around it.
  out.regions.push(
    { code: PROVINCE_CODE, name: '示范省', level: 1, parentCode: null, urbanRural: null, boundary, households, areaKm2 },
    { code: CITY_CODE, name: '示范市', level: 2, parentCode: PROVINCE_CODE, urbanRural: null, boundary, households, areaKm2 },
    { code: COUNTY_CODE, name: '示范县', level: 3, parentCode: CITY_CODE, urbanRural: null, boundary, households, areaKm2 },
  )
  const liveGrids = divisions.grids.map((g, gi) => ({ g, gi })).filter(({ g }) => g.cells.size > 0)

  TOWNSHIPS.forEach((plan, t) => {
    const code = townshipCode(t)
    const members = must(divisions.townships.cells[t], 'township cells')
    out.regions.push({
      code,
      name: plan.name,
      level: 4,
      parentCode: COUNTY_CODE,
      urbanRural: null,
      boundary: lattice.union(members),
      households: sumOf(members, hh),
      areaKm2: areaKm2Of(lattice, members),
    })
    const drafts = divisions.communities.map((d, i) => ({ d, i })).filter(({ d }) => d.township === t)
    const byInterior = ({ d }: { d: CommunityDraft }) => interiorCell(lattice, d.cells)
    const urban = inRowOrder(
      lattice,
      drafts.filter(({ d }) => d.urbanRural.startsWith('1')),
      byInterior,
    )
    const rural = inRowOrder(
      lattice,
      drafts.filter(({ d }) => d.urbanRural.startsWith('2')),
      byInterior,
    )
    ;[...urban, ...rural].forEach(({ d, i }, n) => {
      const cCode = `990101${pad3(t + 1)}${pad3(n + 1)}`
      const isUrban = d.urbanRural.startsWith('1')
      const cName = streams.names.community(t, isUrban, d.containsSeat)
      out.communityCode.set(i, cCode)
      out.regions.push({
        code: cCode,
        name: cName,
        level: 5,
        parentCode: code,
        urbanRural: d.urbanRural,
        boundary: lattice.union(d.cells),
        households: d.households,
        areaKm2: d.areaKm2,
      })
      const streets = streams.names.streets()
      out.buildings.push(
        ...communityBuildings(lattice, cellBuildings, d.cells, { code: cCode, name: cName, township: plan.name, isUrban, streets }),
      )
      const mine = liveGrids.filter(({ g }) => g.community === i)
      inRowOrder(lattice, mine, ({ g }) => interiorCell(lattice, g.cells)).forEach(({ g, gi }, k) => {
        const grid = demoGrid(lattice, g.cells, { code: cCode, name: cName, urbanRural: d.urbanRural }, k + 1, hh, streams)
        out.gridCode.set(gi, grid.code)
        out.grids.push(grid)
      })
    })
  })
  return out
}

/** A community's buildings, numbered in cell order north→south (then west→east). */
function communityBuildings(
  lattice: HexLattice,
  cellBuildings: CellBuildings,
  cells: readonly number[],
  community: { code: string; name: string; township: string; isUrban: boolean; streets: string[] },
): DemoBuilding[] {
  const cell = (c: number) => lattice.cell(c)
  const orderedCells = [...cells].sort((a, b) => cell(b).y - cell(a).y || cell(a).x - cell(b).x)
  const buildings: DemoBuilding[] = []
  for (const c of orderedCells) {
    for (const b of cellBuildings.buildingsOf.get(c) ?? []) {
      const [lon, lat] = lattice.toLonLat(b.x, b.y) as [number, number]
      const address = buildingAddress(community.township, community.name, community.isUrban, community.streets, buildings.length + 1)
      buildings.push({ regionCode: community.code, address, households: b.households, lon, lat })
    }
  }
  return buildings
}

/** Grid number `seq` of a community: its code, name, households, population and staff. */
function demoGrid(
  lattice: HexLattice,
  cells: ReadonlySet<number>,
  community: { code: string; name: string; urbanRural: UrbanRural },
  seq: number,
  hh: (cell: number) => number,
  streams: NamingStreams,
): DemoGrid {
  const code = community.code + pad3(seq)
  const households = sumOf(cells, hh)
  const point = interiorCell(lattice, cells)
  const interiorPoint: Position = lattice.toLonLat(point.x, point.y)
  const staffRng = new Random(hashString(code) ^ streams.seedNumber)
  return {
    code,
    name: communityGridName(community.name, seq),
    regionCode: community.code,
    urbanRural: community.urbanRural,
    geom: lattice.union(cells),
    households,
    population: Math.round(households * streams.population.range(2.6, 3.0)),
    interiorPoint,
    areaKm2: areaKm2Of(lattice, cells),
    attributes: {
      source: 'demo',
      urban_rural: community.urbanRural,
      interior_point: interiorPoint,
      grid_head: personName(staffRng),
      full_time_worker: personName(staffRng),
    },
  }
}
