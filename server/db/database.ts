import type { ColumnType, Generated, Kysely } from 'kysely'

// Kysely table types. Geometry columns are typed as `unknown`: they are always read and written
// through PostGIS functions in SQL (ST_AsGeoJSON / ST_GeomFromGeoJSON), never as raw values.
// Dates are ISO strings ('YYYY-MM-DD') on both engines (see engines.ts, type parsers).

type Geometry = ColumnType<unknown, unknown, unknown>
type DateString = ColumnType<string, string, string>
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>
type Json = ColumnType<unknown, string, string>

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

export type GridKind = 'comprehensive' | 'dedicated' | 'micro'

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

export interface Database {
  regions: RegionsTable
  grids: GridsTable
  buildings: BuildingsTable
  users: UsersTable
  audit_log: AuditLogTable
  app_meta: AppMetaTable
}

export type Db = Kysely<Database>
