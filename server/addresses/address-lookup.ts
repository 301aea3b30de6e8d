import type { Kysely } from 'kysely'
import type { Database } from '../db/database.js'
import { badRequest } from '../http/errors.js'
import { codeOfPrefix, prefixOfCode } from '../regions/region-codes.js'
import { type AddressRow, type CandidateSource, countyIndex, soleCountyOf, sqlCandidateSource } from './address-index.js'
import { type AddressToken, addressSimilarity, normaliseAddress, type RegionName, RegionNames, tokenise } from './address-normalise.js'
import { PerDatabaseCache } from './per-database-cache.js'

// Address → point, from the standard-address registry (addresses table). Works the same on both
// engines without pg_trgm: candidates (exact normalised text, then prefix, then a substring
// search on the street name and the house number, all within the caller's region prefix) come
// from the county's in-memory index or from SQL (address-index.ts) and are scored here with a
// weighted token LCS (address-normalise.ts). A match is given
// only when the best score is high enough and clearly ahead of the next different address;
// otherwise `match` is null and `candidates` lists the best few.

export interface AddressMatch {
  address: string
  lng: number
  lat: number
  score: number
}

export interface AddressLookupResult {
  query: string
  normalised: string
  match: AddressMatch | null
  candidates: AddressMatch[]
}

/** Below this best score there is no match, only candidates. */
export const MATCH_THRESHOLD = 0.8
/** The best must lead the next candidate by at least this much to be a match. */
export const AMBIGUITY_GAP = 0.05
/** Candidates outside the region the query names (e.g. another township) score this much less. */
const OTHER_REGION_FACTOR = 0.85
export const MAX_QUERY_LENGTH = 200
const DEFAULT_LIMIT = 5
const MAX_LIMIT = 20
const CANDIDATE_ROWS = 300

type Row = AddressRow

export async function lookupAddress(
  db: Kysely<Database>,
  query: string,
  options: { regionPrefix: string; limit?: number },
): Promise<AddressLookupResult> {
  return lookupAddressVia(db, query, options, 'auto')
}

/**
 * lookupAddress with the candidate source chosen: 'auto' uses the county's in-memory index when
 * the scope is a county or finer, or when every address of a wider scope lies in one county (SQL
 * otherwise), 'sql' always asks the database (tests compare).
 */
export async function lookupAddressVia(
  db: Kysely<Database>,
  query: string,
  options: { regionPrefix: string; limit?: number },
  via: 'auto' | 'sql',
): Promise<AddressLookupResult> {
  const trimmed = query.trim()
  if (trimmed.length === 0) throw badRequest('address_query_empty')
  if ([...trimmed].length > MAX_QUERY_LENGTH) throw badRequest('address_query_too_long', { max: MAX_QUERY_LENGTH })
  const limit = Math.min(Math.max(1, Math.trunc(options.limit ?? DEFAULT_LIMIT)), MAX_LIMIT)
  const scope = options.regionPrefix

  const names = await regionNamesFor(db, scope)
  const { rest, regionPrefix: named } = names.strip(normaliseAddress(trimmed), scope)
  if (rest.length === 0) throw badRequest('address_query_empty')

  const county = via === 'sql' ? null : scope.length >= 6 ? scope : await soleCountyOf(db, scope)
  const index = county === null ? null : await countyIndex(db, county)
  const rows = await candidateRows(index ? index.source(scope) : sqlCandidateSource(db, scope), rest)
  const queryTokens = tokenise(rest)
  const scored = rows.map((row) => ({ row, score: scoreRow(queryTokens, row, named, scope) }))
  scored.sort((a, b) => b.score - a.score || a.row.normalised.length - b.row.normalised.length || a.row.id - b.row.id)

  const candidates = scored.slice(0, limit).map(({ row, score }) => toMatch(row, score))
  const best = scored[0]
  const second = scored[1]
  const confident =
    best !== undefined && best.score >= MATCH_THRESHOLD && (second === undefined || best.score - second.score >= AMBIGUITY_GAP)
  return {
    query,
    normalised: rest,
    match: confident ? toMatch(best.row, best.score) : null,
    candidates,
  }
}

function toMatch(row: Row, score: number): AddressMatch {
  return { address: row.address, lng: row.lng, lat: row.lat, score: Math.round(score * 1000) / 1000 }
}

const tokenCache = new WeakMap<Row, AddressToken[]>()

function scoreRow(queryTokens: AddressToken[], row: Row, named: string, scope: string): number {
  let tokens = tokenCache.get(row)
  if (!tokens) {
    tokens = tokenise(row.normalised)
    tokenCache.set(row, tokens)
  }
  const similarity = addressSimilarity(queryTokens, tokens)
  // The query named a region below the scope: rows in it (or in a region containing it) keep
  // their score, rows elsewhere lose some.
  if (named === scope) return similarity
  const rowPrefix = prefixOfCode(row.region_code)
  const compatible = rowPrefix.startsWith(named) || named.startsWith(rowPrefix)
  return compatible ? similarity : similarity * OTHER_REGION_FACTOR
}

/** Street/place part before the first number, and the first number with its marker. */
function parts(rest: string): { stem: string; number: string | null; head: string | null } {
  const match = /^(\D*?)(\d+\D?)/.exec(rest)
  if (!match) return { stem: rest, number: null, head: null }
  return { stem: match[1] as string, number: match[2] as string, head: match[0] }
}

async function candidateRows(source: CandidateSource, rest: string): Promise<Row[]> {
  const found = new Map<number, Row>()
  const add = (rows: Row[]) => {
    for (const row of rows) if (!found.has(row.id)) found.set(row.id, row)
  }
  // 1. The same normalised text (several when several regions have it) and its longer forms
  // (人民路12号 → 人民路12号3栋…, so a partial query is reported as unsure), in one indexed query.
  add(await source.withPrefix(rest, CANDIDATE_ROWS))
  if ([...found.values()].some((row) => row.normalised === rest)) return [...found.values()]
  const { stem, number, head } = parts(rest)
  // 2. Same street and first number (人民路12号…), then the same street.
  if (head) add(await source.withPrefix(head, CANDIDATE_ROWS))
  if (found.size < 20 && stem.length >= 2) add(await source.withPrefix(stem, CANDIDATE_ROWS))
  // 3. A misspelt or shortened street: any two-character piece of it, with the same number.
  if (found.size < 20 && stem.length >= 2) {
    const chars = [...stem]
    const pieces = [...new Set(chars.slice(0, -1).map((c, i) => c + (chars[i + 1] as string)))].slice(0, 12)
    add(await source.containingAny(pieces, number, CANDIDATE_ROWS))
  }
  // 4. Only a number (e.g. 3组45号 of a village the query named): the number anywhere.
  if (found.size === 0 && number) add(await source.containingAny([rest], null, CANDIDATE_ROWS))
  return [...found.values()]
}

// Region names around a scope change rarely (imports, not lookups); cache them per database
// handle for a minute so a lookup costs only the candidate queries.
const NAMES_TTL_MS = 60_000
const namesCache = new PerDatabaseCache<RegionNames>(NAMES_TTL_MS)

/** The region names used to strip address prefixes within `scope` (ancestors and subtree). */
export function regionNamesFor(db: Kysely<Database>, scope: string): Promise<RegionNames> {
  return namesCache.get(db, scope, () => loadRegionNames(db, scope))
}

export function forgetRegionNames(db: Kysely<Database>): void {
  namesCache.forget(db)
}

async function loadRegionNames(db: Kysely<Database>, scope: string): Promise<RegionNames> {
  const ancestors = [2, 4, 6, 9].filter((length) => length < scope.length).map((length) => codeOfPrefix(scope.slice(0, length)))
  const rows = await db
    .selectFrom('regions')
    .select(['code', 'name', 'level'])
    .where((eb) => eb.or([eb('code', 'like', `${scope}%`), ...(ancestors.length ? [eb('code', 'in', ancestors)] : [])]))
    .execute()
  const entries: RegionName[] = rows.map((row) => ({ prefix: prefixOfCode(row.code), name: row.name, level: row.level }))
  return new RegionNames(entries)
}
