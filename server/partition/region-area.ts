import type { LineString, MultiLineString, MultiPolygon, Polygon } from 'geojson'
import { findBuildingsCoveredBy } from '../buildings/buildings.repository.js'
import type { Db } from '../db/database.js'
import { geometryOfPolygons, polygonsOf } from '../geo/ewkb.js'
import { currentGrids, type GridState } from '../proposals/changes.js'
import { findLinesMeeting } from '../reference/reference.repository.js'
import { prefixOfCode } from '../regions/region-codes.js'
import { findBoundariesUnder, findRegion } from '../regions/regions.repository.js'
import { matchEdges, type PolygonRings } from '../validation/edge-match.js'
import type { BuildingInput } from './units.js'

// What gridwork already knows about a region, as the input of an auto-partition: its area, the
// building points in it, the roads and rivers crossing it, and the grids in force there.

export interface ExistingGrid {
  code: string
  name: string
  geometry: Polygon | MultiPolygon
}

export interface RegionArea {
  code: string
  name: string
  /**
   * The union of the region's grids in force when they tile it cleanly — so the proposed grids
   * re-divide exactly the area today's grids cover and meet the neighbours on the same vertices
   * — else the region's own boundary.
   */
  boundary: Polygon | MultiPolygon
  buildings: BuildingInput[]
  roads: (LineString | MultiLineString)[]
  existing: ExistingGrid[]
}

/** The region's area, buildings, roads and grids in force; null when the region is unknown or has no boundary. */
export async function areaOfRegion(db: Db, code: string): Promise<RegionArea | null> {
  const region = await findRegion(db, code)
  if (!region) return null
  const prefix = prefixOfCode(code)
  const existing = (await comprehensiveGridsOf(db, code)).map((grid) => ({
    code: grid.code as string,
    name: grid.name,
    geometry: grid.geometry as Polygon | MultiPolygon,
  }))
  const boundary = (await unionOf(existing)) ?? (await regionBoundary(db, code))
  if (boundary === null) return null
  const buildings = (await findBuildingsCoveredBy(db, boundary)).map((row) => ({
    geometry: row.geometry as BuildingInput['geometry'],
    households: Number(row.households),
  }))
  const roads = (await findLinesMeeting(db, prefix, ['road', 'water'], boundary)) as (LineString | MultiLineString)[]
  return { code, name: region.name, boundary, buildings, roads, existing }
}

/** The comprehensive grids in force in a village/community or township (with their codes), as the proposal layer reads them. */
export async function comprehensiveGridsOf(db: Db, code: string): Promise<GridState[]> {
  const prefix = prefixOfCode(code)
  return (await currentGrids(db, prefix.slice(0, 9))).filter(
    (grid) => grid.region_code.startsWith(prefix) && grid.kind === 'comprehensive' && grid.code !== null,
  )
}

async function regionBoundary(db: Db, code: string): Promise<Polygon | MultiPolygon | null> {
  const own = (await findBoundariesUnder(db, prefixOfCode(code), 1)).find((row) => row.code === code)
  return own ? geometryOfPolygons(own.polygons) : null
}

/** The exact union of grids that tile cleanly (edge matching: the vertices are the grids'); null otherwise. */
async function unionOf(grids: readonly ExistingGrid[]): Promise<Polygon | MultiPolygon | null> {
  if (grids.length === 0) return null
  const features = grids.map((grid, index) => ({ index, polygons: polygonsOf(grid.geometry) as PolygonRings[] }))
  const matched = await matchEdges(features)
  // The union's rings come closed.
  return matched.clean ? geometryOfPolygons(matched.union) : null
}
