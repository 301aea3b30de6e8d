import type { Feature, FeatureCollection, MultiPolygon, Polygon } from 'geojson'

// Shapes of the server's JSON (see the API section of DESIGN.md).

export interface ApiErrorBody {
  error: { code: string; message: string }
}

export interface Me {
  username: string
  display_name: string
  role: string
  region_prefix: string
  home_region: string
}

export type BBox = [number, number, number, number]

export interface Region {
  code: string
  name: string
  /** 1 province … 5 village/community */
  level: number
  parent_code: string | null
  urban_rural: string | null
  bbox: BBox | null
  ancestors: { code: string; name: string; level: number }[]
}

export interface RegionProps {
  code: string
  name: string
  level: number
  parent_code: string | null
  urban_rural: string | null
}

export type RegionCollection = FeatureCollection<MultiPolygon | Polygon | null, RegionProps>

export type Fit = 'below' | 'within' | 'above' | 'unknown'
export type GridKind = 'comprehensive' | 'dedicated' | 'micro'

export interface GridProps {
  code: string
  name: string
  kind: GridKind
  region_code: string
  parent_code: string | null
  households: number | null
  population: number | null
  count_date: string | null
  valid_from: string
  valid_to: string | null
  version: number
  attributes: Record<string, unknown> | null
  fit: Fit
  households_min: number | null
  households_max: number | null
}

export type GridFeature = Feature<MultiPolygon | Polygon, GridProps>
export type GridCollection = FeatureCollection<MultiPolygon | Polygon, GridProps>
