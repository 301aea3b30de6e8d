import type { Geometry } from 'geojson'
import type { Kysely } from 'kysely'
import type { Actor } from '../audit/audit.repository.js'
import type { Database } from '../db/database.js'
import { AppError } from '../http/errors.js'
import type { ReferenceKind } from '../import/upload.schemas.js'
import type { PropertyValue } from '../io/types.js'

// Reference layers (roads with a class, water, building footprints, any other line/polygon layer)
// drawn under the grids and snapped to by the editor. This module is the only writer of their table.
// Placeholder signatures until the table exists.

export interface ReferenceFeatureInput {
  geometry: Geometry
  name: string | null
  /** Road class (国道, 省道, 县道, 乡道, 城市道路…) or another layer's category. */
  class: string | null
  properties: Record<string, PropertyValue>
}

export interface ReferenceLayerInput {
  /** The county (or wider) region the layer belongs to. */
  region: string
  name: string
  kind: ReferenceKind
  features: ReferenceFeatureInput[]
  actor: Actor
}

/** Replaces the layer of that name in that region (a new import of the same layer supersedes the old). */
export async function replaceReferenceLayer(_db: Kysely<Database>, _input: ReferenceLayerInput): Promise<{ id: number; count: number }> {
  throw new AppError(501, 'io_format_unavailable', { format: 'reference' })
}

export interface ReferenceLayerContent {
  name: string
  kind: ReferenceKind
  features: ReferenceFeatureInput[]
}

/** A layer as stored, for export; null when the region has no layer of that name. */
export async function readReferenceLayer(_db: Kysely<Database>, _region: string, _name: string): Promise<ReferenceLayerContent | null> {
  return null
}
