import { sql } from 'kysely'
import type { TokenClaims } from '../auth/auth.plugin.js'
import { scopeName } from '../auth/scope.js'
import type { DatabaseHandle } from '../db/connect.js'
import { AppError, badRequest, forbidden, notFound } from '../http/errors.js'
import { assertVertexLimits, MAX_VERTICES_PER_PROPOSAL } from '../http/limits.js'
import { type Language, translate } from '../i18n/index.js'
import type { ChangeProperties, ChangeRequest } from '../proposals/change.schemas.js'
import type { AfterState } from '../proposals/changes.js'
import { newCoverageIssues, validateTownship } from '../proposals/exactness.js'
import type { PolygonGeometry } from '../proposals/noding.js'
import { findProposal } from '../proposals/proposals.repository.js'
import { assertMayPropose, draftProposal, updateProposal } from '../proposals/proposals.service.js'
import { isWithinScope } from '../regions/region-codes.js'
import { checkPolygonFeature } from '../validation/geometry-structure.js'
import type { ValidationReport } from '../validation/report.schemas.js'
import type { Item } from './collection.js'
import {
  type DraftView,
  draftGridId,
  draftView,
  featureIn,
  GRID_CODE_ID,
  type GridFeature,
  gridInForce,
  townshipOf,
} from './grid-drafts.js'
import { carveChanges, deleteChanges, reshapeChanges } from './grid-edits.js'
import { CRS84, type OutputCrs } from './ogc-crs.js'

// OGC API – Features Part 4 on the grids: each write becomes changes appended to the caller's open
// draft proposal of the grid's township (drafted, as the editor drafts it, if there is none), through
// the proposal service (draftProposal / updateProposal: applyChanges, noding, validation, one
// transaction). Unlike the editor, which shows a new error and saves, a write that would give the
// township a gap, overlap, part outside or invalid geometry it did not have is refused whole: an
// OGC client has no issue list to show it.

export type GridWrite =
  | { op: 'create'; body: unknown }
  | { op: 'replace'; id: string; body: unknown }
  | { op: 'update'; id: string; patch: unknown }
  | { op: 'delete'; id: string }

export interface WriteContext {
  database: DatabaseHandle
  user: TokenClaims
  language: Language
  /** The system of the body's coordinates (Content-Crs). */
  crs: OutputCrs
  /** The If-Match header, if sent. */
  ifMatch: string | undefined
}

/** The feature after the write (none after a delete) and the proposal holding the change (none when nothing changed). */
export interface WriteAnswer {
  feature: GridFeature | undefined
  proposal: number | undefined
}

/** Properties a write may give, and those only approval sets (a write may repeat them unchanged). */
const WRITABLE = ['name', 'households', 'population', 'count_date', 'grid_head'] as const
const SET_ON_CREATE = ['kind', 'region_code', 'parent_code'] as const
const READ_ONLY = ['code', 'valid_from', 'valid_to', 'version'] as const
const KNOWN = new Set<string>([...WRITABLE, ...SET_ON_CREATE, ...READ_ONLY])

/** Issues of a grid's own geometry (self-intersection…) a write may not add; the coverage's (gap, overlap, outside): newCoverageIssues. */
const GEOMETRY_ERRORS = new Set(['invalid_geometry'])

export async function writeGrid(context: WriteContext, write: GridWrite): Promise<WriteAnswer> {
  const { database, user, language } = context
  const db = database.kysely
  const body = write.op === 'create' || write.op === 'replace' ? readFeature(write.body) : undefined
  const patch = write.op === 'update' ? readPatch(write.patch) : undefined
  const geometry = body?.geometry ?? patch?.geometry
  const lonLat = geometry === undefined ? undefined : readGeometry(geometry, context.crs, language)

  const target = write.op === 'create' ? undefined : await targetOf(db, user, write.id)
  const township = target?.township ?? (await createdIn(db, user, body?.properties ?? {}, lonLat as PolygonGeometry))
  if (!isWithinScope(user.region_prefix, township)) throw forbidden('proposal_out_of_scope', { scope: scopeName(user) ?? '*' })
  assertMayPropose(user, township.padEnd(12, '0'), false, language)

  const view = await draftView(db, user, township)
  if (target && target.draft !== undefined && target.draft !== view.draft?.id)
    throw notFound('ogc_feature_not_found', notFoundParams(target.id))
  const current = target && featureIn(view.after, view.draft?.id, target.id, target.inForce)
  if (target && !current) throw notFound('ogc_feature_not_found', notFoundParams(target.id))
  if (current && context.ifMatch !== undefined && !matches(context.ifMatch, current.tag))
    throw new AppError(412, 'ogc_precondition_failed', { id: current.item.id, given: context.ifMatch, current: current.tag })

  const key = target && (target.draft === undefined ? target.id : target.id.split('@')[0])
  const changes: ChangeRequest[] = []
  if (write.op === 'create') {
    const properties = createProperties(body?.properties ?? {})
    const comprehensive = (properties.kind ?? 'comprehensive') === 'comprehensive'
    const carved = comprehensive ? await carveChanges(db, view.after, lonLat as PolygonGeometry) : { geometry: lonLat, cut: [] }
    changes.push({ op: 'create', geometry: carved.geometry, properties }, ...carved.cut)
  } else if (write.op === 'delete') {
    changes.push(...(await deleteChanges(db, view.after, key as string)))
  } else {
    const properties = write.op === 'replace' ? { ...nulls(), ...(body?.properties ?? {}) } : (patch?.properties ?? {})
    const update = changedProperties(properties, (current as GridFeature).item.properties)
    if (lonLat) changes.push(...reshapeChanges(view.after, key as string, lonLat as PolygonGeometry))
    if (Object.keys(update).length > 0) changes.push({ op: 'update', grid: key as string, properties: update })
  }
  if (changes.length === 0) return { feature: current, proposal: view.draft?.id }
  return commit(context, view, changes, (after, proposal) => {
    if (write.op === 'delete') return undefined
    if (write.op !== 'create') return featureIn(after, proposal, (current as GridFeature).item.id, target?.inForce)
    const created = [...after.added.keys()].find((id) => !view.after.added.has(id))
    return created === undefined ? undefined : featureIn(after, proposal, draftGridId(created, proposal), undefined)
  })
}

/** Appends the changes to the draft (or drafts one), refusing them whole when they add a geometry error. */
async function commit(
  { database, user, language }: WriteContext,
  view: DraftView,
  changes: ChangeRequest[],
  answer: (after: AfterState, proposal: number) => GridFeature | undefined,
): Promise<WriteAnswer> {
  const before = await validateTownship(database, view.township, [...view.after.grids.values()], language, 0)
  let written: AfterState | undefined
  const accept = (after: AfterState, exact: ValidationReport) => {
    const fresh = [...newCoverageIssues(before, exact), ...newGeometryErrors(before, exact)]
    const first = fresh[0]
    if (first)
      throw new AppError(
        409,
        'ogc_write_refused',
        { count: fresh.length, issue: first.message },
        fresh.map((issue) => ({ code: issue.code, message: issue.message, feature_ids: issue.feature_ids, area_m2: issue.area_m2 })),
      )
    written = after
  }
  const { draft } = view
  const proposal = draft
    ? (
        await updateProposal(
          database,
          user,
          draft.id,
          { version: draft.version, changes: [...(draft.changes as ChangeRequest[]), ...changes] },
          language,
          { accept },
        )
      ).id
    : await draftProposal(database, user, { region: view.township.padEnd(12, '0'), changes }, language, { accept })
  return { feature: answer(written as AfterState, proposal), proposal }
}

const issueKey = (issue: { code: string; feature_ids: readonly string[] }) => `${issue.code}:${[...issue.feature_ids].sort().join(',')}`

function newGeometryErrors(before: ValidationReport, after: ValidationReport) {
  const old = new Set(before.issues.map(issueKey))
  return after.issues.filter((issue) => GEOMETRY_ERRORS.has(issue.code) && issue.severity === 'error' && !old.has(issueKey(issue)))
}

interface Target {
  id: string
  township: string
  inForce: Item | undefined
  /** The proposal of a draft's own grid (`new-N@p<id>`). */
  draft: number | undefined
}

/** The grid a write addresses: in force in the caller's scope, or one the caller's draft creates. */
async function targetOf(db: DatabaseHandle['kysely'], user: TokenClaims, id: string): Promise<Target> {
  const match = /^new-[1-9][0-9]{0,5}@p([1-9][0-9]{0,9})$/.exec(id)
  if (match) {
    const proposal = await findProposal(db, Number(match[1]))
    if (!proposal || proposal.created_by !== user.sub) throw notFound('ogc_feature_not_found', notFoundParams(id))
    return { id, township: townshipOf(proposal.region_code), inForce: undefined, draft: proposal.id }
  }
  const inForce = GRID_CODE_ID.test(id) ? await gridInForce(db, user.region_prefix, id) : undefined
  if (!inForce) throw notFound('ogc_feature_not_found', notFoundParams(id))
  return { id, township: townshipOf(String(inForce.properties.region_code)), inForce, draft: undefined }
}

const notFoundParams = (id: string) => ({ collection: 'grids', id })

/** The township a new grid goes to: its region_code's, the caller's own, or the one holding it. */
async function createdIn(db: DatabaseHandle['kysely'], user: TokenClaims, properties: Record<string, unknown>, geometry: PolygonGeometry) {
  const region = properties.region_code
  if (typeof region === 'string' && /^[0-9]{12}$/.test(region)) return townshipOf(region)
  if (user.region_prefix.length >= 9) return user.region_prefix.slice(0, 9)
  const { rows } = await sql<{ code: string }>`
    SELECT code FROM regions
    WHERE level = 4 AND code LIKE ${`${user.region_prefix}%`} AND boundary IS NOT NULL
      AND ST_Intersects(boundary, ST_PointOnSurface(ST_MakeValid(ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(geometry)}), 4490))))
    LIMIT 1`.execute(db)
  const code = rows[0]?.code
  if (code === undefined) throw badRequest('ogc_township_unknown')
  return townshipOf(code)
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

function readFeature(body: unknown): { geometry: unknown; properties: Record<string, unknown> } {
  if (!isObject(body) || body.type !== 'Feature' || !isObject(body.geometry) || !(body.properties === null || isObject(body.properties)))
    throw badRequest('ogc_body_not_feature')
  return { geometry: body.geometry, properties: (body.properties as Record<string, unknown> | null) ?? {} }
}

function readPatch(body: unknown): { geometry: unknown; properties: Record<string, unknown> } {
  if (!isObject(body) || !(body.properties === undefined || isObject(body.properties)) || body.geometry === null)
    throw badRequest('ogc_patch_not_object')
  return { geometry: body.geometry, properties: (body.properties as Record<string, unknown> | undefined) ?? {} }
}

/** Positions mapped where they are arrays of numbers; anything else left for the structure check to name. */
const mapPositions = (value: unknown, map: OutputCrs['toLonLat']): unknown =>
  Array.isArray(value) && value.length >= 2 && value.every((n) => typeof n === 'number' && Number.isFinite(n))
    ? map(value as number[])
    : Array.isArray(value)
      ? value.map((inner) => mapPositions(inner, map))
      : value

/** The body's geometry in lon/lat, checked as a proposal's change is (a Polygon or MultiPolygon of closed rings). */
function readGeometry(geometry: unknown, crs: OutputCrs, language: Language): PolygonGeometry {
  assertVertexLimits([{ shape: 'geometry', geometry }], MAX_VERTICES_PER_PROPOSAL)
  const value = geometry as { type?: unknown; coordinates?: unknown }
  const lonLat = crs.uri === CRS84 ? value : { type: value.type, coordinates: mapPositions(value.coordinates, crs.toLonLat) }
  const [problem] = checkPolygonFeature({ type: 'Feature', properties: {}, geometry: lonLat })
  if (problem) throw badRequest('ogc_geometry_unreadable', { reason: translate(language, `validation.reason.${problem.code}`) })
  return lonLat as PolygonGeometry
}

/** Refuses a property grids do not have, a read-only one given another value, a grid head that is not text. */
function checkProperties(properties: Record<string, unknown>, current: Record<string, unknown> | null, settable: readonly string[]) {
  for (const [name, value] of Object.entries(properties)) {
    if (!KNOWN.has(name)) throw badRequest('ogc_property_unknown', { name, allowed: [...WRITABLE, ...settable].join(', ') })
    const fixed = !(WRITABLE as readonly string[]).includes(name) && !settable.includes(name)
    if (fixed && value !== null && value !== undefined && value !== current?.[name])
      throw badRequest('ogc_property_read_only', { name, current: JSON.stringify(current?.[name] ?? null) })
    if (name === 'grid_head' && !(value === null || typeof value === 'string')) throw badRequest('ogc_property_invalid', { name })
  }
}

/** A new grid's properties as a create change takes them (nulls: the defaults). */
function createProperties(properties: Record<string, unknown>): ChangeProperties {
  checkProperties(properties, null, SET_ON_CREATE)
  const given = Object.entries(properties).filter(
    ([name, value]) => !(READ_ONLY as readonly string[]).includes(name) && (value !== null || name === 'parent_code'),
  )
  return Object.fromEntries(given) as ChangeProperties
}

/** A replace sets every writable property: one it leaves out becomes null. */
const nulls = () => Object.fromEntries(WRITABLE.map((name) => [name, null]))

/** The writable properties whose value differs from the feature's, as an update change takes them. */
function changedProperties(properties: Record<string, unknown>, current: Record<string, unknown>): Record<string, unknown> {
  checkProperties(properties, current, [])
  return Object.fromEntries(
    Object.entries(properties).filter(
      ([name, value]) => (WRITABLE as readonly string[]).includes(name) && value !== undefined && value !== current[name],
    ),
  )
}

/** If-Match against the feature's tag: `*` or a list of tags, compared strongly (a weak tag never matches). */
function matches(header: string, tag: string): boolean {
  const tags = header.split(',').map((part) => part.trim())
  return tags.includes('*') || tags.includes(tag)
}
