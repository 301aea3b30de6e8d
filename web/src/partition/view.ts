import type {
  GridProps,
  PartitionChange,
  PartitionExplanation,
  PartitionGridProps,
  PartitionRequest,
  PartitionResponse,
  PartitionSummary,
  RegionCollection,
  RegionProps,
} from '../api/types'
import { tabsFor } from '../workspace/state'
import { EXPLANATION_CODES } from '../../../server/partition/partition.schemas'

// The pure part of 自动划分: the form's defaults and the request it sends, and what the preview
// shows (summary figures, explanations, the list of grids) as i18n keys and values. No DOM and no
// translation here, so all of it is unit-tested (view.test.ts).

/** The form as typed: text fields stay text until the request is built. */
export interface PartitionForm {
  keepExisting: boolean
  min: string
  max: string
  seed: string
}

/**
 * The form a community opens with: keep today's grids when it has any (redrawing a divided
 * community from scratch moves every household); the range of its grids' profile when the loaded
 * grids carry one (all alike), else empty, which lets the server use the region's profile.
 */
export function defaultForm(communityGrids: readonly Pick<GridProps, 'households_min' | 'households_max'>[]): PartitionForm {
  const mins = new Set(communityGrids.map((g) => g.households_min))
  const maxes = new Set(communityGrids.map((g) => g.households_max))
  const [min] = mins
  const [max] = maxes
  const known = mins.size === 1 && maxes.size === 1 && typeof min === 'number' && typeof max === 'number'
  return { keepExisting: communityGrids.length > 0, min: known ? String(min) : '', max: known ? String(max) : '', seed: '' }
}

export type FormProblem =
  | 'partition.form.rangeBoth'
  | 'partition.form.rangeWhole'
  | 'partition.form.rangeOrder'
  | 'partition.form.seedWhole'

const WHOLE = /^\d+$/
/** The seed is an unsigned 32-bit integer (the server's PRNG state). */
const MAX_SEED = 4_294_967_295

/** The request body of the form for `region`, or the first thing wrong with the form (an i18n key). */
export function requestOf(region: string, form: PartitionForm): { body: PartitionRequest } | { problem: FormProblem } {
  const min = form.min.trim()
  const max = form.max.trim()
  const seed = form.seed.trim()
  const body: PartitionRequest = { region, keep_existing: form.keepExisting }
  if (min || max) {
    if (!min || !max) return { problem: 'partition.form.rangeBoth' }
    if (!WHOLE.test(min) || !WHOLE.test(max) || Number(min) < 1) return { problem: 'partition.form.rangeWhole' }
    if (Number(min) > Number(max)) return { problem: 'partition.form.rangeOrder' }
    body.range = { min: Number(min), max: Number(max) }
  }
  if (seed) {
    if (!WHOLE.test(seed) || Number(seed) > MAX_SEED) return { problem: 'partition.form.seedWhole' }
    body.seed = Number(seed)
  }
  return { body }
}

/**
 * 生成草稿: the same request as the preview, with the seed the preview was made with, so the
 * draft has the grids on screen.
 */
export function draftRequestOf(previewed: PartitionRequest, answer: Pick<PartitionResponse, 'summary'>): PartitionRequest {
  return { ...previewed, seed: answer.summary.seed, create_draft: true }
}

export interface SummaryRow {
  /** i18n key of the label. */
  key: string
  /** The figure as shown (numbers are the same in every language); '—' when not measured. */
  value: string
  /** The figure is a concern (grids out of range). */
  warn?: boolean
}

const pct = (value: number | null, digits = 0) => (value === null || !Number.isFinite(value) ? '—' : `${value.toFixed(digits)}%`)
const round1 = (value: number) => (Math.round(value * 10) / 10).toString()

/**
 * The summary panel: grids, share in range, mean compactness (Polsby-Popper), share of grid
 * boundaries on roads, households moved and grids unchanged (those two only when today's grids were kept).
 */
export function summaryRows(s: PartitionSummary): SummaryRow[] {
  return [
    { key: 'partition.summary.grids', value: String(s.grids) },
    { key: 'partition.summary.inRange', value: pct(s.in_range_pct, s.in_range_pct % 1 ? 1 : 0), warn: s.in_range_pct < 100 },
    { key: 'partition.summary.compactness', value: s.mean_polsby_popper.toFixed(2) },
    { key: 'partition.summary.roadShare', value: s.road_boundary_share === null ? '—' : pct(s.road_boundary_share * 100) },
    { key: 'partition.summary.moved', value: s.households_moved_pct === null ? '—' : `${round1(s.households_moved_pct)}%` },
    { key: 'partition.summary.unchanged', value: pct(s.unchanged_grids_pct) },
  ]
}

/** How an explanation names grids: each as the map labels it, joined ("第三网格、第四网格"). */
export interface GridNaming {
  /** A grid by its number: the name it keeps or gets, else its number ("7 号网格"). */
  gridLabel(number: number): string
  /** Between the grids of a list: "、" in Chinese, ", " in English. */
  separator: string
  /** After the first grids of a long list: "等 9 个网格" (`total` is the whole list's length). */
  more(total: number): string
}

/** Lists longer than this name their first grids and the count: the map shows them all. */
const LIST_AT_MOST = 6

function gridList(value: unknown, naming: GridNaming): string {
  const numbers = Array.isArray(value) ? value : [value]
  const shown = numbers.length > LIST_AT_MOST ? numbers.slice(0, LIST_AT_MOST - 2) : numbers
  const names = shown.map((n) => naming.gridLabel(Number(n))).join(naming.separator)
  return shown.length < numbers.length ? `${names} ${naming.more(numbers.length)}` : names
}

/** A count from a parameter that may be a count or the list itself (the units of a part). */
const countOf = (value: unknown): number => (Array.isArray(value) ? value.length : Number(value))

/** A point as "lng, lat" (6 decimals, about 0.1 m); other values as they are. */
function pointText(value: unknown): string {
  if (Array.isArray(value) && value.length >= 2 && value.every((n) => typeof n === 'number')) {
    return `${(value[0] as number).toFixed(6)}, ${(value[1] as number).toFixed(6)}`
  }
  if (value && typeof value === 'object' && 'coordinates' in value) return pointText((value as { coordinates: unknown }).coordinates)
  return String(value)
}

/** Codes the web words itself; any other falls back to the server's message. */
const KNOWN = new Set<string>(EXPLANATION_CODES)

/**
 * An explanation as the web words it: the i18n key `partition.explain.<code>` and its parameters
 * made readable (a unit's id means nothing to a clerk and is left out; the grids it names are
 * named as on the map; the time budget in seconds). Null for a code this web does not know:
 * show the server's `message` (already in the request's language) instead.
 */
export function explanationOf(
  e: Pick<PartitionExplanation, 'code' | 'params'>,
  naming: GridNaming,
): { key: string; params: Record<string, string | number> } | null {
  if (!KNOWN.has(e.code)) return null
  const p = e.params
  const params: Record<string, string | number> = {}
  for (const name of ['households', 'min', 'max'] as const) if (p[name] !== undefined) params[name] = Number(p[name])
  if (p.grid !== undefined) params.grid = gridList(p.grid, naming)
  if (p.grids !== undefined) {
    params.grids = gridList(p.grids, naming)
    params.gridCount = countOf(p.grids)
  }
  if (p.units !== undefined) params.units = countOf(p.units)
  if (p.budget_ms !== undefined) params.seconds = round1(Number(p.budget_ms) / 1000)
  if (p.node !== undefined) params.node = pointText(p.node)
  return { key: `partition.explain.${e.code}`, params }
}

export type GridChange = PartitionChange['change']

export interface GridRow {
  number: number
  name: string | null
  households: number
  inRange: boolean
  /** Kept as it is, reshaped, or new (today's code it takes over, if any). */
  change: Exclude<GridChange, 'retired'>
  code: string | null
}

/** How a proposed grid relates to today's: from the answer's `changes`, else from its own properties. */
export function changeOf(grid: PartitionGridProps, changes: readonly PartitionChange[] | undefined): Exclude<GridChange, 'retired'> {
  const listed = changes?.find((c) => c.number === grid.number)?.change
  if (listed && listed !== 'retired') return listed
  if (!grid.existing_code) return 'new'
  return grid.unchanged ? 'unchanged' : 'reshaped'
}

/** The list under the summary: every proposed grid in coding order. */
export function gridRows(answer: Pick<PartitionResponse, 'features' | 'changes'>): GridRow[] {
  return answer.features
    .map((f) => f.properties)
    .sort((a, b) => a.number - b.number)
    .map((g) => ({
      number: g.number,
      name: g.name,
      households: g.households,
      inRange: g.in_range,
      change: changeOf(g, answer.changes),
      code: g.existing_code,
    }))
}

/** Today's grids the proposal would retire (their households go to the grids around them). */
export function retiredCodes(changes: readonly PartitionChange[] | undefined): string[] {
  return (changes ?? []).filter((c) => c.change === 'retired' && c.code).map((c) => c.code as string)
}

/** Counts of kept / reshaped / new grids, for the list's heading. */
export function changeCounts(rows: readonly GridRow[]): Record<GridRow['change'], number> {
  const counts = { unchanged: 0, reshaped: 0, new: 0 }
  for (const row of rows) counts[row.change]++
  return counts
}

/** The communities of a township that 自动划分 can work on (those with a boundary), in code order. */
export function communitiesOf(regions: RegionCollection, township: string): RegionProps[] {
  return regions.features
    .filter((f) => f.properties.level === 5 && f.properties.parent_code === township && f.geometry !== null)
    .map((f) => f.properties)
    .sort((a, b) => a.code.localeCompare(b.code))
}

/**
 * Who is offered 自动划分: the roles the editor is for (drafting is proposing). Whether the
 * region's approval chain lets this role propose is the server's to say (a 403 with its reason).
 */
export function mayAutoPartition(role: string | undefined): boolean {
  return !!role && tabsFor(role).includes('editor')
}

/**
 * Whether the answer leaves the community as it is (every grid kept, none retired): a draft of it
 * would hold no change, so 生成草稿 is not offered.
 */
export function changesNothing(answer: Pick<PartitionResponse, 'features' | 'changes'>): boolean {
  if (!answer.features.length) return false
  if (answer.changes?.some((c) => c.change !== 'unchanged')) return false
  return answer.features.every((f) => f.properties.unchanged === true)
}

/** A grid's name without its community's ("明珠社区第二网格" → "第二网格"), as the map's own labels do. */
export function shortName(name: string | null, communityName: string | null): string | null {
  if (!name) return null
  return communityName && name.startsWith(communityName) && name.length > communityName.length ? name.slice(communityName.length) : name
}
