import { type Kysely, sql } from 'kysely'
import type { Database } from '../db/database.js'

// SQL over grid_codes (every code ever given, active or retired) for decoding and allocation.
// Codes get into grid_codes through the trigger on grids (a version-1 grid row registers its
// code and is refused if the code was ever used); nothing here inserts codes.

export function findCodeRecord(db: Kysely<Database>, code: string) {
  return db
    .selectFrom('grid_codes')
    .select(['code', 'region_code', 'kind', 'layout', 'status', 'retired_on', 'proposal_id'])
    .where('code', '=', code)
    .executeTakeFirst()
}

/** Every registered code matching a LIKE pattern (`_` = one digit), over all history. */
export async function codesLike(db: Kysely<Database>, pattern: string): Promise<string[]> {
  const rows = await db.selectFrom('grid_codes').select('code').where('code', 'like', pattern).execute()
  return rows.map((r) => r.code)
}

/**
 * Serialises allocation in one numbering space (a community, or a parent grid for micro-grids)
 * until the surrounding transaction ends, so two approvals never compute the same next number.
 */
export async function lockNumbering(trx: Kysely<Database>, space: string): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtext(${`grid_codes:${space}`}))`.execute(trx)
}

/**
 * Stamps freshly allocated codes with their layout and proposal, after the new grid rows were
 * inserted (the trigger registers them with the default layout). proposal_id on grid_codes is
 * the proposal that last changed the code's status: this one, until a later one retires it.
 */
export async function markAllocated(
  trx: Kysely<Database>,
  { codes, layout, proposalId }: { codes: readonly string[]; layout: string; proposalId: number | null },
): Promise<void> {
  if (codes.length === 0) return
  await trx
    .updateTable('grid_codes')
    .set({ layout, proposal_id: proposalId })
    .where('code', 'in', [...codes])
    .execute()
}

/** The newest version of the grid that carries a code (any validity), or undefined. */
export function findLatestGrid(db: Kysely<Database>, code: string) {
  return db
    .selectFrom('grids')
    .select(['name', 'valid_from', 'valid_to', 'region_code', 'kind'])
    .where('code', '=', code)
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst()
}
