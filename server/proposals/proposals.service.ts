import type { Kysely, Updateable } from 'kysely'
import { type Actor, recordAudit } from '../audit/audit.repository.js'
import type { TokenClaims } from '../auth/auth.plugin.js'
import { scopeName } from '../auth/scope.js'
import { allocateGridCodes } from '../coding/allocate.js'
import { markAllocated } from '../coding/codes.repository.js'
import { recordLineage, retireCodes } from '../coding/lineage.repository.js'
import type { DatabaseHandle } from '../db/connect.js'
import type { Database, ProposalState, ProposalsTable } from '../db/database.js'
import { interiorPoint } from '../geo/interior-point.js'
import { type GridsTransaction, writeGrids } from '../grids/grid-events.js'
import { closeGridVersions, insertGridVersions, lockOpenVersions, type NewGridVersion } from '../grids/grids.repository.js'
import { AppError, badRequest, forbidden, notFound } from '../http/errors.js'
import { type Language, translate } from '../i18n/index.js'
import { profileForRegion } from '../profiles/profiles.js'
import { isRegionCode, isWithinScope, prefixOfCode } from '../regions/region-codes.js'
import { findRegion } from '../regions/regions.repository.js'
import { type StoredReport, withoutMessages } from '../validation/issue-messages.js'
import type { ValidationReport } from '../validation/report.schemas.js'
import type { Change, ChangeRequest, ExceptionRequest } from './change.schemas.js'
import { type AfterState, type GridState, applyChanges, currentGrids } from './changes.js'
import { exceptionKey } from './exception-key.js'
import { assertNoNewSlivers, validateExactly, validateTownship } from './exactness.js'
import type { DiffChange, DiffFeature, ProposalDiff, ProposalStep } from './proposals.schemas.js'
import { type Act, ACT_FOR, chainOf, mayAct, takesPart, transition } from './chain.js'
import {
  findAppliedVersions,
  findProposal,
  findProposalEvents,
  insertProposal,
  insertProposalEvent,
  listProposalRows,
  markProposalStale,
  type NewProposalEvent,
  type ProposalRow,
  updateProposalIfUnchanged,
} from './proposals.repository.js'

// Proposals: a township or county drafts a change set for its own area; the draft carries the
// validation report of its township as it would be after the change; it moves through the
// profile's approval chain; the applying step writes it in one transaction (codes, closed and new
// rows, lineage, audit) after checking that nothing in the township changed since the draft.

export interface ProposalInput {
  region: string
  /** Omitted: stored NULL, worded in each reader's language (server/i18n/proposal-text.ts). */
  title?: string
  reason?: string
  changes: ChangeRequest[]
  exceptions?: ExceptionRequest[]
  initial_division?: boolean
}

const townshipOf = (regionCode: string) => prefixOfCode(regionCode).slice(0, 9)
/** The caller's own scope as a refusal names it (never the region asked for: it may lie outside). */
// An admin (whole country) is never out of scope, so the fallback is never shown.
const scopeOf = (user: TokenClaims) => scopeName(user) ?? '*'
const actorOf = (user: TokenClaims): Actor => ({ username: user.sub, role: user.role, region_prefix: user.region_prefix })

type Db = Kysely<Database>

export interface EvaluateOptions {
  /**
   * The changes' geometries are already noded against the township's grids in force (an import's
   * replacementChanges), so the draft's after-state is not noded again. Submitting and approving
   * evaluate the proposal afresh, noding included.
   */
  noded?: boolean
  /**
   * Judges the after-state before anything is written, from its report at sliver tolerance 0 (an
   * OGC write refuses a new gap, overlap or invalid geometry, which the editor would only show).
   */
  accept?: (after: AfterState, exactReport: ValidationReport) => Promise<void> | void
}

/** The township after the change and its validation report; `exact`: with its report at sliver tolerance 0 too. */
async function evaluate(
  database: DatabaseHandle,
  region: string,
  changes: readonly ChangeRequest[],
  language: Language,
  { exact = false, noded = false, accept }: { exact?: boolean } & EvaluateOptions = {},
) {
  const township = townshipOf(region)
  const after = await applyChanges(database.kysely, township, changes, { noded })
  const grids = [...after.grids.values()]
  if (exact || accept) {
    const evaluated = await validateExactly(database, township, grids, language)
    await accept?.(after, evaluated.exactReport)
    return { after, ...evaluated }
  }
  return { after, report: await validateTownship(database, township, grids, language), exactReport: null }
}

/** Errors with no matching exception request (same code, same grids). */
function uncoveredErrors(report: ValidationReport, exceptions: ExceptionRequest[]) {
  const covered = new Set(exceptions.map(exceptionKey))
  return report.issues.filter((issue) => issue.severity === 'error' && !covered.has(exceptionKey(issue)))
}

/** Read-only accounts (departments) and roles the chain does not involve may read proposals, never write. */
function assertTakesPart(user: TokenClaims, chain: Parameters<typeof takesPart>[1]): void {
  if (!takesPart(user.role, chain)) throw forbidden('proposal_role_read_only')
}

function assertRegion(user: TokenClaims, region: string): void {
  if (!isRegionCode(region)) throw badRequest('region_code_invalid', { code: region })
  if (prefixOfCode(region).length < 9) throw badRequest('proposal_region_level', { code: region })
  if (!isWithinScope(user.region_prefix, prefixOfCode(region))) {
    throw forbidden('proposal_out_of_scope', { scope: scopeOf(user) })
  }
}

/** Refuses (403) a user whose role does not start proposals for `region` under its chain. */
export function assertMayPropose(user: TokenClaims, region: string, initialDivision: boolean, language: Language): void {
  const chain = chainOf(profileForRegion(region), initialDivision)
  assertTakesPart(user, chain)
  if (!mayAct(user.role, chain[0])) throw forbidden('proposal_wrong_role', roleParams(language, chain[0]?.role, 'propose', region))
}

/** Writes a draft proposal and answers its id (an import writes one per township and reads none back). */
export async function draftProposal(
  database: DatabaseHandle,
  user: TokenClaims,
  input: ProposalInput,
  language: Language,
  options: EvaluateOptions = {},
) {
  assertRegion(user, input.region)
  const region = await findRegion(database.kysely, input.region)
  if (!region) throw notFound('region_not_found', { code: input.region })
  assertMayPropose(user, input.region, input.initial_division ?? false, language)
  const { after, report } = await evaluate(database, input.region, input.changes, language, options)
  const id = await database.kysely.transaction().execute(async (trx) => {
    const inserted = await insertProposal(trx, {
      region_code: input.region,
      profile_id: profileForRegion(input.region).id,
      title: input.title ?? null,
      reason: input.reason ?? null,
      changes: JSON.stringify(input.changes),
      exceptions: JSON.stringify(input.exceptions ?? []),
      base_versions: JSON.stringify(after.baseVersions),
      initial_division: input.initial_division ?? false,
      validation: JSON.stringify(report && withoutMessages(report)),
      created_by: user.sub,
    })
    await addEvent(trx, inserted, input.region, user, { action: 'create', to_state: 'draft' })
    await recordAudit(trx, actorOf(user), {
      action: 'proposal_create',
      entity: 'proposal',
      entityId: String(inserted),
      regionCode: input.region,
      // The changes themselves are in the proposal row (kept for good; an update's audit row keeps
      // the changes it replaced): here how many of each, as an import's draft holds a thousand grids.
      after: { ...input, changes: countByOp(input.changes) },
    })
    return inserted
  })
  return id
}

const countByOp = (changes: readonly ChangeRequest[]) => {
  const counts: Record<string, number> = {}
  for (const change of changes) counts[change.op] = (counts[change.op] ?? 0) + 1
  return counts
}

export async function createProposal(database: DatabaseHandle, user: TokenClaims, input: ProposalInput, language: Language) {
  return getProposal(database.kysely, user, await draftProposal(database, user, input, language))
}

export async function updateProposal(
  database: DatabaseHandle,
  user: TokenClaims,
  id: number,
  input: Partial<ProposalInput> & { version: number },
  language: Language,
  options: EvaluateOptions = {},
) {
  const proposal = await loadProposal(database.kysely, user, id)
  assertTakesPart(user, chainOf(profileForRegion(proposal.region_code), proposal.initial_division))
  if (proposal.state !== 'draft' && proposal.state !== 'returned')
    throw new AppError(409, 'proposal_not_editable', { state: translate(language, `proposal.state.${proposal.state}`) })
  if (proposal.created_by !== user.sub && user.role !== 'admin') throw forbidden('proposal_not_yours', { owner: proposal.created_by })
  if (input.version !== proposal.version)
    throw new AppError(409, 'proposal_version_conflict', { version: input.version, current: proposal.version })
  const changes = input.changes ?? (proposal.changes as Change[])
  const { after, report } = await evaluate(database, proposal.region_code, changes, language, options)
  await database.kysely.transaction().execute(async (trx) => {
    await compareAndSet(trx, proposal, {
      title: input.title ?? proposal.title,
      reason: input.reason ?? proposal.reason,
      changes: JSON.stringify(changes),
      exceptions: JSON.stringify(input.exceptions ?? proposal.exceptions),
      base_versions: JSON.stringify(after.baseVersions),
      validation: JSON.stringify(report && withoutMessages(report)),
      stale: false,
    })
    await addEvent(trx, id, proposal.region_code, user, { action: 'update' })
    await recordAudit(trx, actorOf(user), {
      action: 'proposal_update',
      entity: 'proposal',
      entityId: String(id),
      regionCode: proposal.region_code,
      before: proposal.changes,
      after: changes,
    })
  })
  return getProposal(database.kysely, user, id)
}

/**
 * Writes an act on a proposal only if nobody acted on it since it was read; otherwise the caller's
 * whole transaction (events, audit, grid rows of an approval) rolls back with a 409.
 */
async function compareAndSet(trx: Db, seen: ProposalRow, changes: Updateable<ProposalsTable>): Promise<void> {
  if (!(await updateProposalIfUnchanged(trx, seen, changes))) throw new AppError(409, 'proposal_acted_meanwhile', { id: seen.id })
}

/** Re-bases a stale draft on the grids as they are now (a neighbour changed meanwhile). */
export async function rebaseProposal(database: DatabaseHandle, user: TokenClaims, id: number, language: Language) {
  const proposal = await loadProposal(database.kysely, user, id)
  return updateProposal(database, user, id, { version: proposal.version }, language)
}

export interface ActInput {
  comment?: string
  location?: unknown
  document_no?: string
  effective_date?: string
}

export interface ActHooks {
  /** Called after every check, just before the transaction that writes the act (race tests). */
  beforeWrite?: () => Promise<void>
  /** Called inside the applying transaction after the grid rows are written (crash tests). */
  beforeCommit?: (trx: Db) => Promise<void>
}

export async function actOnProposal(
  database: DatabaseHandle,
  user: TokenClaims,
  id: number,
  act: Act,
  input: ActInput,
  language: Language,
  hooks: ActHooks = {},
) {
  const proposal = await loadProposal(database.kysely, user, id)
  const profile = profileForRegion(proposal.region_code)
  const chain = chainOf(profile, proposal.initial_division)
  assertTakesPart(user, chain)
  const outcome = transition(chain, proposal.state, proposal.step, act)
  if (outcome === 'wrong_state')
    throw new AppError(409, 'proposal_wrong_state', { act, state: translate(language, `proposal.state.${proposal.state}`) })
  if (outcome === 'wrong_act') {
    const step = chain[proposal.step]
    throw new AppError(409, 'proposal_wrong_act', { act, expected: step ? ACT_FOR[step.action] : '-' })
  }
  const acting = act === 'submit' ? chain[0] : chain[proposal.step]
  if (!mayAct(user.role, acting))
    throw forbidden('proposal_wrong_role', roleParams(language, acting?.role, acting?.action ?? act, proposal.region_code))
  if (act === 'reject' && !input.comment?.trim()) throw badRequest('proposal_comment_required')

  let report = proposal.validation as StoredReport | null
  let after: AfterState | null = null
  let exactReport: ValidationReport | null = null
  if (act === 'submit' || outcome.applies) {
    const evaluated = await evaluate(database, proposal.region_code, proposal.changes as Change[], language, { exact: outcome.applies })
    ;({ after, report, exactReport } = evaluated)
    if (isStale(proposal, after)) {
      await markProposalStale(database.kysely, id, proposal.version)
      throw new AppError(409, 'proposal_stale', { id })
    }
    const errors = uncoveredErrors(evaluated.report, proposal.exceptions as ExceptionRequest[])
    if (errors.length > 0) {
      throw new AppError(
        409,
        'proposal_has_errors',
        { count: errors.length },
        errors.map((e) => ({ code: e.code, message: e.message, feature_ids: e.feature_ids })),
      )
    }
  }
  if (outcome.applies) {
    if (!input.document_no?.trim()) throw badRequest('proposal_document_required')
    if (!input.effective_date) throw badRequest('proposal_effective_date_required')
    // The layer written must be exact: no new gap or overlap of any size, not even a warning's.
    if (exactReport) await assertNoNewSlivers(database, townshipOf(proposal.region_code), exactReport, language)
  }

  await hooks.beforeWrite?.()
  // An applying act writes grid versions; writeGrids announces them to the lookup index after the commit.
  await writeGrids(database.kysely, async (trx) => {
    // The state change first: a concurrent act fails here, before any grid row is written.
    await compareAndSet(trx, proposal, {
      state: outcome.to,
      step: outcome.nextStep,
      validation: JSON.stringify(report && withoutMessages(report)),
      ...(outcome.applies
        ? { document_no: input.document_no ?? null, effective_date: input.effective_date ?? null, applied_at: new Date() }
        : {}),
    })
    if (outcome.applies && after) await applyProposal(trx, proposal, after, input, user)
    await addEvent(trx, id, proposal.region_code, user, {
      action: acting?.action === 'review' && act === 'approve' ? 'review' : act,
      from_state: proposal.state,
      to_state: outcome.to,
      comment: input.comment ?? null,
      location: input.location,
      document_no: outcome.applies ? (input.document_no ?? null) : null,
      effective_date: outcome.applies ? (input.effective_date ?? null) : null,
    })
    await recordAudit(trx, actorOf(user), {
      action: `proposal_${act}`,
      entity: 'proposal',
      entityId: String(id),
      regionCode: proposal.region_code,
      before: { state: proposal.state, step: proposal.step },
      after: { state: outcome.to, step: outcome.nextStep, comment: input.comment ?? null },
    })
    if (outcome.applies) await hooks.beforeCommit?.(trx)
  })
  return getProposal(database.kysely, user, id)
}

export async function commentOnProposal(
  database: DatabaseHandle,
  user: TokenClaims,
  id: number,
  input: { comment: string; location?: unknown },
) {
  const proposal = await loadProposal(database.kysely, user, id)
  assertTakesPart(user, chainOf(profileForRegion(proposal.region_code), proposal.initial_division))
  if (!input.comment.trim()) throw badRequest('proposal_comment_required')
  await database.kysely.transaction().execute(async (trx) => {
    await addEvent(trx, id, proposal.region_code, user, { action: 'comment', comment: input.comment, location: input.location })
    await recordAudit(trx, actorOf(user), {
      action: 'proposal_comment',
      entity: 'proposal',
      entityId: String(id),
      regionCode: proposal.region_code,
      after: input,
    })
  })
  return getProposal(database.kysely, user, id)
}

/** Writes the change: codes, closed rows, new rows at the effective date, lineage, audit. */
async function applyProposal(trx: GridsTransaction, proposal: ProposalRow, after: AfterState, input: ActInput, user: TokenClaims) {
  const effective = input.effective_date as string
  const touched = [...after.removed, ...after.changed]
  // Optimistic locking: every grid of the township must still be the version the check saw.
  const now = await lockOpenVersions(trx, townshipOf(proposal.region_code))
  const seen = Object.entries(after.baseVersions)
  if (now.length !== seen.length || now.some((row) => after.baseVersions[row.code] !== row.version)) {
    throw new AppError(409, 'proposal_stale', { id: proposal.id })
  }
  const tooEarly = now.find((row) => touched.includes(row.code) && row.valid_from >= effective)
  if (tooEarly) throw badRequest('proposal_effective_date_too_early', { date: effective, grid: tooEarly.code, since: tooEarly.valid_from })

  // Codes for new grids, by community, in reading order of their interior points.
  const newGrids = [...after.added.keys()].map((key) => after.grids.get(key)).filter((g) => g !== undefined)
  const codes = new Map<string, string>()
  const byRegion = new Map<string, typeof newGrids>()
  for (const grid of newGrids) byRegion.set(grid.region_code, [...(byRegion.get(grid.region_code) ?? []), grid])
  for (const [regionCode, grids] of byRegion) {
    const points = grids.map((grid) => interiorPoint(grid.geometry as { type: string; coordinates: unknown }))
    const allocated = await allocateGridCodes(trx, {
      regionCode,
      layout: profileForRegion(regionCode).codeLayout,
      grids: grids.map((grid, i) => ({
        key: grid.id,
        kind: grid.kind,
        interiorPoint: points[i] ?? [0, 0],
        ...(grid.parent_code ? { parentCode: grid.parent_code } : {}),
      })),
    })
    for (const [key, code] of allocated) codes.set(key, code)
  }

  const version = (grid: GridState, code: string, number: number): NewGridVersion => ({
    code,
    version: number,
    name: grid.name,
    kind: grid.kind,
    region_code: grid.region_code,
    parent_code: grid.parent_code,
    geometry: grid.geometry,
    households: grid.households,
    population: grid.population,
    count_date: grid.count_date,
    valid_from: effective,
    attributes: grid.attributes,
    created_by: user.sub,
    proposal_id: proposal.id,
  })
  await closeGridVersions(trx, touched, effective)
  if (after.removed.size > 0) await retireCodes(trx, [...after.removed], effective, proposal.id)
  const changedVersions = [...after.changed].flatMap((code) => {
    const grid = after.grids.get(code)
    return grid ? [version(grid, code, (after.baseVersions[code] ?? 0) + 1)] : []
  })
  await insertGridVersions(trx, [...changedVersions, ...newGrids.map((grid) => version(grid, codes.get(grid.id) as string, 1))])
  for (const [regionCode, grids] of byRegion) {
    const layout = profileForRegion(regionCode).codeLayout
    await markAllocated(trx, { codes: grids.map((grid) => codes.get(grid.id) as string), layout, proposalId: proposal.id })
  }
  for (const [key, origin] of after.added) {
    if (origin.relation === null) continue
    await recordLineage(trx, {
      parents: origin.from,
      children: [codes.get(key) as string],
      relation: origin.relation,
      proposalId: proposal.id,
      effectiveDate: effective,
    })
  }
  await recordAudit(trx, actorOf(user), {
    action: 'proposal_apply',
    entity: 'grid',
    entityId: String(proposal.id),
    regionCode: proposal.region_code,
    before: { ended: touched },
    after: {
      created: [...codes.values()],
      versioned: [...after.changed],
      effective_date: effective,
      document_no: input.document_no,
    },
  })
}

function isStale(proposal: ProposalRow, after: AfterState): boolean {
  const base = proposal.base_versions as Record<string, number>
  const keys = Object.keys(base)
  const now = Object.keys(after.baseVersions)
  return keys.length !== now.length || keys.some((code) => base[code] !== after.baseVersions[code])
}

function roleParams(language: Language, role: string | undefined, action: string, region: string) {
  return {
    role: role ? translate(language, `role.${role}`) : '-',
    action: translate(language, `proposal.action.${action}`),
    region,
  }
}

const addEvent = (trx: Db, proposalId: number, regionCode: string, user: TokenClaims, event: NewProposalEvent) =>
  insertProposalEvent(trx, proposalId, regionCode, { username: user.sub, role: user.role }, event)

async function loadProposal(db: Db, user: TokenClaims, id: number): Promise<ProposalRow> {
  const proposal = await findProposal(db, id)
  if (!proposal) throw notFound('proposal_not_found', { id })
  // Everyone on the chain above the area may read it; others in scope of the region too.
  if (!isWithinScope(user.region_prefix, prefixOfCode(proposal.region_code))) {
    throw forbidden('proposal_out_of_scope', { scope: scopeOf(user) })
  }
  return proposal
}

export async function getProposal(db: Db, user: TokenClaims, id: number) {
  const proposal = await loadProposal(db, user, id)
  const chain = chainOf(profileForRegion(proposal.region_code), proposal.initial_division)
  const events = await findProposalEvents(db, id)
  const { base_versions: _base, province_code: _province, initial_division, ...rest } = proposal
  return {
    ...rest,
    initial_division,
    steps: chain.map(
      (step, index): ProposalStep => ({
        role: step.role,
        action: step.action,
        source: step.source,
        status: proposal.state === 'filed' || index < proposal.step ? 'done' : index === proposal.step ? 'current' : 'pending',
      }),
    ),
    events,
  }
}

export async function listProposals(db: Db, user: TokenClaims, filter: { region?: string; state?: ProposalState }) {
  const rows = await listProposalRows(db, {
    scopePrefix: user.region_prefix,
    regionPrefix: filter.region ? prefixOfCode(filter.region) : undefined,
    state: filter.state,
  })
  // Mark the proposals whose next step is this user's to take (the reviewer's queue).
  return rows.map(({ initial_division: initial, ...row }) => {
    const step = chainOf(profileForRegion(row.region_code), initial)[row.step]
    const waiting = row.state !== 'draft' && row.state !== 'returned' && row.state !== 'filed' && mayAct(user.role, step)
    return { ...row, initial_division: initial, waiting_for_me: waiting }
  })
}

/** Added, removed and changed geometry of a proposal, as GeoJSON. */
export async function proposalDiff(database: DatabaseHandle, user: TokenClaims, id: number): Promise<ProposalDiff> {
  const proposal = await loadProposal(database.kysely, user, id)
  const applied = proposal.applied_at !== null
  const features: DiffFeature[] = []
  if (applied) {
    const rows = await findAppliedVersions(database.kysely, id, proposal.effective_date)
    for (const row of rows) {
      const change =
        row.change === 'removed_or_changed_before'
          ? rows.some((r) => r.code === row.code && r.change === 'changed_after')
            ? 'changed_before'
            : 'removed'
          : row.change
      features.push({
        type: 'Feature',
        id: `${row.code}@${row.version}`,
        geometry: row.geometry,
        properties: { code: row.code, version: row.version, name: row.name, change },
      })
    }
  } else {
    const after = await applyChanges(database.kysely, townshipOf(proposal.region_code), proposal.changes as Change[])
    const before = new Map((await currentGrids(database.kysely, townshipOf(proposal.region_code))).map((g) => [g.id, g]))
    for (const code of after.removed) features.push(feature(before.get(code), 'removed'))
    for (const code of after.changed) {
      features.push(feature(before.get(code), 'changed_before'))
      features.push(feature(after.grids.get(code), 'changed_after'))
    }
    for (const key of after.added.keys()) features.push(feature(after.grids.get(key), 'added'))
  }
  return { type: 'FeatureCollection', proposal: id, applied, features }
}

function feature(grid: GridState | undefined, change: DiffChange): DiffFeature {
  return {
    type: 'Feature',
    id: `${grid?.id}:${change}`,
    geometry: grid?.geometry ?? null,
    // Enough of the grid for the editor to draw the township as it would be after the change.
    properties: {
      code: grid?.code ?? null,
      id: grid?.id,
      version: grid?.version ?? null,
      name: grid?.name,
      kind: grid?.kind,
      region_code: grid?.region_code,
      households: grid?.households ?? null,
      count_date: grid?.count_date ?? null,
      attributes: grid?.attributes ?? {},
      change,
    },
  }
}
