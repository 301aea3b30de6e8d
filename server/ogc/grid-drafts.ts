import { createHash } from 'node:crypto'
import type { TokenClaims } from '../auth/auth.plugin.js'
import type { Db } from '../db/database.js'
import { AppError } from '../http/errors.js'
import type { ChangeRequest } from '../proposals/change.schemas.js'
import { type AfterState, applyChanges, type GridState } from '../proposals/changes.js'
import { findOpenDraft, findProposal, type ProposalRow } from '../proposals/proposals.repository.js'
import { isWithinScope, prefixOfCode } from '../regions/region-codes.js'
import { FIXED_COLLECTIONS, type Item } from './collections.js'

// The grids as a writer of the OGC API sees them: a grid the caller's open draft proposal changes
// is served as the draft leaves it (a grid it removes is gone), a grid the draft creates is served
// as `new-N@p<proposal>`; every grid item carries an ETag naming that version of it.

/** A grid a draft creates, until approval gives it a code: `new-3@p12` is new-3 of proposal 12. */
const DRAFT_GRID_ID = /^(new-[1-9][0-9]{0,5})@p([1-9][0-9]{0,9})$/
/** A grid in force, by code (a past version, `code.version`, is read-only). */
export const GRID_CODE_ID = /^[0-9]{12,24}$/

export const draftGridId = (key: string, proposal: number) => `${key}@p${proposal}`
export const townshipOf = (regionCode: string) => prefixOfCode(regionCode).slice(0, 9)

const grids = FIXED_COLLECTIONS.find((collection) => collection.id === 'grids') as (typeof FIXED_COLLECTIONS)[number]

/**
 * A strong ETag naming a version of a feature: a grid in force by its code and version; a grid a
 * draft changes also by what the draft makes of it. It does not depend on the response's `crs`,
 * and it changes with every write that changes the feature (noding a neighbour's edge included).
 */
const tagOf = (parts: readonly unknown[]) => `"${createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 27)}"`

/** The township as a draft leaves it (or as it is, without a draft). */
export interface DraftView {
  township: string
  draft: ProposalRow | undefined
  after: AfterState
}

export async function draftView(db: Db, user: TokenClaims, township: string): Promise<DraftView> {
  const draft = await findOpenDraft(db, user.sub, township)
  return { township, draft, after: await applyChanges(db, township, (draft?.changes as ChangeRequest[] | undefined) ?? []) }
}

/** A grid of an after-state as an OGC item: the properties of the grids collection, those only approval sets from `inForce`. */
export function itemOf(id: string, grid: GridState, inForce?: Item): Item {
  const head = grid.attributes.grid_head
  return {
    id,
    geometryJson: JSON.stringify(grid.geometry),
    properties: {
      code: grid.code,
      name: grid.name,
      kind: grid.kind,
      region_code: grid.region_code,
      parent_code: grid.parent_code,
      households: grid.households,
      population: grid.population,
      count_date: grid.count_date,
      grid_head: typeof head === 'string' ? head : null,
      valid_from: inForce?.properties.valid_from ?? null,
      valid_to: inForce?.properties.valid_to ?? null,
      version: grid.version,
    },
  }
}

export interface GridFeature {
  item: Item
  tag: string
  /** The draft proposal this version of the grid comes from, if any. */
  proposal?: number
}

/**
 * Grid `id` in a draft's after-state: the item in force unless the draft changes it; undefined when the draft
 * removes it or, for a draft's own grid, does not create it.
 */
export function featureIn(after: AfterState, proposal: number | undefined, id: string, inForce: Item | undefined): GridFeature | undefined {
  const match = DRAFT_GRID_ID.exec(id)
  if (match) {
    const key = match[1] as string
    const grid = after.grids.get(key)
    if (proposal === undefined || Number(match[2]) !== proposal || !grid || !after.added.has(key)) return undefined
    return { item: itemOf(id, grid), tag: tagOf([id, grid]), proposal }
  }
  if (!inForce || after.removed.has(id)) return undefined
  const version = inForce.properties.version
  const grid = after.grids.get(id)
  if (!grid || !after.changed.has(id)) return { item: inForce, tag: tagOf([id, version]) }
  return { item: itemOf(id, grid, inForce), tag: tagOf([id, version, grid]), proposal }
}

/** The grid in force of that code in the caller's scope. */
export const gridInForce = (db: Db, scope: string, code: string) => grids.item(db, scope, code)

/**
 * Grid `id` as the caller sees it (GET of an item): as its open draft leaves it, with its ETag.
 * Department keys and callers without a draft of the grid's township see the grid in force.
 */
export async function gridFeature(db: Db, user: TokenClaims, id: string): Promise<GridFeature | undefined> {
  const match = DRAFT_GRID_ID.exec(id)
  if (match) {
    const proposal = await findProposal(db, Number(match[2]))
    if (!proposal || !isWithinScope(user.region_prefix, prefixOfCode(proposal.region_code))) return undefined
    const township = townshipOf(proposal.region_code)
    const after = await readable(db, township, proposal)
    return after && featureIn(after, proposal.id, id, undefined)
  }
  const inForce = await grids.item(db, user.region_prefix, id)
  if (!inForce || !GRID_CODE_ID.test(id)) return inForce && { item: inForce, tag: tagOf([id, inForce.properties.version]) }
  const township = townshipOf(String(inForce.properties.region_code))
  const draft = await findOpenDraft(db, user.sub, township)
  const after = draft && (await readable(db, township, draft))
  return featureIn(after ?? NO_CHANGE, draft?.id, id, inForce)
}

/** A draft applied for reading; undefined when it no longer applies (stale: a grid it names is gone). */
async function readable(db: Db, township: string, draft: ProposalRow): Promise<AfterState | undefined> {
  if (draft.applied_at !== null) return undefined
  try {
    return await applyChanges(db, township, draft.changes as ChangeRequest[])
  } catch (error) {
    if (error instanceof AppError) return undefined
    throw error
  }
}

/** No draft: every grid as it is in force. */
const NO_CHANGE: AfterState = { grids: new Map(), removed: new Set(), changed: new Set(), added: new Map(), baseVersions: {} }
