import type { Kysely } from 'kysely'
import type { Database } from '../db/database.js'
import { findPointPage, findPointsExtent, type PointPage, type PointPageFilter } from '../db/point-page.js'

// Reads of the address registry for the OGC API (pages and extent). The registry is written by
// address-import.ts alone (imports and the demo set); matching reads it through address-index.ts.

export interface AddressPageRow {
  region_code: string
  address: string
  source: string | null
}

/** One page of the standard-address points under a region prefix, in id order, with how many match. */
export function findAddressPage(db: Kysely<Database>, filter: PointPageFilter): Promise<PointPage<AddressPageRow>> {
  return findPointPage<AddressPageRow>(db, 'addresses', ['region_code', 'address', 'source'], filter)
}

/** The box of the address points under a region prefix; null when there are none. */
export function findAddressesExtent(db: Kysely<Database>, regionPrefix: string) {
  return findPointsExtent(db, 'addresses', regionPrefix)
}
