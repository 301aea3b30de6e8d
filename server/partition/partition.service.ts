import type { MultiPolygon, Polygon } from 'geojson'
import type { TokenClaims } from '../auth/auth.plugin.js'
import { scopeName } from '../auth/scope.js'
import type { DatabaseHandle } from '../db/connect.js'
import type { Db } from '../db/database.js'
import { communityGridName } from '../grids/grid-names.js'
import { badRequest, forbidden, notFound } from '../http/errors.js'
import { type Language, translate } from '../i18n/index.js'
import { householdRangeFor } from '../profiles/household-range.js'
import { profileForRegion } from '../profiles/profiles.js'
import { chainOf, takesPart } from '../proposals/chain.js'
import { isRegionCode, isWithinScope, prefixOfCode } from '../regions/region-codes.js'
import { findCommunityHoldingMost, findRegion, findRegionName } from '../regions/regions.repository.js'
import { type AreaPartition, partitionArea } from './area.js'
import { draftPartition, partitionChanges } from './draft.js'
import {
  type ExistingGridInput,
  type RequestCrs,
  type RequestShapes,
  readRequestShapes,
  requestCrs,
  toRequestCrs,
} from './partition-input.js'
import { partitionInputAnswer, renderChanges, renderExplanations } from './partition-messages.js'
import type { PartitionChangeView, PartitionRequest, PartitionResponse } from './partition.schemas.js'
import { areaOfRegion } from './region-area.js'
import { type HouseholdRange, PartitionInputError } from './types.js'
import type { AreaInput } from './units.js'

// POST /api/v1/partition without HTTP: gather the area (a region's recorded boundary, buildings,
// roads and grids, or the request's own), find the household range, run partitionArea, name the
// grids, render the explanations, and — when asked — save the grids as a draft proposal.
// Running a partition writes nothing, so any signed-in user may run one inside their scope;
// only a draft needs a role in the region's approval chain.

/** What partitionArea works on, and what the answer names grids after. */
interface GatheredArea {
  area: AreaInput
  range: HouseholdRange
  existing: ExistingGridInput[] | null
  /** The community (or township) partitioned; null for a bare boundary. */
  region: { code: string; name: string; township: boolean } | null
}

/** `user`: the caller; null for a local command (npm run partition), which works on a boundary only. */
export async function runPartition(
  database: DatabaseHandle,
  user: TokenClaims | null,
  body: PartitionRequest,
  language: Language,
): Promise<PartitionResponse> {
  const system = requestCrs(body.crs)
  if ((body.region === undefined) === (body.boundary === undefined)) throw badRequest('partition_area_choice')
  if (body.create_draft && body.region === undefined) throw badRequest('partition_draft_needs_region')
  if (body.range && body.range.min > body.range.max) throw badRequest('partition_range_invalid', body.range)

  if (body.region !== undefined && user === null) throw new Error('a partition of a region needs a user')
  const gathered =
    body.region === undefined || user === null
      ? fromBoundary(body, system)
      : await fromRegion(database.kysely, user, body.region, body, language, system)
  const { range } = gathered
  if (body.target !== undefined && (body.target < range.min || body.target > range.max)) {
    throw badRequest('partition_target_outside_range', { target: body.target, ...range })
  }

  const partition = await runArea(database.kysely, gathered, body, language)
  const names = await gridNames(database.kysely, partition, gathered)
  const answer: PartitionResponse = {
    type: 'FeatureCollection',
    features: partition.grids.features.map((grid, i) => {
      const p = grid.properties
      return {
        type: 'Feature' as const,
        geometry: toRequestCrs(grid.geometry, system),
        properties: {
          number: p.number,
          name: names[i] ?? null,
          households: p.households,
          units: p.units,
          area_m2: p.area,
          polsby_popper: p.polsby_popper,
          in_range: p.in_range,
          contiguous: p.contiguous,
          existing_code: p.existing_code ?? null,
          unchanged: gathered.existing ? (p.unchanged ?? false) : null,
        },
      }
    }),
    summary: partition.summary,
    explanations: renderExplanations(partition.explanations, language),
    ...(system ? { crs: system.crs.code } : {}),
  }
  // A region's changes are those its draft makes (against the grids stored today); a file's
  // grids are compared with the grids the request gave.
  const draftInput = body.region !== undefined ? { region: body.region, grids: partition.grids, names, today: partition.today } : null
  if (draftInput && body.create_draft && user !== null) {
    const draft = await draftPartition(database, user, draftInput, language)
    answer.proposal_id = draft.proposal_id
    answer.changes = renderChanges(draft.changes, language)
  } else if (draftInput && !body.existing) {
    answer.changes = renderChanges((await partitionChanges(database, draftInput)).listed, language)
  } else if (gathered.existing) {
    answer.changes = changesOf(partition, gathered.existing)
  }
  return answer
}

function fromBoundary(body: PartitionRequest, system: RequestCrs | null): GatheredArea {
  if (!body.range) throw badRequest('partition_range_required')
  const shapes = readRequestShapes(body, system)
  return {
    area: { boundary: shapes.boundary as Polygon | MultiPolygon, ...buildingsOf(shapes, []), roads: shapes.roads ?? [] },
    range: body.range,
    existing: shapes.existing ?? null,
    region: null,
  }
}

/**
 * A community's or township's recorded area, the request's buildings, roads and grids taking the
 * place of the recorded ones; the range from the request, else from the region's rule profile.
 */
async function fromRegion(
  db: Db,
  user: TokenClaims,
  code: string,
  body: PartitionRequest,
  language: Language,
  system: RequestCrs | null,
): Promise<GatheredArea> {
  if (!isRegionCode(code)) throw badRequest('region_code_invalid', { code })
  const prefix = prefixOfCode(code)
  if (prefix.length < 9) throw badRequest('partition_region_level', { code })
  if (!isWithinScope(user.region_prefix, prefix)) throw outOfScope(user, language)
  // A draft needs a role in the chain: refused before the work, not after it.
  const profile = profileForRegion(code)
  if (body.create_draft && !takesPart(user.role, chainOf(profile, false)) && !takesPart(user.role, chainOf(profile, true))) {
    throw forbidden('proposal_role_read_only')
  }
  const shapes = readRequestShapes(body, system)
  const region = await findRegion(db, code)
  const recorded = region ? await areaOfRegion(db, code) : null
  if (!region || !recorded) throw notFound('region_not_found', { code })
  const range = body.range ?? pickRange(householdRangeFor(profile, region.urban_rural))
  const existing = shapes.existing ?? (body.keep_existing ? recorded.existing : null)
  return {
    area: { boundary: recorded.boundary, ...buildingsOf(shapes, recorded.buildings), roads: shapes.roads ?? recorded.roads },
    range,
    existing,
    region: { code, name: recorded.name, township: prefix.length === 9 },
  }
}

/** The request's buildings, or its units as buildings and the lines that cut them out, else `otherwise`. */
const buildingsOf = (shapes: RequestShapes, otherwise: AreaInput['buildings']): Pick<AreaInput, 'buildings' | 'cuts'> =>
  shapes.units ?? { buildings: shapes.buildings ?? otherwise }

const pickRange = ({ min, max }: HouseholdRange): HouseholdRange => ({ min, max })

/** The 403 of server/auth/scope.ts (assertInScope), naming only the caller's own scope. */
function outOfScope(user: TokenClaims, language: Language) {
  return forbidden('forbidden_region', {
    role: translate(language, `role.${user.role}`),
    scope: scopeName(user) ?? translate(language, 'scope.all'),
  })
}

async function runArea(db: Db, gathered: GatheredArea, body: PartitionRequest, language: Language): Promise<AreaPartition> {
  try {
    return await partitionArea(db, {
      ...gathered.area,
      range: gathered.range,
      ...(gathered.existing ? { existing: gathered.existing } : {}),
      // A region's grids are to be written beside its stored neighbours (a draft, or the preview
      // of one): cuts meeting the boundary go to its corners, so the preview is what a draft saves.
      cutsToCorners: gathered.region !== null,
      ...(body.target !== undefined ? { target: body.target } : {}),
      ...(body.seed !== undefined ? { seed: body.seed } : {}),
      ...(body.time_budget_ms !== undefined ? { timeBudgetMs: body.time_budget_ms } : {}),
    })
  } catch (error) {
    if (error instanceof PartitionInputError) throw partitionInputAnswer(error, language)
    throw error
  }
}

/**
 * Names as a township writes them: a grid that takes over today's grid keeps its name; a new grid
 * is 社区第N网格 after the community it lies in (for a township, the community holding most of it),
 * with the smallest N no other grid of that community is named with. A bare boundary has no name
 * to give (a rendered "网格 3" would be a sentence, not data): null.
 */
async function gridNames(db: Db, partition: AreaPartition, gathered: GatheredArea): Promise<(string | null)[]> {
  const oldNames = new Map((gathered.existing ?? []).map((grid) => [grid.code, grid.name]))
  const kept = partition.grids.features.map((grid) => {
    const code = grid.properties.existing_code
    return code === undefined ? null : (oldNames.get(code) ?? null)
  })
  const { region } = gathered
  if (region === null) return kept
  const taken = new Set(kept.filter((name) => name !== null))
  const sequences = new Map<string, number>()
  const names: (string | null)[] = []
  for (const [i, grid] of partition.grids.features.entries()) {
    const keptName = kept[i]
    if (keptName) {
      names.push(keptName)
      continue
    }
    const community = region.township ? await communityOf(db, region.code, grid.geometry) : region.name
    let sequence = sequences.get(community) ?? 0
    let name: string
    do name = communityGridName(community, ++sequence)
    while (taken.has(name))
    sequences.set(community, sequence)
    taken.add(name)
    names.push(name)
  }
  return names
}

/** The name of the township's community holding most of a grid; the township's own name when none does. */
async function communityOf(db: Db, townshipCode: string, geometry: unknown): Promise<string> {
  const township = prefixOfCode(townshipCode)
  const code = await findCommunityHoldingMost(db, township, geometry)
  return (code ? await findRegionName(db, code) : undefined) ?? (await findRegionName(db, townshipCode)) ?? township
}

/** What happens to each of today's grids: kept as it is, reshaped, retired; and which grids are new. */
function changesOf(partition: AreaPartition, existing: readonly ExistingGridInput[]): PartitionChangeView[] {
  const changes: PartitionChangeView[] = partition.grids.features.map(({ properties: p }) => {
    if (p.existing_code === undefined) return { number: p.number, code: null, change: 'new' }
    return { number: p.number, code: p.existing_code, change: p.unchanged ? 'unchanged' : 'reshaped' }
  })
  const taken = new Set(changes.map((change) => change.code))
  for (const grid of existing) if (!taken.has(grid.code)) changes.push({ number: null, code: grid.code, change: 'retired' })
  return changes
}
