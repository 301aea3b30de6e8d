import difference from '@turf/difference'
import { featureCollection, polygon } from '@turf/helpers'
import { intersect, kinks } from '@turf/turf'
import union from '@turf/union'
import type { Position } from 'geojson'
import { fixChange } from '../../web/src/editor/fixes.js'
import { moveSharedVertex, ringsOf } from '../../web/src/editor/shared-vertices.js'
import type { TokenClaims } from '../auth/auth.plugin.js'
import type { DatabaseHandle } from '../db/connect.js'
import { seededRandom } from '../demo/random.js'
import { profileForRegion } from '../profiles/profiles.js'
import { ACT_FOR, applyingStep, chainOf } from '../proposals/chain.js'
import type { ChangeRequest } from '../proposals/change.schemas.js'
import { type AfterState, applyChanges, currentGrids, type GridState } from '../proposals/changes.js'
import { newCoverageIssues, validateTownship } from '../proposals/exactness.js'
import type { PolygonGeometry } from '../proposals/noding.js'
import { actOnProposal, createProposal } from '../proposals/proposals.service.js'
import type { ValidationIssue } from '../validation/report.schemas.js'

// Random edit sequences for the exactness property tests (server/proposals/exact-edits.test.ts,
// providence-edits.test.ts): splits, merges, corner drags (the web's own moveSharedVertex), Turf
// moves of a triangle to the neighbour and the fix buttons (the web's own fixChange) on the
// layer's faults, each checked at sliver tolerance 0 against the layer's report before the change.

const ADMIN: TokenClaims = { sub: 'admin', role: 'admin', region_prefix: '', scope_name: '全国' }

/** The township's report at sliver tolerance 0: every gap and overlap, however small, is an error. */
export const exactReport = (database: DatabaseHandle, township: string, grids: readonly GridState[]) =>
  validateTownship(database, township, grids, 'en', 0)
export const layerReport = async (database: DatabaseHandle, township: string) =>
  exactReport(database, township, await currentGrids(database.kysely, township))

type Rng = () => number
const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)] as T
export const positionKey = (p: Position) => `${p[0]},${p[1]}`
const k = positionKey

/** Directed edges of every grid, to tell shared edges (present reversed in another grid) from the outside. */
export function edgeOwners(after: Pick<AfterState, 'grids'>): Map<string, string> {
  const owners = new Map<string, string>()
  for (const grid of after.grids.values())
    for (const ring of ringsOf(grid.geometry as PolygonGeometry))
      for (let i = 0; i + 1 < ring.length; i++) owners.set(`${k(ring[i] as Position)}>${k(ring[i + 1] as Position)}`, grid.id)
  return owners
}

const sameCommunity = (after: AfterState, a: string, b: string) => after.grids.get(a)?.region_code === after.grids.get(b)?.region_code

/** Shared edges [from, to, grid, neighbour] between two grids of one community that both have codes (editable). */
function sharedEdges(after: AfterState): [Position, Position, string, string][] {
  const owners = edgeOwners(after)
  const out: [Position, Position, string, string][] = []
  for (const grid of after.grids.values()) {
    if (grid.code === null) continue
    for (const ring of ringsOf(grid.geometry as PolygonGeometry))
      for (let i = 0; i + 1 < ring.length; i++) {
        const [a, b] = [ring[i] as Position, ring[i + 1] as Position]
        const other = owners.get(`${k(b)}>${k(a)}`)
        if (other && !other.startsWith('new-') && sameCommunity(after, grid.id, other)) out.push([a, b, grid.id, other])
      }
  }
  return out
}

function splitEdit(rng: Rng, after: AfterState): ChangeRequest | null {
  const grids = [...after.grids.values()].filter((g) => g.code !== null)
  if (grids.length === 0) return null
  const grid = pick(rng, grids)
  const ring = ringsOf(grid.geometry as PolygonGeometry)[0] as Position[]
  const [a, b] = [pick(rng, ring), pick(rng, ring)]
  const t = 0.2 + rng() * 0.6
  const centre = [
    (a[0] as number) + ((b[0] as number) - (a[0] as number)) * t,
    (a[1] as number) + ((b[1] as number) - (a[1] as number)) * t,
  ]
  const angle = rng() * Math.PI
  const reach = 0.2
  const line = [
    [(centre[0] as number) - Math.cos(angle) * reach, (centre[1] as number) - Math.sin(angle) * reach],
    [(centre[0] as number) + Math.cos(angle) * reach, (centre[1] as number) + Math.sin(angle) * reach],
  ]
  return { op: 'split', grid: grid.id, line: { type: 'LineString', coordinates: line } } as ChangeRequest
}

function mergeEdit(rng: Rng, after: AfterState): ChangeRequest | null {
  const edges = sharedEdges(after)
  if (edges.length === 0) return null
  const [, , a, b] = pick(rng, edges)
  return { op: 'merge', grids: [a, b] } as ChangeRequest
}

const asFeature = (geometry: PolygonGeometry) => ({ type: 'Feature' as const, properties: {}, geometry })

/**
 * Whether a drag only moves the boundaries between the grids that share the corner: none folds
 * over itself, none reaches past what they covered together, none overlaps another. A drag
 * further than that — past the far corner of a short edge into a third grid — is a real overlap,
 * which the validator rightly reports: an edit to refuse, not a move (seen on Providence, a 21 m
 * drag past a 15 m edge: fixtures/drag/past-a-short-edge.input.geojson).
 */
export function staysWithin(before: readonly PolygonGeometry[], after: readonly PolygonGeometry[]): boolean {
  if (after.some((geometry) => kinks(asFeature(geometry)).features.length > 0)) return false
  const covered = before.length > 1 ? union(featureCollection(before.map(asFeature))) : asFeature(before[0] as PolygonGeometry)
  if (!covered || after.some((geometry) => difference(featureCollection([asFeature(geometry), covered])))) return false
  return after.every((a, i) => after.slice(i + 1).every((b) => !intersect(featureCollection([asFeature(a), asFeature(b)]))))
}

/**
 * Shared edges [from, to, grid, neighbour] whose first corner may be dragged: not on the
 * township's or a community's boundary (dragging those would move a region boundary).
 */
export function movableCorners(after: AfterState): [Position, Position, string, string][] {
  const owners = edgeOwners(after)
  const outside = new Set<string>()
  for (const [key, owner] of owners) {
    const [from, to] = key.split('>') as [string, string]
    const other = owners.get(`${to}>${from}`)
    if (other && sameCommunity(after, owner, other)) continue
    outside.add(from)
    outside.add(to)
  }
  return sharedEdges(after).filter(([a]) => !outside.has(k(a)))
}

/**
 * A drag of a corner (the first of a shared edge) a random fraction of a tenth of that edge's
 * length, as the editor does it: the vertex moves in every grid that has it. Null when it would
 * move a new grid's corner or reach past the grids that share it (staysWithin).
 */
export function cornerDrag(rng: Rng, after: AfterState, [a, b]: readonly [Position, Position, ...unknown[]]) {
  const step = Math.hypot((b[0] as number) - (a[0] as number), (b[1] as number) - (a[1] as number)) * 0.1 * rng()
  const angle = rng() * 2 * Math.PI
  const to = [(a[0] as number) + Math.cos(angle) * step, (a[1] as number) + Math.sin(angle) * step]
  const grids = [...after.grids.values()].map((g) => ({ id: g.id, geometry: g.geometry as PolygonGeometry }))
  const moved = moveSharedVertex(grids, a, to)
  if (moved.some((g) => g.id.startsWith('new-'))) return null
  const before = moved.map((g) => after.grids.get(g.id)?.geometry as PolygonGeometry)
  return staysWithin(
    before,
    moved.map((g) => g.geometry),
  )
    ? { from: a, to, moved }
    : null
}

/** A corner drag as the editor does it: the vertex moves in every grid that has it, each a reshape. */
function dragEdit(rng: Rng, after: AfterState): ChangeRequest[] {
  const edges = movableCorners(after)
  if (edges.length === 0) return []
  const drag = cornerDrag(rng, after, pick(rng, edges))
  return drag ? drag.moved.map((g) => ({ op: 'reshape', grid: g.id, geometry: g.geometry }) as ChangeRequest) : []
}

/** A fix as the editor's buttons make it (Turf union/difference): a small triangle on a shared edge moves to the neighbour. */
function turfFixEdit(rng: Rng, after: AfterState): ChangeRequest[] {
  const edges = sharedEdges(after)
  if (edges.length === 0) return []
  const [a, b, from, to] = pick(rng, edges)
  const [dx, dy] = [(b[0] as number) - (a[0] as number), (b[1] as number) - (a[1] as number)]
  // Inside `from`: rings are counter-clockwise, so the interior is to the left of a→b.
  const depth = 0.05 + rng() * 0.2
  const apex = [(a[0] as number) + dx / 2 - dy * depth, (a[1] as number) + dy / 2 + dx * depth]
  const triangle = polygon([[a, b, apex, a]])
  const geometry = (code: string) => asFeature(after.grids.get(code)?.geometry as PolygonGeometry)
  // A triangle reaching past `from` into a third grid would be a real overlap, not a move: an
  // edit nobody makes (seen on Providence's narrow grids; the demo's lattice cells are wide).
  if (difference(featureCollection([triangle, geometry(from)]))) return []
  const cut = difference(featureCollection([geometry(from), triangle]))
  const joined = union(featureCollection([geometry(to), triangle]))
  if (!cut || !joined) return []
  return [
    { op: 'reshape', grid: from, geometry: cut.geometry },
    { op: 'reshape', grid: to, geometry: joined.geometry },
  ] as ChangeRequest[]
}

/**
 * The editor's fix buttons (fixChange) on a fault of the layer (白沙镇's deliberate gap and
 * overlap): joins the gap to, or cuts the overlap from, one of the grids the issue names.
 */
function faultFixEdit(rng: Rng, after: AfterState, faults: ValidationIssue[]): ChangeRequest[] {
  const fixable = faults.filter((issue) => issue.feature_ids.some((id) => after.grids.get(id)?.code))
  if (fixable.length === 0) return []
  const issue = pick(rng, fixable)
  // Each fault is fixed once: joining a gap to both its neighbours would make it an overlap.
  faults.splice(faults.indexOf(issue), 1)
  const code = pick(
    rng,
    issue.feature_ids.filter((id) => after.grids.get(id)?.code),
  )
  const change = fixChange({ id: code, geometry: after.grids.get(code)?.geometry as PolygonGeometry }, issue)
  return change ? [change as ChangeRequest] : []
}

export const EDITS = [splitEdit, mergeEdit, dragEdit, turfFixEdit, faultFixEdit] as const

/**
 * One random sequence of `length` edits on a township; throws at the first edit whose after-state
 * has a gap or overlap (tolerance 0) the layer did not have. Returns the after-state, the changes
 * and how many edits of each kind it made.
 */
export async function runSequence(database: DatabaseHandle, seed: number, township: string, length: number) {
  const rng = seededRandom(seed)
  const base = await layerReport(database, township)
  const faults = base.issues.filter((issue) => (issue.code === 'gap' || issue.code === 'overlap') && issue.geometry)
  let changes: ChangeRequest[] = []
  let after = await applyChanges(database.kysely, township, changes)
  let edits = 0
  const kinds: Record<string, number> = {}
  for (let attempt = 0; edits < length && attempt < length * 4; attempt++) {
    const make = pick(rng, EDITS)
    const made = make(rng, after, faults)
    const edit = Array.isArray(made) ? made : made ? [made] : []
    if (edit.length === 0) continue
    try {
      after = await applyChanges(database.kysely, township, [...changes, ...edit])
    } catch {
      continue // a split line that misses, a merge of grids that only touch at a corner
    }
    changes = [...changes, ...edit]
    edits++
    kinds[make.name] = (kinds[make.name] ?? 0) + 1
    const fresh = newCoverageIssues(base, await exactReport(database, township, [...after.grids.values()]))
    if (fresh.length > 0)
      throw new Error(
        `seed ${seed}, edit ${edits} (${make.name}): ${JSON.stringify(edit).slice(0, 400)}\n${fresh.map((i) => i.message).join('\n')}`,
      )
  }
  return { after, changes, edits, kinds }
}

/** An exception request for each error the township keeps after `changes` (tests file what they made, faults and all). */
export async function exceptionsFor(database: DatabaseHandle, township: string, changes: readonly ChangeRequest[]) {
  const after = await applyChanges(database.kysely, township, changes)
  const report = await validateTownship(database, township, [...after.grids.values()], 'en')
  return report.issues
    .filter((issue) => issue.severity === 'error')
    .map((issue) => ({ code: issue.code, feature_ids: issue.feature_ids, reason: '测试' }))
}

/** Drafts a proposal for `changes` (with an exception for each error it keeps), then walks the chain to the end as admin. */
export async function fileProposal(database: DatabaseHandle, township: string, changes: ChangeRequest[]) {
  const region = township.padEnd(12, '0')
  const input = { region, title: '随机调整', reason: '测试', changes, exceptions: await exceptionsFor(database, township, changes) }
  const proposal = await createProposal(database, ADMIN, input, 'en')
  await walkChain(database, proposal.id, region)
}

/** Submits a draft of `region` and takes every step of its chain as admin, to the end (the change in force). */
export async function walkChain(database: DatabaseHandle, id: number, region: string) {
  const chain = chainOf(profileForRegion(region), false)
  await actOnProposal(database, ADMIN, id, 'submit', {}, 'en')
  for (let step = 1; step < chain.length; step++) {
    const act = ACT_FOR[(chain[step] as { action: keyof typeof ACT_FOR }).action]
    const filing = step === applyingStep(chain) ? { document_no: '白沙〔2026〕1号', effective_date: '2026-10-01' } : {}
    await actOnProposal(database, ADMIN, id, act, filing, 'en')
  }
}

/**
 * Random sequences of 12 edits until `wanted` edits are made (EXACT_EDITS overrides it, EXACT_SEED
 * replays a failure), sequence s on `townshipOf(s)`. Returns how many edits of each kind were made.
 */
export async function runManyEdits(database: DatabaseHandle, townshipOf: (sequence: number) => string, wanted = 200) {
  const seedBase = Number(process.env.EXACT_SEED ?? Date.now() % 1_000_000)
  const target = Number(process.env.EXACT_EDITS ?? wanted)
  const kinds: Record<string, number> = {}
  let total = 0
  for (let s = 0; total < target; s++) {
    const sequence = await runSequence(database, seedBase + s, townshipOf(s), 12)
    total += sequence.edits
    for (const [kind, count] of Object.entries(sequence.kinds)) kinds[kind] = (kinds[kind] ?? 0) + count
  }
  return { total, target, kinds }
}
