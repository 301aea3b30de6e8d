import type { TokenClaims } from '../auth/auth.plugin.js'
import type { DatabaseHandle } from '../db/connect.js'
import type { Language } from '../i18n/index.js'
import type { ChangeRequest } from '../proposals/change.schemas.js'
import { townshipsWithGrids } from '../proposals/changes.js'
import { draftProposal } from '../proposals/proposals.service.js'
import { sameShape } from '../import/replacement.js'
import type { PolygonGeometry } from '../proposals/noding.js'
import type { AreaPartition } from './area.js'
import { comprehensiveGridsOf } from './region-area.js'

// An auto-partition of a region becomes a draft proposal of its township: the grids that take
// over a code keep it (reshaped where their shape moved, their household count updated), the
// others are created, and today's grids of the region that no proposed grid takes over are
// retired. The proposal nodes and validates the after-state as any edit (at sliver tolerance 0
// when it is approved), so nothing this writes can add a gap or an overlap unseen.

export interface PartitionChange {
  /** The proposed grid (its number in the partition); null for a grid retired. */
  number: number | null
  /** The code it keeps or the code retired; null for a new grid (its code comes at approval). */
  code: string | null
  change: 'unchanged' | 'reshaped' | 'new' | 'retired'
  /**
   * Why a grid of today changes (with `today`): it is out of range after the recount, or it borders
   * one that is (the smallest repair reached it). Absent for unchanged and new grids.
   */
  reason?: { code: 'out_of_range'; households: number } | { code: 'beside_redrawn' }
}

export interface PartitionDraftInput {
  /** The village or community (12 digits) the grids divide. */
  region: string
  grids: AreaPartition['grids']
  /** The name of each grid, in the order of `grids` (null: the proposal's default). */
  names: readonly (string | null)[]
  /** Today's grids as the partition counted them (AreaPartition.today): gives each change its reason. */
  today?: AreaPartition['today']
}

/** The proposal's changes and, per grid, what happens to it. */
export async function partitionChanges(database: DatabaseHandle, input: PartitionDraftInput) {
  const today = new Map((await comprehensiveGridsOf(database.kysely, input.region)).map((grid) => [grid.code as string, grid]))
  const counted = new Map((input.today ?? []).map((grid) => [grid.code, grid]))
  const reasonOf = (code: string): Pick<PartitionChange, 'reason'> => {
    const grid = counted.get(code)
    if (!grid) return {}
    return { reason: grid.in_range ? { code: 'beside_redrawn' } : { code: 'out_of_range', households: grid.households } }
  }
  const changes: ChangeRequest[] = []
  const listed: PartitionChange[] = []
  const kept = new Set<string>()
  for (const [index, feature] of input.grids.features.entries()) {
    const { number, households, existing_code: code } = feature.properties
    const name = input.names[index] ?? null
    const before = code === undefined ? undefined : today.get(code)
    if (before === undefined) {
      changes.push({
        op: 'create',
        geometry: feature.geometry,
        properties: { ...(name === null ? {} : { name }), region_code: input.region, households },
      })
      listed.push({ number, code: null, change: 'new' })
      continue
    }
    kept.add(before.code as string)
    const moved = !sameShape(before.geometry as PolygonGeometry, feature.geometry)
    if (moved) changes.push({ op: 'reshape', grid: before.code as string, geometry: feature.geometry })
    if (before.households !== households) changes.push({ op: 'update', grid: before.code as string, properties: { households } })
    listed.push({ number, code: before.code, change: moved ? 'reshaped' : 'unchanged', ...(moved ? reasonOf(before.code as string) : {}) })
  }
  const retired = [...today.keys()].filter((code) => !kept.has(code))
  for (const code of retired) listed.push({ number: null, code, change: 'retired', ...reasonOf(code) })
  return { changes: [...retired.map((code): ChangeRequest => ({ op: 'retire', grid: code })), ...changes], listed }
}

/** Writes the partition as a draft proposal of the region's township; answers its id and the list of changes. */
export async function draftPartition(
  database: DatabaseHandle,
  user: TokenClaims,
  input: PartitionDraftInput,
  language: Language,
): Promise<{ proposal_id: number; changes: PartitionChange[] }> {
  const { changes, listed } = await partitionChanges(database, input)
  const township = input.region.slice(0, 9)
  const initialDivision = !(await townshipsWithGrids(database.kysely, [township])).has(township)
  const id = await draftProposal(database, user, { region: input.region, changes, initial_division: initialDivision }, language)
  return { proposal_id: id, changes: listed }
}
