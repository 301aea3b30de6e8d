// What the demo generator returns: the regions, grids and buildings of 示范县 and the faults it
// planted (generate.ts explains how they are built).

import type { MultiPolygon, Position } from 'geojson'

export const PROVINCE_CODE = '990000000000'
export const CITY_CODE = '990100000000'
export const COUNTY_CODE = '990101000000'
export const FAULTY_TOWNSHIP_CODE = '990101004000'
export const COUNT_DATE = '2026-06-30'
export const VALID_FROM = '2026-01-01'

export type UrbanRural = '111' | '112' | '121' | '122' | '210' | '220'

export interface DemoRegion {
  code: string
  name: string
  level: 1 | 2 | 3 | 4 | 5
  parentCode: string | null
  urbanRural: UrbanRural | null
  boundary: MultiPolygon
  households: number
  areaKm2: number
}

export interface DemoGrid {
  code: string
  name: string
  regionCode: string
  urbanRural: UrbanRural
  geom: MultiPolygon
  households: number
  population: number
  interiorPoint: Position
  areaKm2: number
  attributes: Record<string, unknown>
}

export interface DemoBuilding {
  regionCode: string
  address: string
  households: number
  lon: number
  lat: number
}

export interface DemoFaults {
  township: { code: string; name: string }
  gap: {
    regionCode: string
    /** The grid the cell was dropped from. */
    grid: string
    /** The other grids around the gap. */
    neighbours: string[]
    point: Position
    areaM2: number
    households: number
  }
  overlap: { regionCode: string; grids: [string, string]; point: Position; areaM2: number; households: number }
  oversized: { regionCode: string; grid: string; households: number }
}

export interface DemoCounty {
  seed: string
  countDate: string
  validFrom: string
  regions: DemoRegion[]
  grids: DemoGrid[]
  buildings: DemoBuilding[]
  faults: DemoFaults
}
