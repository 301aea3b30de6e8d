import type { Geometry } from 'geojson'
import type { Kysely } from 'kysely'
import type { Actor } from '../audit/audit.repository.js'
import type { Database } from '../db/database.js'
import { AppError } from '../http/errors.js'

// Buildings and standard-address points with household counts: they feed grid sizing and
// auto-partition. This module is the only writer of the buildings table (outside the demo seed).
// Placeholder signature until the import of buildings exists.

export interface BuildingInput {
  /** A point, or a footprint polygon (its household count belongs to the footprint). */
  geometry: Geometry
  households: number
  address: string | null
}

/** Replaces the buildings of `region` (a county or township prefix) with `buildings`; returns how many were written. */
export async function replaceBuildings(
  _db: Kysely<Database>,
  _input: { region: string; buildings: BuildingInput[]; actor: Actor },
): Promise<number> {
  throw new AppError(501, 'io_format_unavailable', { format: 'buildings' })
}
