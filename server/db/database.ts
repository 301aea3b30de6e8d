import type { ColumnType, Generated, Kysely } from 'kysely'
import type { GridKind } from '../grids/kinds.js'
import type { ProposalState } from '../proposals/proposals.schemas.js'

// Kysely table types. Geometry columns are typed as `unknown`: they are always read and written
// through PostGIS functions in SQL (ST_AsGeoJSON / ST_GeomFromGeoJSON), never as raw values.
// Dates are ISO strings ('YYYY-MM-DD') on both engines (see engines.ts, type parsers).

type Geometry = ColumnType<unknown, unknown, unknown>
type DateString = ColumnType<string, string, string>
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>
type Json = ColumnType<unknown, string, string>
type JsonWithDefault = ColumnType<unknown, string | undefined, string>

export interface RegionsTable {
  code: string
  name: string
  level: number
  parent_code: string | null
  urban_rural: string | null
  province_code: Generated<string>
  boundary: Geometry | null
  created_at: Generated<Date>
}

export type { GridKind }

export interface GridsTable {
  id: Generated<number>
  code: string
  version: number
  name: string
  kind: GridKind
  region_code: string
  province_code: Generated<string>
  parent_code: string | null
  geom: Geometry
  households: number | null
  population: number | null
  count_date: DateString | null
  valid_from: DateString
  valid_to: DateString | null
  attributes: Json
  created_at: Generated<Date>
  created_by: string | null
  proposal_id: number | null
}

export interface BuildingsTable {
  id: Generated<number>
  region_code: string
  province_code: Generated<string>
  address: string | null
  households: number
  geom: Geometry
}

export type Role = 'admin' | 'city' | 'county' | 'township' | 'department'

export interface UsersTable {
  id: Generated<number>
  username: string
  display_name: string
  password_hash: string
  role: Role
  region_prefix: string
  disabled: Generated<boolean>
  created_at: Generated<Date>
}

export interface AuditLogTable {
  id: Generated<number>
  at: Timestamp
  username: string | null
  role: string | null
  region_code: string
  action: string
  entity: string
  entity_id: string | null
  before: Json | null
  after: Json | null
}

export interface AppMetaTable {
  key: string
  value: Json
}

export interface GridCodesTable {
  code: string
  region_code: string
  province_code: Generated<string>
  kind: GridKind
  layout: Generated<string>
  status: Generated<'active' | 'retired'>
  allocated_at: Generated<Date>
  retired_on: DateString | null
  proposal_id: number | null
}

export interface GridLineageTable {
  parent_code: string
  child_code: string
  relation: 'split' | 'merge'
  proposal_id: number | null
  effective_date: DateString
}

export type { ProposalState }

export interface ProposalsTable {
  id: Generated<number>
  region_code: string
  province_code: Generated<string>
  profile_id: string
  /** NULL: not typed by the author; worded per reader (server/i18n/proposal-text.ts). */
  title: string | null
  reason: string | null
  state: Generated<ProposalState>
  step: Generated<number>
  changes: Json
  base_versions: JsonWithDefault
  initial_division: Generated<boolean>
  exceptions: JsonWithDefault
  validation: Json | null
  stale: Generated<boolean>
  document_no: string | null
  effective_date: DateString | null
  applied_at: Timestamp | null
  version: Generated<number>
  created_by: string
  created_at: Generated<Date>
  updated_at: Generated<Date>
}

export interface ProposalEventsTable {
  id: Generated<number>
  proposal_id: number
  region_code: string
  at: Generated<Date>
  username: string
  role: string
  action: string
  from_state: string | null
  to_state: string | null
  comment: string | null
  location: Geometry | null
  document_no: string | null
  effective_date: DateString | null
}

/** The standard-address registry (地址库); see migrations/2026-11-25T0300-lookup.ts. */
export interface AddressesTable {
  id: Generated<number>
  region_code: string
  province_code: Generated<string>
  address: string
  normalised: string
  geom: Geometry
  source: string | null
  imported_at: Generated<Date>
}

export interface ApiKeysTable {
  id: Generated<number>
  name: string
  department: string
  key_hash: string
  key_prefix: string
  region_prefix: string
  province_code: Generated<string>
  rate_limit_per_minute: Generated<number>
  created_by: string
  created_at: Generated<Date>
  revoked_at: Timestamp | null
  revoked_by: string | null
  last_used_at: Timestamp | null
}

export interface LookupLogTable {
  id: Generated<number>
  at: Timestamp
  api_key_id: number | null
  username: string | null
  region_code: string
  province_code: Generated<string>
  kind: 'point' | 'address' | 'batch'
  query: string | null
  grid_code: string | null
  rows: number | null
  status: number
  ms: number | null
}

/** Reference layers and their features; see migrations/2026-12-08T0100-reference-layers.ts. */
export interface ReferenceLayersTable {
  id: Generated<number>
  region_code: string
  name: string
  kind: 'road' | 'water' | 'building' | 'other'
  feature_count: number
  created_at: Generated<Date>
  created_by: string
}

export interface ReferenceFeaturesTable {
  id: Generated<number>
  layer_id: number
  name: string | null
  class: string | null
  properties: JsonWithDefault
  geom: Geometry
}

/** The field map of the last import per region and type (server/import/field-maps.repository.ts). */
export interface ImportFieldMapsTable {
  region_code: string
  import_type: string
  field_map: ColumnType<Record<string, string | null>, string, string>
  updated_by: string
  updated_at: Generated<Date>
}

export interface Database {
  regions: RegionsTable
  grids: GridsTable
  buildings: BuildingsTable
  users: UsersTable
  audit_log: AuditLogTable
  app_meta: AppMetaTable
  grid_codes: GridCodesTable
  grid_lineage: GridLineageTable
  proposals: ProposalsTable
  proposal_events: ProposalEventsTable
  addresses: AddressesTable
  api_keys: ApiKeysTable
  lookup_log: LookupLogTable
  reference_layers: ReferenceLayersTable
  reference_features: ReferenceFeaturesTable
  import_field_maps: ImportFieldMapsTable
}

export type Db = Kysely<Database>
