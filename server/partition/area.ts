import type { Feature, FeatureCollection, MultiPolygon, Polygon } from 'geojson'
import type { Db } from '../db/database.js'
import { dissolve } from './dissolve.js'
import { partition } from './partition.js'
import type { PartitionExplanation, PartitionGrid, PartitionInput, PartitionSummary } from './types.js'
import { type AreaInput, type AreaUnits, buildUnits } from './units.js'

// From an area's geometry to its grids as polygons: units from the boundary, roads and
// buildings (units.ts), the grids over those units (partition.ts), each grid dissolved from its
// units exactly (dissolve.ts).

export type AreaPartitionInput = AreaInput & Omit<PartitionInput, 'units' | 'edges' | 'existing'>

export type GridProperties = Omit<PartitionGrid, 'units'> & { units: number }

export interface AreaPartition {
  /** One feature per grid, in coding order (`number`). */
  grids: FeatureCollection<Polygon | MultiPolygon, GridProperties>
  summary: PartitionSummary
  explanations: PartitionExplanation[]
  /** The units the grids are made of, with their grid number. */
  units: AreaUnits
  assignment: Record<string, number>
}

export async function partitionArea(db: Db, input: AreaPartitionInput): Promise<AreaPartition> {
  const { boundary, buildings, roads, ...options } = input
  const units = await buildUnits(db, { boundary, buildings, ...(roads ? { roads } : {}) })
  const result = partition({ ...options, units: units.units, edges: units.edges })
  const shapes = dissolve(units.units, result.assignment)
  const features: Feature<Polygon | MultiPolygon, GridProperties>[] = result.grids.map((grid) => {
    const geometry = shapes.get(grid.number)
    if (!geometry) throw new Error(`grid ${grid.number} has no units`)
    return { type: 'Feature', geometry, properties: { ...grid, units: grid.units.length } }
  })
  return {
    grids: { type: 'FeatureCollection', features },
    summary: result.summary,
    explanations: result.explanations,
    units,
    assignment: result.assignment,
  }
}
