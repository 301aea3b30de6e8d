import { type Static, Type } from 'typebox'

// Response shapes of /regions (the web client imports the types; no server code comes with them).

export const RegionSummary = Type.Object({
  code: Type.String({ description: '12-digit statistical division code' }),
  name: Type.String(),
  level: Type.Integer({ description: '1 province, 2 city, 3 county, 4 township, 5 village/community' }),
  parent_code: Type.Union([Type.String(), Type.Null()]),
  urban_rural: Type.Union([Type.String(), Type.Null()], { description: 'urban/rural class 111…220' }),
})

export const Region = Type.Object({
  ...RegionSummary.properties,
  bbox: Type.Union([Type.Array(Type.Number()), Type.Null()]),
  ancestors: Type.Array(RegionSummary),
  grid_count: Type.Integer({ description: 'grids in force in the region today (the web map loads by viewport above a threshold)' }),
})

export type RegionResponse = Static<typeof Region>
export type RegionSummaryResponse = Static<typeof RegionSummary>
