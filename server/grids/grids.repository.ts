import { type Kysely, sql } from 'kysely'
import type { Database } from '../db/database.js'
import { asGeoJson } from '../db/geometry-sql.js'
import type { BBox } from '../http/query-params.js'

const GRID_COLUMNS = [
  'code',
  'name',
  'kind',
  'region_code',
  'parent_code',
  'households',
  'population',
  'count_date',
  'valid_from',
  'valid_to',
  'version',
  'attributes',
] as const

export interface GridFilter {
  regionPrefix: string
  asOf: string | undefined
  bbox?: BBox | undefined
}

/** The row of each grid in force on `asOf` (today when omitted): valid_from ≤ day < valid_to. */
function inForce(asOf: string | undefined) {
  const day = asOf === undefined ? sql`current_date` : sql`${asOf}::date`
  return sql<boolean>`valid_from <= ${day} AND (valid_to IS NULL OR valid_to > ${day})`
}

export function findGrids(db: Kysely<Database>, filter: GridFilter) {
  let query = db
    .selectFrom('grids')
    .select([...GRID_COLUMNS, asGeoJson('geom').as('geometry')])
    .where('region_code', 'like', `${filter.regionPrefix}%`)
    .where(inForce(filter.asOf))
  if (filter.bbox) {
    const [minLng, minLat, maxLng, maxLat] = filter.bbox
    query = query.where(sql<boolean>`geom && ST_MakeEnvelope(${minLng}, ${minLat}, ${maxLng}, ${maxLat}, 4490)`)
  }
  return query.orderBy('code').execute()
}

export function findGrid(db: Kysely<Database>, code: string, asOf: string | undefined) {
  return db
    .selectFrom('grids')
    .select([...GRID_COLUMNS, asGeoJson('geom').as('geometry')])
    .where('code', '=', code)
    .where(inForce(asOf))
    .executeTakeFirst()
}

/** The proposal a grid version came from, with who approved it (or filed it, if the chain has no approve step). */
export interface VersionProposal {
  id: number
  title: string
  document_no: string | null
  effective_date: string | null
  approved_by: string | null
  approved_at: Date | null
}

/**
 * Every version of a grid, oldest first, including retired ones; each with the proposal it came
 * from (grids.proposal_id; null for imported/seeded rows). The approver is the user of the
 * proposal's last 'approve' event, else of its last 'file' event (chains without an approve step).
 */
export async function findGridHistory(db: Kysely<Database>, code: string) {
  const rows = await db
    .selectFrom('grids as g')
    .leftJoin('proposals as p', 'p.id', 'g.proposal_id')
    .leftJoinLateral(
      (eb) =>
        eb
          .selectFrom('proposal_events as e')
          .select(['e.username', 'e.at'])
          .whereRef('e.proposal_id', '=', 'g.proposal_id')
          .where('e.action', 'in', ['approve', 'file'])
          .orderBy(sql`e.action = 'approve'`, 'desc')
          .orderBy('e.at', 'desc')
          .orderBy('e.id', 'desc')
          .limit(1)
          .as('approval'),
      (join) => join.onTrue(),
    )
    .select([
      ...GRID_COLUMNS.map((column) => `g.${column}` as const),
      'g.created_at',
      'g.created_by',
      asGeoJson('g.geom').as('geometry'),
      'g.proposal_id',
      'p.title as proposal_title',
      'p.document_no as proposal_document_no',
      'p.effective_date as proposal_effective_date',
      'approval.username as approved_by',
      'approval.at as approved_at',
    ])
    .where('g.code', '=', code)
    .orderBy('g.version')
    .execute()
  return rows.map(
    ({ proposal_id, proposal_title, proposal_document_no, proposal_effective_date, approved_by, approved_at, ...row }) => ({
      ...row,
      proposal:
        proposal_id === null
          ? null
          : ({
              id: proposal_id,
              title: proposal_title ?? '',
              document_no: proposal_document_no ?? null,
              effective_date: proposal_effective_date ?? null,
              approved_by: approved_by ?? null,
              approved_at: approved_at ?? null,
            } satisfies VersionProposal),
    }),
  )
}

export interface LineageLink {
  code: string
  relation: 'split' | 'merge'
  effective_date: string
  proposal_id: number | null
}

/** Split/merge lineage of a code, both ways: the codes it came from and the codes it became. */
export async function findGridLineage(db: Kysely<Database>, code: string): Promise<{ parents: LineageLink[]; children: LineageLink[] }> {
  const rows = await db
    .selectFrom('grid_lineage')
    .select(['parent_code', 'child_code', 'relation', 'effective_date', 'proposal_id'])
    .where((eb) => eb.or([eb('parent_code', '=', code), eb('child_code', '=', code)]))
    .orderBy('effective_date')
    .orderBy('parent_code')
    .orderBy('child_code')
    .execute()
  const link = (other: string, row: (typeof rows)[number]): LineageLink => ({
    code: other,
    relation: row.relation,
    effective_date: row.effective_date,
    proposal_id: row.proposal_id,
  })
  return {
    parents: rows.filter((row) => row.child_code === code).map((row) => link(row.parent_code, row)),
    children: rows.filter((row) => row.parent_code === code).map((row) => link(row.child_code, row)),
  }
}

export type GridRow = Awaited<ReturnType<typeof findGrids>>[number]
