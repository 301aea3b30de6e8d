import type { Geometry } from 'geojson'
import { type Actor, recordAudit } from '../audit/audit.repository.js'
import type { TokenClaims } from '../auth/auth.plugin.js'
import { replaceBuildings } from '../buildings/buildings.repository.js'
import type { DatabaseHandle } from '../db/connect.js'
import { AppError, badRequest, forbidden } from '../http/errors.js'
import { isIsoDate } from '../http/query-params.js'
import { type Language, translate } from '../i18n/index.js'
import type { InputFile, PropertyValue } from '../io/types.js'
import { draftProposal } from '../proposals/proposals.service.js'
import { isWithinScope, parseRegionPrefix } from '../regions/region-codes.js'
import { replaceReferenceLayer } from '../reference/reference.repository.js'
import { rememberFieldMap } from './field-maps.repository.js'
import { type CheckedImport, writeChecked } from './geojson-import.js'
import { withImportHeapGrowth } from './heap-growth.js'
import { byTownship } from './node-import.js'
import { type MappedFeature, prepareImport } from './preview.js'
import { replacementChanges } from './replacement.js'
import type { CommitRequest, CommitResponse } from './upload.schemas.js'
import { townshipsWithGrids } from '../proposals/changes.js'

// Writes a checked upload: grids as one draft proposal per township (or directly, for an initial
// division), regions directly, buildings and reference layers through their repositories. Nothing
// is written when the preview's checks find any problem. The API (uploads.routes.ts) and the
// command line (scripts/import.ts) both come here.

export interface CommitContext {
  database: DatabaseHandle
  /** The caller; the CLI acts as an admin of the whole country. */
  user: TokenClaims
  language: Language
  /**
   * The command line's grids default, kept from before the wizard: without a mode, write directly,
   * adding the file's grids next to those in force (codes must still be new). The API defaults to a
   * draft and writes directly only where a township has no grids.
   */
  consoleDirect?: boolean
  today?: string
}

/** Roles that may import each type, in their scope (departments read only). */
const ROLES: Record<CommitRequest['type'], readonly TokenClaims['role'][]> = {
  grids: ['admin', 'city', 'county', 'township'],
  regions: ['admin', 'city', 'county', 'township'],
  buildings: ['admin', 'city', 'county'],
  reference: ['admin', 'city', 'county'],
}

/** The caller may import this type at all (the region is chosen later: uploads are checked so). */
export function assertMayImportType(user: TokenClaims, type: CommitRequest['type']): void {
  if (!ROLES[type].includes(user.role)) throw forbidden('import_role_refused', { type })
}

export function assertMayImport(user: TokenClaims, type: CommitRequest['type'], region: string): void {
  assertMayImportType(user, type)
  const prefix = parseRegionPrefix(region)
  if (prefix === null || !isWithinScope(user.region_prefix, prefix)) throw forbidden('import_out_of_scope', { region })
}

export async function commitImport(context: CommitContext, files: readonly InputFile[], request: CommitRequest): Promise<CommitResponse> {
  return withImportHeapGrowth(() => commitWithin(context, files, request))
}

async function commitWithin(context: CommitContext, files: readonly InputFile[], request: CommitRequest): Promise<CommitResponse> {
  const { database, user, language } = context
  assertMayImport(user, request.type, request.region)
  if (request.valid_from !== undefined && !isIsoDate(request.valid_from)) throw badRequest('date_invalid', { value: request.valid_from })
  const db = database.kysely
  const prepared = await prepareImport(db, files, request, language, { direct: modeOf(context, request) === 'direct' })
  if (prepared.problems.length > 0) {
    throw new AppError(
      422,
      'import_has_problems',
      { count: prepared.problems.length, first: prepared.problems[0]?.message ?? '' },
      prepared.problems,
    )
  }
  const actor: Actor = { username: user.sub, role: user.role, region_prefix: user.region_prefix }
  const what = translate(language, `io.import.what_${request.type}`)
  let result: Omit<CommitResponse, 'type' | 'message' | 'proposal_id'>
  if (request.type === 'grids' || request.type === 'regions') {
    const checked = prepared.checked ?? { scope: '', problems: [], regions: [], grids: [] }
    result =
      request.type === 'grids' ? await commitGrids(context, checked, request, actor) : await writeDirect(context, checked, request, actor)
  } else if (request.type === 'buildings') {
    const buildings = prepared.features.map((feature) => ({
      geometry: feature.geometry as Geometry,
      households: feature.properties.households as number,
      address: textOf(feature, 'address'),
    }))
    const imported = await replaceBuildings(db, { region: request.region, buildings, actor })
    result = { imported, proposal_ids: [], codes: [] }
  } else {
    const layer = request.reference ?? { name: prepared.dataset.layer.name.slice(0, 60), kind: 'other' as const }
    const features = prepared.features.map((feature) => ({
      geometry: feature.geometry as Geometry,
      name: textOf(feature, 'name'),
      class: textOf(feature, 'class'),
      properties: feature.properties,
    }))
    const { count } = await replaceReferenceLayer(db, { region: request.region, name: layer.name, kind: layer.kind, features, actor })
    result = { imported: count, proposal_ids: [], codes: [] }
  }
  const [first, ...others] = result.proposal_ids
  await db.transaction().execute(async (trx) => {
    await rememberFieldMap(trx, {
      region: parseRegionPrefix(request.region) ?? request.region,
      type: request.type,
      map: prepared.map,
      username: user.sub,
    })
    await recordAudit(trx, actor, {
      action: 'import_commit',
      entity: request.type,
      regionCode: parseRegionPrefix(request.region) ?? request.region,
      after: { files: files.map((file) => file.name), type: request.type, imported: result.imported, proposal_id: first ?? null },
    })
  })
  const message =
    first === undefined
      ? translate(language, 'import.done', { count: result.imported, what })
      : others.length === 0
        ? translate(language, 'io.import.drafted', { count: result.imported, what, id: first })
        : translate(language, 'io.import.drafted_per_township', {
            count: result.imported,
            what,
            proposals: others.length + 1,
            first,
            last: others[others.length - 1] as number,
          })
  return { type: request.type, ...result, proposal_id: first ?? null, message }
}

/** Regions, or grids of an initial division: written as they are, in one transaction. */
async function writeDirect(context: CommitContext, checked: CheckedImport, request: CommitRequest, actor: Actor) {
  const report = await writeChecked(context.database.kysely, checked, {
    kind: request.type === 'regions' ? 'regions' : 'grids',
    region: request.region,
    validFrom: request.valid_from ?? context.today ?? new Date().toISOString().slice(0, 10),
    actor,
    language: context.language,
  })
  return { imported: report.imported, proposal_ids: [], codes: report.codes }
}

function textOf(feature: MappedFeature, field: string): string | null {
  const value: PropertyValue | undefined = feature.properties[field]
  return value === null || value === undefined ? null : String(value)
}

/** How grids are written: the request's mode, else the caller's default (the command line writes directly). */
const modeOf = (context: CommitContext, request: CommitRequest) => request.mode ?? (context.consoleDirect ? 'direct' : 'draft')

/** Grids: a draft proposal per township replacing its grids, or (initial division) written directly. */
async function commitGrids(context: CommitContext, checked: CheckedImport, request: CommitRequest, actor: Actor) {
  const { database, user, language } = context
  const { grids } = checked
  const townships = byTownship(grids)
  const occupied = await townshipsWithGrids(database.kysely, [...townships.keys()])
  const mode = modeOf(context, request)
  if (mode === 'direct') {
    if (!['admin', 'county'].includes(user.role)) throw forbidden('import_direct_role')
    if (occupied.size > 0 && !context.consoleDirect)
      throw new AppError(409, 'import_direct_refused', {
        townships: [...townships.keys()].filter((township) => occupied.has(township)).join(', '),
      })
    return writeDirect(context, checked, request, actor)
  }
  // One proposal per township (a proposal is a township's change set); each is its own transaction.
  const proposalIds: number[] = []
  for (const [township, inTownship] of townships) {
    const changes = await replacementChanges(database.kysely, township, inTownship)
    const region = township.padEnd(12, '0')
    const input = { region, changes, initial_division: !occupied.has(township) }
    proposalIds.push(await draftProposal(database, user, input, language, { noded: true }))
  }
  return { imported: grids.length, proposal_ids: proposalIds, codes: [] }
}
