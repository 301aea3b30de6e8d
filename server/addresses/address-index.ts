import { type Kysely, sql } from 'kysely'
import type { Database } from '../db/database.js'
import { PerDatabaseCache } from './per-database-cache.js'

// Where address candidates come from. Two sources answer the same three questions with the same
// ordering (shortest normalised text first, then id) and limits:
// - SQL on the addresses table (any scope; the reference, and the path for wide scopes);
// - an in-memory index of one county's registry (sorted normalised texts, binary search for
//   prefixes, a scan for substrings), loaded on first use and reloaded when the table changes,
//   so a county-level caller (most department keys) and batch address lookups do not pay one
//   or more database round trips per address.

export interface AddressRow {
  id: number
  region_code: string
  address: string
  normalised: string
  lng: number
  lat: number
}

export interface CandidateSource {
  /** Rows whose normalised text starts with `prefix`. */
  withPrefix(prefix: string, limit: number): Promise<AddressRow[]>
  /** Rows containing any of `pieces` and, when given, `also`. */
  containingAny(pieces: string[], also: string | null, limit: number): Promise<AddressRow[]>
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`)

/** Candidates from the addresses table, within a region prefix. */
export function sqlCandidateSource(db: Kysely<Database>, scope: string): CandidateSource {
  const inScope = `${escapeLike(scope)}%`
  const select = (where: ReturnType<typeof sql>, limit: number) =>
    sql<AddressRow>`
      SELECT id, region_code, address, normalised, ST_X(geom) AS lng, ST_Y(geom) AS lat
      FROM addresses
      WHERE region_code LIKE ${inScope} AND ${where}
      ORDER BY length(normalised), id
      LIMIT ${limit}`
      .execute(db)
      .then((result) => result.rows)
  return {
    withPrefix: (prefix, limit) => select(sql`normalised LIKE ${`${escapeLike(prefix)}%`}`, limit),
    containingAny: (pieces, also, limit) => {
      const patterns = pieces.map((piece) => `%${escapeLike(piece)}%`)
      const alsoFilter = also ? sql`AND normalised LIKE ${`%${escapeLike(also)}%`}` : sql``
      return select(sql`normalised LIKE ANY(${patterns}::text[]) ${alsoFilter}`, limit)
    },
  }
}

const byLengthThenId = (a: AddressRow, b: AddressRow) => a.normalised.length - b.normalised.length || a.id - b.id

/** One county's registry in memory. */
export class AddressIndex {
  /** Sorted by normalised text (UTF-16 order), then id. */
  private readonly rows: AddressRow[]

  constructor(rows: AddressRow[]) {
    this.rows = [...rows].sort((a, b) => (a.normalised < b.normalised ? -1 : a.normalised > b.normalised ? 1 : a.id - b.id))
  }

  get size(): number {
    return this.rows.length
  }

  /** The candidate source for a scope within this county (scope starts with the county prefix). */
  source(scope: string): CandidateSource {
    const inScope = (row: AddressRow) => row.region_code.startsWith(scope)
    return {
      withPrefix: async (prefix, limit) => {
        const out: AddressRow[] = []
        for (let i = this.lowerBound(prefix); i < this.rows.length; i++) {
          const row = this.rows[i] as AddressRow
          if (!row.normalised.startsWith(prefix)) break
          if (inScope(row)) out.push(row)
        }
        return out.sort(byLengthThenId).slice(0, limit)
      },
      containingAny: async (pieces, also, limit) => {
        const out = this.rows.filter(
          (row) =>
            inScope(row) && (also === null || row.normalised.includes(also)) && pieces.some((piece) => row.normalised.includes(piece)),
        )
        return out.sort(byLengthThenId).slice(0, limit)
      },
    }
  }

  private lowerBound(text: string): number {
    let lo = 0
    let hi = this.rows.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((this.rows[mid] as AddressRow).normalised < text) lo = mid + 1
      else hi = mid
    }
    return lo
  }
}

/** Counties with more addresses than this are searched in SQL only (memory). */
export const MAX_INDEXED_ADDRESSES = 500_000
/** How often a cached county index checks whether the table changed (in the background). */
const CHECK_MS = 5_000

interface Stamp {
  n: number
  max_id: number | null
  latest: string | null
}

interface CountyEntry {
  index: Promise<AddressIndex | null>
  stamp: Stamp | null
  checkedAt: number
  checking: boolean
}

const indexes = new WeakMap<object, Map<string, CountyEntry>>()

async function readStamp(db: Kysely<Database>, county: string): Promise<Stamp> {
  const result = await sql<Stamp>`
    SELECT count(*)::int AS n, max(id) AS max_id, max(imported_at)::text AS latest
    FROM addresses WHERE region_code LIKE ${`${county}%`}`.execute(db)
  return result.rows[0] as Stamp
}

async function loadIndex(db: Kysely<Database>, county: string, stamp: Stamp): Promise<AddressIndex | null> {
  if (stamp.n > MAX_INDEXED_ADDRESSES) return null
  const rows = await sql<AddressRow>`
    SELECT id, region_code, address, normalised, ST_X(geom) AS lng, ST_Y(geom) AS lat
    FROM addresses WHERE region_code LIKE ${`${county}%`}`.execute(db)
  return new AddressIndex(rows.rows)
}

const sameStamp = (a: Stamp | null, b: Stamp) => a !== null && a.n === b.n && a.max_id === b.max_id && a.latest === b.latest

/**
 * The in-memory index of the county containing `scope` (a 6+ digit prefix), or null when the
 * scope is wider than a county or the county is too big. A stale index keeps answering while
 * the check and any reload run in the background (at most CHECK_MS behind another process's
 * import; an import in this process drops the index at once).
 */
export async function countyIndex(db: Kysely<Database>, scope: string): Promise<AddressIndex | null> {
  if (scope.length < 6) return null
  const county = scope.slice(0, 6)
  let perDb = indexes.get(db)
  if (!perDb) {
    perDb = new Map()
    indexes.set(db, perDb)
  }
  let entry = perDb.get(county)
  if (!entry) {
    const created: CountyEntry = { index: Promise.resolve(null), stamp: null, checkedAt: Date.now(), checking: false }
    created.index = readStamp(db, county).then((stamp) => {
      created.stamp = stamp
      return loadIndex(db, county, stamp)
    })
    created.index.catch(() => perDb.delete(county))
    perDb.set(county, created)
    entry = created
  } else if (!entry.checking && Date.now() - entry.checkedAt > CHECK_MS) {
    const current = entry
    current.checking = true
    void readStamp(db, county)
      .then(async (stamp) => {
        if (!sameStamp(current.stamp, stamp)) {
          const fresh = await loadIndex(db, county, stamp)
          current.index = Promise.resolve(fresh)
          current.stamp = stamp
        }
      })
      .catch(() => perDb.delete(county))
      .finally(() => {
        current.checking = false
        current.checkedAt = Date.now()
      })
  }
  return entry.index
}

/** Drops the cached county indexes of a database (after an import in this process). */
export function forgetAddressIndexes(db: Kysely<Database>): void {
  indexes.delete(db)
  soleCounties.forget(db)
}

const soleCounties = new PerDatabaseCache<string | null>(CHECK_MS)

/**
 * The county holding every address within a scope wider than a county, or null when they lie in
 * several (or none). Then that county's index gives exactly the candidates SQL would (all rows of
 * the scope), so an admin or a city user on a one-county registry — the usual deployment — does
 * not pay a database round trip per address. Two index probes (min and max code; sorted codes
 * share a county prefix only if all between do), cached CHECK_MS like the indexes.
 */
export function soleCountyOf(db: Kysely<Database>, scope: string): Promise<string | null> {
  return soleCounties.get(db, scope, async () => {
    const upper = nextPrefix(scope)
    const within =
      scope === '' ? sql`TRUE` : upper === null ? sql`region_code >= ${scope}` : sql`region_code >= ${scope} AND region_code < ${upper}`
    const result = await sql<{ lo: string | null; hi: string | null }>`
      SELECT min(region_code) AS lo, max(region_code) AS hi FROM addresses WHERE ${within}`.execute(db)
    const { lo, hi } = result.rows[0] ?? { lo: null, hi: null }
    return lo !== null && hi !== null && lo.slice(0, 6) === hi.slice(0, 6) ? lo.slice(0, 6) : null
  })
}

/** The smallest digit string after every code starting with `prefix` ('4301' → '4302', '439' → '44'; '99' → none). */
function nextPrefix(prefix: string): string | null {
  let end = prefix.length
  while (end > 0 && prefix[end - 1] === '9') end--
  if (end === 0) return null
  return `${prefix.slice(0, end - 1)}${String.fromCharCode(prefix.charCodeAt(end - 1) + 1)}`
}
