import { type RawBuilder, sql } from 'kysely'
import type { Db } from '../db/database.js'

// What must hold in a data folder after any crash: indexes agree with their tables, each grid
// code has at most one row in force on any day and is registered as active exactly while it has
// an open row, every proposal is applied completely or not at all, approvals that were
// acknowledged are kept, and every import is all or nothing. Returns the problems found, in
// words, so that a failing test shows what is wrong.

export interface Expectations {
  /** Proposals whose applying act (approve) was answered 200 before the crash. */
  applied: Iterable<number>
  /** Proposals whose filing was answered 200 before the crash. */
  filed: Iterable<number>
  /** Grid imports started: the codes each would load, and whether the CLI reported success. */
  imports: { codes: string[]; succeeded: boolean }[]
}

export async function findInconsistencies(db: Db, expected: Expectations): Promise<string[]> {
  const problems: string[] = []
  const rows = async <T>(query: RawBuilder<T>) => (await query.execute(db)).rows

  problems.push(...(await indexesAgreeWithTables(db)))

  for (const row of await rows<{ code: string; n: number }>(sql`
    SELECT code, count(*)::int AS n FROM grids WHERE valid_to IS NULL GROUP BY code HAVING count(*) > 1`)) {
    problems.push(`grid ${row.code} has ${row.n} open rows`)
  }
  for (const row of await rows<{ code: string; a: number; b: number }>(sql`
    SELECT a.code, a.version AS a, b.version AS b FROM grids a JOIN grids b ON a.code = b.code AND a.id < b.id
    WHERE daterange(a.valid_from, a.valid_to) && daterange(b.valid_from, b.valid_to)`)) {
    problems.push(`grid ${row.code}: versions ${row.a} and ${row.b} are in force on the same day`)
  }
  for (const row of await rows<{ code: string; versions: number[] }>(sql`
    SELECT code, array_agg(version ORDER BY version) AS versions FROM grids GROUP BY code
    HAVING min(version) <> 1 OR max(version) <> count(*) OR count(DISTINCT version) <> count(*)`)) {
    problems.push(`grid ${row.code}: versions ${row.versions.join(',')} are not 1…n`)
  }
  for (const row of await rows<{ code: string; status: string | null; open: boolean }>(sql`
    SELECT coalesce(c.code, g.code) AS code, c.status, bool_or(g.valid_to IS NULL) AS open
    FROM grid_codes c FULL JOIN grids g ON g.code = c.code
    GROUP BY coalesce(c.code, g.code), c.status
    HAVING c.status IS NULL OR count(g.code) = 0 OR (c.status = 'active') <> coalesce(bool_or(g.valid_to IS NULL), false)`)) {
    problems.push(`code ${row.code}: registered as ${row.status ?? 'nothing'}, open row: ${row.open ?? 'no rows at all'}`)
  }

  type ProposalFacts = {
    id: number
    state: string
    applied: boolean
    restructures: boolean
    grid_rows: number
    codes: number
    lineage: number
    apply_events: number
    apply_audits: number
    last_to_state: string | null
  }
  const proposals = await rows<ProposalFacts>(sql`
    SELECT p.id, p.state, p.applied_at IS NOT NULL AS applied,
      EXISTS (SELECT 1 FROM json_array_elements(p.changes) AS c WHERE c ->> 'op' IN ('split', 'merge')) AS restructures,
      (SELECT count(*)::int FROM grids WHERE proposal_id = p.id) AS grid_rows,
      -- codes it allocated or retired (a later proposal retiring a code takes it over)
      (SELECT count(*)::int FROM grid_codes WHERE proposal_id = p.id) AS codes,
      (SELECT count(*)::int FROM grid_lineage WHERE proposal_id = p.id) AS lineage,
      (SELECT count(*)::int FROM proposal_events WHERE proposal_id = p.id AND document_no IS NOT NULL) AS apply_events,
      (SELECT count(*)::int FROM audit_log WHERE action = 'proposal_apply' AND entity_id = p.id::text) AS apply_audits,
      (SELECT to_state FROM proposal_events WHERE proposal_id = p.id ORDER BY id DESC LIMIT 1) AS last_to_state
    FROM proposals p ORDER BY p.id`)
  for (const p of proposals) {
    const says = `proposal ${p.id} (${p.state}${p.applied ? ', applied' : ''})`
    if (p.applied !== ['approved', 'filed'].includes(p.state)) problems.push(`${says}: state and applied_at disagree`)
    if (p.last_to_state !== p.state) problems.push(`${says}: its last event moved it to ${p.last_to_state}`)
    const parts = { grid_rows: p.grid_rows, codes: p.codes, lineage: p.lineage, apply_events: p.apply_events, apply_audits: p.apply_audits }
    const whole = p.grid_rows > 0 && p.apply_events === 1 && p.apply_audits === 1 && (!p.restructures || (p.codes > 0 && p.lineage > 0))
    if (p.applied && !whole) {
      problems.push(`${says}: half applied ${JSON.stringify(parts)}`)
    }
    if (!p.applied && Object.values(parts).some((n) => n > 0)) problems.push(`${says}: not applied, yet has ${JSON.stringify(parts)}`)
  }
  const byId = new Map(proposals.map((p) => [p.id, p]))
  for (const id of expected.applied) if (!byId.get(id)?.applied) problems.push(`proposal ${id}: its approval was acknowledged but is lost`)
  for (const id of expected.filed)
    if (byId.get(id)?.state !== 'filed') problems.push(`proposal ${id}: its filing was acknowledged but is lost`)

  for (const [n, run] of expected.imports.entries()) {
    const loaded = (await rows<{ n: number }>(sql`SELECT count(*)::int AS n FROM grids WHERE code = ANY(${run.codes})`))[0]?.n ?? 0
    const audits =
      (
        await rows<{ n: number }>(sql`
      SELECT count(*)::int AS n FROM audit_log WHERE action = 'import_grids' AND after -> 'codes' ? ${run.codes[0] ?? ''}`)
      )[0]?.n ?? 0
    if (loaded !== 0 && loaded !== run.codes.length) problems.push(`import ${n + 1}: ${loaded} of its ${run.codes.length} grids are loaded`)
    if (audits !== (loaded > 0 ? 1 : 0)) problems.push(`import ${n + 1}: ${loaded} grids loaded but ${audits} audit entries`)
    if (run.succeeded && loaded !== run.codes.length)
      problems.push(`import ${n + 1}: reported done, but ${loaded} of ${run.codes.length} grids are loaded`)
  }
  return problems
}

/** The same rows through a forced sequential scan and through each index. */
async function indexesAgreeWithTables(db: Db): Promise<string[]> {
  const probes = [
    { table: 'grids', key: 'id', where: sql`id > 0` },
    { table: 'grids', key: 'code', where: sql`code > ''` },
    { table: 'grids', key: 'id', where: sql`valid_to IS NULL` },
    { table: 'grid_codes', key: 'code', where: sql`code > ''` },
    { table: 'proposals', key: 'id', where: sql`id > 0` },
    { table: 'proposal_events', key: 'id', where: sql`id > 0` },
    { table: 'regions', key: 'code', where: sql`code > ''` },
  ]
  const problems: string[] = []
  for (const probe of probes) {
    const scan = (settings: string) =>
      db.transaction().execute(async (trx) => {
        for (const setting of settings.split(';')) await sql.raw(`SET LOCAL ${setting}`).execute(trx)
        const query = sql<{ key: string }>`SELECT ${sql.ref(probe.key)}::text AS key FROM ${sql.table(probe.table)} WHERE ${probe.where}`
        return (await query.execute(trx)).rows.map((row) => row.key).sort()
      })
    const table = await scan('enable_indexscan = off;enable_indexonlyscan = off;enable_bitmapscan = off')
    const index = await scan('enable_seqscan = off')
    if (table.join() !== index.join()) {
      problems.push(`${probe.table} (${probe.key}): a table scan finds ${table.length} rows, an index scan ${index.length}`)
    }
  }
  return problems
}
