import type { LineString, MultiLineString, MultiPolygon, Polygon, Position } from 'geojson'
import { findBuildingsCoveredBy } from '../buildings/buildings.repository.js'
import type { Db } from '../db/database.js'
import { currentGrids } from '../proposals/changes.js'
import { findLinesMeeting } from '../reference/reference.repository.js'
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
  const prefix = code.replace(/(000)+$/, '')
  const existing = (await currentGrids(db, prefix.slice(0, 9)))
    .filter((grid) => grid.region_code.startsWith(prefix) && grid.kind === 'comprehensive' && grid.code !== null)
    .map((grid) => ({ code: grid.code as string, name: grid.name, geometry: grid.geometry as Polygon | MultiPolygon }))
  const boundary = (await unionOf(existing)) ?? (await regionBoundary(db, code))
  if (boundary === null) return null
  const buildings = (await findBuildingsCoveredBy(db, boundary)).map((row) => ({
    geometry: row.geometry as BuildingInput['geometry'],
    households: Number(row.households),
  }))
  const roads = (await findLinesMeeting(db, prefix, ['road', 'water'], boundary)) as (LineString | MultiLineString)[]
  return { code, name: region.name, boundary, buildings, roads, existing }
}

async function regionBoundary(db: Db, code: string): Promise<Polygon | MultiPolygon | null> {
  const own = (await findBoundariesUnder(db, code.replace(/(000)+$/, ''), 1)).find((row) => row.code === code)
  if (!own) return null
  return own.polygons.length === 1
    ? { type: 'Polygon', coordinates: own.polygons[0] as Position[][] }
    : { type: 'MultiPolygon', coordinates: own.polygons as Position[][][] }
}

/** The exact union of grids that tile cleanly (edge matching: the vertices are the grids'); null otherwise. */
async function unionOf(grids: readonly ExistingGrid[]): Promise<Polygon | MultiPolygon | null> {
  if (grids.length === 0) return null
  const features = grids.map((grid, index) => ({
    index,
    polygons: (grid.geometry.type === 'Polygon' ? [grid.geometry.coordinates] : grid.geometry.coordinates) as PolygonRings[],
  }))
  const matched = await matchEdges(features)
  if (!matched.clean) return null
  // Rings come closed.
  const polygons = matched.union as Position[][][]
  return polygons.length === 1
    ? { type: 'Polygon', coordinates: polygons[0] as Position[][] }
    : { type: 'MultiPolygon', coordinates: polygons }
}
