import { type Kysely, sql } from 'kysely'
import type { Database } from '../db/database.js'
import { AppError } from '../http/errors.js'

// Lineage of grid codes (parent → child on split and merge) and retirement of codes. Functions
// that write take the approving transaction. recordLineage needs the children's codes registered,
// i.e. the new grid rows inserted first (the trigger on grids registers them); retireCodes may
// come before or after closing the old grid rows.

export type LineageRelation = 'split' | 'merge'
export type LineageDirection = 'ancestors' | 'descendants'

export interface LineageEdge {
  parent: string
  child: string
  relation: LineageRelation
  proposal_id: number | null
  effective_date: string
  /** 1 for the edges touching the code asked about, 2 for the next generation, … */
  depth: number
}

/** A guard against a malformed lineage graph; real chains are a handful of generations deep. */
const MAX_DEPTH = 200

export async function recordLineage(
  trx: Kysely<Database>,
  input: {
    parents: readonly string[]
    children: readonly string[]
    relation: LineageRelation
    proposalId: number | null
    effectiveDate: string
  },
): Promise<void> {
  const parents = [...new Set(input.parents)]
  const children = [...new Set(input.children)]
  if (parents.length === 0 || children.length === 0) throw new AppError(400, 'grid_code_lineage_empty')
  const both = parents.filter((p) => children.includes(p))
  if (both.length > 0) throw new AppError(400, 'grid_code_lineage_overlap', { codes: both.join(', ') })
  if (input.relation === 'split' && parents.length !== 1) {
    throw new AppError(400, 'grid_code_lineage_split', { count: parents.length })
  }
  if (input.relation === 'merge' && children.length !== 1) {
    throw new AppError(400, 'grid_code_lineage_merge', { count: children.length })
  }
  const all = [...parents, ...children]
  const known = await trx.selectFrom('grid_codes').select('code').where('code', 'in', all).execute()
  const knownSet = new Set(known.map((r) => r.code))
  const missing = all.filter((c) => !knownSet.has(c))
  if (missing.length > 0) throw new AppError(409, 'grid_code_lineage_unregistered', { codes: missing.join(', ') })
  await trx
    .insertInto('grid_lineage')
    .values(
      parents.flatMap((parent) =>
        children.map((child) => ({
          parent_code: parent,
          child_code: child,
          relation: input.relation,
          proposal_id: input.proposalId,
          effective_date: input.effectiveDate,
        })),
      ),
    )
    .execute()
}

/**
 * Marks active codes retired on `date` (their grids are closed by the caller). Refuses (409) the
 * whole call when any code is unknown or already retired, naming them. Micro-grids under a
 * retired grid are not retired implicitly: the caller lists them.
 */
export async function retireCodes(trx: Kysely<Database>, codes: readonly string[], date: string, proposalId: number | null): Promise<void> {
  const unique = [...new Set(codes)]
  if (unique.length === 0) return
  const retired = await trx
    .updateTable('grid_codes')
    .set({ status: 'retired', retired_on: date, proposal_id: proposalId })
    .where('code', 'in', unique)
    .where('status', '=', 'active')
    .returning('code')
    .execute()
  if (retired.length !== unique.length) {
    const done = new Set(retired.map((r) => r.code))
    // Throwing rolls the caller's transaction back, so the codes retired above are not kept.
    throw new AppError(409, 'grid_code_not_active', { codes: unique.filter((c) => !done.has(c)).join(', ') })
  }
}

/** Every lineage edge reachable from `code`, walking parents (ancestors) or children (descendants). */
export async function findLineage(db: Kysely<Database>, code: string, direction: LineageDirection): Promise<LineageEdge[]> {
  // `near` is the column that matches the code we come from, `far` the one we walk to.
  const [near, far] = direction === 'ancestors' ? ['child_code', 'parent_code'] : ['parent_code', 'child_code']
  const { rows } = await sql<LineageEdge>`
    WITH RECURSIVE walk (parent_code, child_code, relation, proposal_id, effective_date, depth, seen) AS (
      SELECT l.parent_code, l.child_code, l.relation, l.proposal_id, l.effective_date, 1,
             ARRAY[${code}::text, l.${sql.ref(far)}]
      FROM grid_lineage l WHERE l.${sql.ref(near)} = ${code}
      UNION ALL
      SELECT l.parent_code, l.child_code, l.relation, l.proposal_id, l.effective_date, w.depth + 1,
             w.seen || l.${sql.ref(far)}
      FROM grid_lineage l JOIN walk w ON l.${sql.ref(near)} = w.${sql.ref(far)}
      WHERE NOT (l.${sql.ref(far)} = ANY (w.seen)) AND w.depth < ${MAX_DEPTH}
    )
    SELECT parent_code AS parent, child_code AS child, relation, proposal_id, effective_date, min(depth) AS depth
    FROM walk
    GROUP BY parent_code, child_code, relation, proposal_id, effective_date
    ORDER BY min(depth), effective_date, parent_code, child_code`.execute(db)
  return rows.map((r) => ({ ...r, depth: Number(r.depth), proposal_id: r.proposal_id === null ? null : Number(r.proposal_id) }))
}

/** The immediate parents and children of a code. */
export async function findDirectLineage(db: Kysely<Database>, code: string): Promise<{ parents: string[]; children: string[] }> {
  const rows = await db
    .selectFrom('grid_lineage')
    .select(['parent_code', 'child_code'])
    .where((eb) => eb.or([eb('parent_code', '=', code), eb('child_code', '=', code)]))
    .orderBy('parent_code')
    .orderBy('child_code')
    .execute()
  return {
    parents: rows.filter((r) => r.child_code === code).map((r) => r.parent_code),
    children: rows.filter((r) => r.parent_code === code).map((r) => r.child_code),
  }
}
