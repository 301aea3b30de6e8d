import { type ExpressionBuilder, type Insertable, type Kysely, sql, type Updateable } from 'kysely'
import type { Database, ProposalState, ProposalsTable } from '../db/database.js'
import type { DiffChange, ProposalEvent } from './proposals.schemas.js'

// The proposals and proposal_events tables: their reads and their only writers. The rules (who
// may act, the chain, staleness) live in proposals.service.ts.

type Db = Kysely<Database>

export type ProposalRow = NonNullable<Awaited<ReturnType<typeof findProposal>>>

/** The name of a proposal's region (for a title worded in the reader's language). */
const regionName = (eb: ExpressionBuilder<Database, 'proposals'>) =>
  eb.selectFrom('regions').select('regions.name').whereRef('regions.code', '=', 'proposals.region_code').as('region_name')

export function findProposal(db: Db, id: number) {
  return db.selectFrom('proposals').selectAll('proposals').select(regionName).where('proposals.id', '=', id).executeTakeFirst()
}

/**
 * The user's proposal of a township (9-digit prefix) still open to edits (draft or returned) that
 * the editor resumes: the one updated last, as the editor takes the first of the list.
 */
export async function findOpenDraft(db: Db, username: string, townshipPrefix: string) {
  const row = await db
    .selectFrom('proposals')
    .select('id')
    .where('created_by', '=', username)
    .where('state', 'in', ['draft', 'returned'])
    .where('region_code', 'like', `${townshipPrefix}%`)
    .orderBy('updated_at', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirst()
  return row && findProposal(db, row.id)
}

/** Inserts a proposal; returns its id. */
export async function insertProposal(trx: Db, values: Insertable<ProposalsTable>): Promise<number> {
  const inserted = await trx.insertInto('proposals').values(values).returning('id').executeTakeFirstOrThrow()
  return inserted.id
}

/**
 * Writes an act on a proposal only if nobody acted on it since it was read: the UPDATE matches the
 * state and version that were seen (and bumps the version). False when it matched nothing. On
 * PostgreSQL a concurrent act waits for this row's lock and then finds the version moved; PGlite
 * runs one transaction at a time.
 */
export async function updateProposalIfUnchanged(
  trx: Db,
  seen: { id: number; state: ProposalState; version: number },
  changes: Updateable<ProposalsTable>,
): Promise<boolean> {
  const result = await trx
    .updateTable('proposals')
    .set({ ...changes, version: sql`version + 1`, updated_at: sql`now()` })
    .where('id', '=', seen.id)
    .where('state', '=', seen.state)
    .where('version', '=', seen.version)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) > 0
}

/** Marks a proposal stale (a neighbour changed since its draft), unless it moved on meanwhile. */
export async function markProposalStale(db: Db, id: number, version: number): Promise<void> {
  await db.updateTable('proposals').set({ stale: true }).where('id', '=', id).where('version', '=', version).execute()
}

/** What an act or edit adds to a proposal's timeline. */
export interface NewProposalEvent {
  action: string
  from_state?: ProposalState
  to_state?: ProposalState
  comment?: string | null
  /** A GeoJSON point the comment is pinned to. */
  location?: unknown
  document_no?: string | null
  effective_date?: string | null
}

/** Appends an event to a proposal's timeline. */
export async function insertProposalEvent(
  trx: Db,
  proposalId: number,
  regionCode: string,
  by: { username: string; role: string },
  event: NewProposalEvent,
) {
  await sql`
    INSERT INTO proposal_events (proposal_id, region_code, username, role, action, from_state, to_state, comment, location, document_no, effective_date)
    VALUES (${proposalId}, ${regionCode}, ${by.username}, ${by.role}, ${event.action}, ${event.from_state ?? null}, ${event.to_state ?? null},
            ${event.comment ?? null},
            ${event.location ? sql`ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(event.location)}), 4490)` : sql`NULL`},
            ${event.document_no ?? null}, ${event.effective_date ?? null})`.execute(trx)
}

/** A proposal's timeline, oldest first, the pinned point as GeoJSON. */
export async function findProposalEvents(db: Db, proposalId: number) {
  const { rows } = await sql<Omit<ProposalEvent, 'at'> & { at: Date }>`
    SELECT id, at, username, role, action, from_state, to_state, comment, document_no, effective_date,
           CASE WHEN location IS NULL THEN NULL ELSE ST_AsGeoJSON(location, 9, 0)::json END AS location
    FROM proposal_events WHERE proposal_id = ${proposalId} ORDER BY at, id`.execute(db)
  return rows
}

export interface ProposalListFilter {
  /** The caller's scope. */
  scopePrefix: string
  /** Narrower: a region's prefix. */
  regionPrefix?: string | undefined
  state?: ProposalState | undefined
}

/** The 500 most recently updated proposals in scope. */
export function listProposalRows(db: Db, filter: ProposalListFilter) {
  let query = db
    .selectFrom('proposals')
    .select([
      'id',
      'region_code',
      'title',
      'state',
      'step',
      'stale',
      'profile_id',
      'created_by',
      'created_at',
      'updated_at',
      'initial_division',
    ])
    .select(regionName)
    .where('region_code', 'like', `${filter.scopePrefix}%`)
  if (filter.regionPrefix) query = query.where('region_code', 'like', `${filter.regionPrefix}%`)
  if (filter.state) query = query.where('state', '=', filter.state)
  return query.orderBy('updated_at', 'desc').limit(500).execute()
}

/**
 * The grid versions an applied proposal wrote, and the versions it ended (closed on its effective
 * date: the codes it versioned and the parents of its splits and merges), as GeoJSON. `change` is
 * 'added', 'changed_after' or 'removed_or_changed_before'.
 */
export async function findAppliedVersions(db: Db, proposalId: number, effectiveDate: string | null) {
  const { rows } = await sql<{
    code: string
    version: number
    geometry: unknown
    name: string
    change: DiffChange | 'removed_or_changed_before'
  }>`
    SELECT g.code, g.version, g.name, ST_AsGeoJSON(ST_ForcePolygonCCW(g.geom), 9, 0)::json AS geometry,
           CASE WHEN g.proposal_id = ${proposalId} AND g.version = 1 THEN 'added'
                WHEN g.proposal_id = ${proposalId} THEN 'changed_after' ELSE 'removed_or_changed_before' END AS change
    FROM grids g
    WHERE g.proposal_id = ${proposalId}
       OR (g.valid_to = ${effectiveDate} AND g.code IN (
             SELECT code FROM grids WHERE proposal_id = ${proposalId} UNION SELECT parent_code FROM grid_lineage WHERE proposal_id = ${proposalId}))
    ORDER BY g.code, g.version`.execute(db)
  return rows
}

/** Deletes the proposals under a region prefix and their timelines (the demo reset). */
export async function deleteProposalsUnder(trx: Db, regionPrefix: string): Promise<void> {
  await trx.deleteFrom('proposal_events').where('region_code', 'like', `${regionPrefix}%`).execute()
  await trx.deleteFrom('proposals').where('region_code', 'like', `${regionPrefix}%`).execute()
}
