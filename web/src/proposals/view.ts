import type { Feature, Geometry, Point, Position } from 'geojson'
import { area, lineString, point, pointToLineDistance } from '@turf/turf'
import {
  changeTargets,
  type DiffCollection,
  type Me,
  type Proposal,
  type ProposalAct,
  type ProposalStep,
  type ValidationIssue,
} from '../api/types'
import { isDay } from '../ui/dates'
import { ringsOf } from '../editor/shared-vertices'

// The pure part of the proposals tab: what the list and the detail view show, as data (no DOM, no
// translation), and the request an act sends.

/** Which endpoint performs a step's action (`approve` does reviews and approvals too). */
const ACT_FOR: Record<ProposalStep['action'], ProposalAct> = { propose: 'submit', review: 'approve', approve: 'approve', file: 'file' }

/** The acts this user may take now: submit a draft; approve / file / return at the current step. */
export function availableActs(p: Proposal, me: Me | null): ProposalAct[] {
  if (!me) return []
  const may = (step: ProposalStep | undefined) => !!step && (me.role === 'admin' || me.role === step.role)
  if (p.state === 'draft' || p.state === 'returned') return may(p.steps[0]) ? ['submit'] : []
  if (p.state === 'filed') return []
  const current = p.steps.find((s) => s.status === 'current')
  if (!current || !may(current)) return []
  return [ACT_FOR[current.action], 'reject']
}

/** "#id · region name (code) · author" under the open proposal's title. */
export function proposalMeta(p: Proposal, regionName: (code: string) => string): string {
  return `#${p.id} · ${regionName(p.region_code)} (${p.region_code}) · ${p.created_by}`
}

export interface ChangeRow {
  op: string
  /** The grids the change names, joined with "、". */
  targets: string
  reason: string | null
  /** The grids' names, joined with "、" (only when a name lookup is given). */
  names?: string
  /** The name a create or merge gives its new grid. */
  newName?: string
}

export function changeRows(p: Pick<Proposal, 'changes'>, nameOf?: (code: string) => string | null): ChangeRow[] {
  return p.changes.map((c) => {
    const codes = changeTargets(c)
    const row: ChangeRow = { op: c.op, targets: codes.join('、'), reason: c.reason || null }
    if (nameOf) row.names = codes.map((code) => nameOf(code) ?? code).join('、')
    // A create or merge names its new grid in its properties (an update may rename it).
    if ('properties' in c && c.properties?.name) row.newName = c.properties.name
    return row
  })
}

/** The "validation after the change" section: not validated, valid, or its issues. */
export type ValidationView = { kind: 'none' } | { kind: 'valid' } | { kind: 'issues'; issues: readonly ValidationIssue[] }

export function validationView(p: Pick<Proposal, 'validation'>): ValidationView {
  if (!p.validation) return { kind: 'none' }
  const issues = p.validation.issues ?? []
  return issues.length ? { kind: 'issues', issues } : { kind: 'valid' }
}

export interface TimelineRow {
  at: string
  username: string
  role: string
  action: string
  toState: string | null
  /** 文号 and 生效日期, joined with " · " (null: neither). */
  document: string | null
  comment: string | null
  /** Where the comment is pinned, with its number on the map (1, 2, … in timeline order). */
  pin: { point: Position; number: string } | null
}

export function timelineRows(p: Pick<Proposal, 'events'>): TimelineRow[] {
  let pins = 0
  return p.events.map((e) => ({
    at: e.at,
    username: e.username,
    role: e.role,
    action: e.action,
    toState: e.to_state ?? null,
    document: e.document_no || e.effective_date ? [e.document_no, e.effective_date].filter(Boolean).join(' · ') : null,
    comment: e.comment || null,
    pin: e.location ? { point: e.location.coordinates, number: String(++pins) } : null,
  }))
}

/** The pinned comments of a proposal as map features, numbered as in its timeline. */
export function commentPins(p: Pick<Proposal, 'events'> | null): Feature<Point, { number: string; comment: string }>[] {
  return (p?.events ?? [])
    .filter((e) => e.location)
    .map((e, i) => ({ type: 'Feature', geometry: e.location as Point, properties: { number: String(i + 1), comment: e.comment ?? '' } }))
}

export interface ActInput {
  comment: string
  document_no: string
  effective_date: string
}
export const emptyActInput = (): ActInput => ({ comment: '', document_no: '', effective_date: '' })

export type ActBody = {
  comment?: string
  document_no?: string
  effective_date?: string
  location?: { type: 'Point'; coordinates: Position }
}

/**
 * Whether `act` applies the change now, and so needs a 文号 and a 生效日期: the approval, or the
 * filing where the chain has no approval (as server/proposals/chain.ts applyingStep); a review
 * (also sent as `approve`) and a later filing do not.
 */
export function actNeedsDocument(p: Pick<Proposal, 'steps'>, act: ProposalAct): boolean {
  if (act !== 'approve' && act !== 'file') return false
  const approving = p.steps.findIndex((s) => s.action === 'approve')
  const applying = approving >= 0 ? approving : p.steps.findIndex((s) => s.action === 'file')
  return applying >= 0 && p.steps[applying]?.status === 'current'
}

export type ActRefusal = 'act.reasonRequired' | 'act.documentRequired' | 'act.dateRequired'

/**
 * The body an act sends from what was typed (trimmed) and the pin; a return needs its reason, an
 * act that applies the change (`needsDocument`) its 文号 and a YYYY-MM-DD 生效日期.
 */
export function actRequest(
  act: ProposalAct,
  input: ActInput,
  pin: Position | null,
  needsDocument = false,
): { body: ActBody } | { error: ActRefusal } {
  const body: ActBody = pin ? { location: { type: 'Point', coordinates: pin } } : {}
  if (input.comment.trim()) body.comment = input.comment.trim()
  if (act === 'reject' && !body.comment) return { error: 'act.reasonRequired' }
  if (act === 'approve' || act === 'file') {
    if (input.document_no.trim()) body.document_no = input.document_no.trim()
    if (input.effective_date.trim()) body.effective_date = input.effective_date.trim()
  }
  if (needsDocument && !body.document_no) return { error: 'act.documentRequired' }
  if (needsDocument && !isDay(body.effective_date ?? '')) return { error: 'act.dateRequired' }
  return { body }
}

/** A grid's side of a change: its name, households and area (m², from the geometry). */
export interface GridSide {
  name: string
  households: number | null
  areaM2: number | null
}

/** One grid the proposal touches: before → after (null: the grid is new, or goes). */
export interface GridChangeRow {
  /** The grid code; null for a grid the proposal creates (its code comes at approval). */
  code: string | null
  before: GridSide | null
  after: GridSide | null
  /**
   * changed, but only because a neighbour's edit put its corners on this grid's edges (the noding
   * that keeps shared edges identical): same name, households and ground, more vertices.
   */
  aligned: boolean
}

/** Metres: how far an inserted vertex may lie from the edge it was put on (the server nodes at 1e-8°, ~1 mm). */
const ALIGNED_WITHIN_M = 0.005

const polygonRings = (geometry: Geometry | null): Position[][] =>
  geometry?.type === 'Polygon' || geometry?.type === 'MultiPolygon' ? ringsOf(geometry) : []
const key = (p: Position) => `${p[0]},${p[1]}`

/** Whether `after` is `before` with vertices added on its edges and nothing else moved. */
export function onlyVerticesAdded(before: Geometry | null, after: Geometry | null): boolean {
  const beforeRings = polygonRings(before)
  const afterRings = polygonRings(after)
  if (!beforeRings.length || beforeRings.length !== afterRings.length) return false
  const had = new Set(beforeRings.flat().map(key))
  const kept = new Set(afterRings.flat().map(key))
  if ([...had].some((vertex) => !kept.has(vertex))) return false
  const edges = beforeRings.filter((ring) => ring.length >= 2).map((ring) => lineString(ring))
  return afterRings
    .flat()
    .filter((vertex) => !had.has(key(vertex)))
    .every((vertex) => edges.some((edge) => pointToLineDistance(point(vertex), edge, { units: 'meters' }) <= ALIGNED_WITHIN_M))
}

/**
 * The grids of a proposal's diff, before → after, in the diff's order. Households a diff does not
 * carry (an applied proposal's) come from `householdsOf` (the grids loaded on the page).
 */
export function gridChangeRows(
  diff: Pick<DiffCollection, 'features'> | null,
  householdsOf: (code: string) => number | null = () => null,
): GridChangeRow[] {
  const rows = new Map<string, GridChangeRow>()
  const shapes = new Map<string, { before?: Geometry | null; after?: Geometry | null }>()
  for (const f of diff?.features ?? []) {
    const { code, id, name, households, change } = f.properties
    const rowKey = code ?? id ?? String(f.id)
    const row = rows.get(rowKey) ?? { code, before: null, after: null, aligned: false }
    rows.set(rowKey, row)
    const shape = shapes.get(rowKey) ?? {}
    shapes.set(rowKey, shape)
    const side: GridSide = {
      name: name ?? rowKey,
      households: households ?? (code && change !== 'added' && change !== 'changed_after' ? householdsOf(code) : null),
      areaM2: f.geometry ? area(f.geometry) : null,
    }
    const before = change === 'removed' || change === 'changed_before'
    if (before) row.before = side
    else row.after = side
    shape[before ? 'before' : 'after'] = f.geometry as Geometry | null
  }
  for (const [rowKey, row] of rows) {
    const shape = shapes.get(rowKey)
    row.aligned =
      !!row.before &&
      !!row.after &&
      row.before.name === row.after.name &&
      row.before.households === row.after.households &&
      onlyVerticesAdded(shape?.before ?? null, shape?.after ?? null)
  }
  return [...rows.values()]
}

/** Square metres as the proposal view shows them: km² with two decimals, or m² below 0.01 km². */
export function formatArea(m2: number | null): string {
  if (m2 === null) return '—'
  return m2 >= 10_000 ? `${(m2 / 1e6).toFixed(2)} km²` : `${Math.round(m2)} m²`
}
