import type { Kysely } from 'kysely'
import type { Database } from '../db/database.js'
import { AppError } from '../http/errors.js'
import { codesLike, findCodeRecord, lockNumbering } from './codes.repository.js'
import {
  type CodeLayout,
  type GridKind,
  LAYOUT_IDS,
  MICRO_SUFFIX,
  type NumberedKind,
  PROVINCE_CODES,
  type SequenceBlock,
  getLayout,
} from './layouts.js'
import { inReadingOrder } from './reading-order.js'

// Code allocation at approval (docs/design.md, Codes), inside the approving transaction.
//
// - Comprehensive grids, in reading order (reading-order.ts), take the numbers after the highest
//   sequence ever used in their community — over ALL history in grid_codes, active or retired, so
//   a code is never given twice. Dedicated grids do the same in the layout's dedicated block
//   (cn-stat-15: 901–999). Micro-grids take the next 2-digit suffix under their parent grid.
// - When the numbers after the highest are used up, numbers of the block that were never used
//   (gaps left by imported data) are taken from the bottom; when none is left the block is
//   exhausted: 409 naming the community (or parent), the block and how many grids are waiting.
// - Nothing is written here: the codes are registered when the caller inserts the grid rows (the
//   trigger on grids), in the same transaction. An advisory lock per numbering space, held until
//   the transaction ends, keeps two approvals from computing the same numbers. Call this once per
//   community per transaction (or insert the grids before calling again).

export interface GridToNumber {
  /** The caller's id for the grid (a change's index, a temporary id…). */
  key: string
  kind: GridKind
  /** Interior point (ST_PointOnSurface) as [lng, lat], for the reading order. */
  interiorPoint: [number, number]
  /** Micro-grids: the code of their (existing) parent grid … */
  parentCode?: string
  /** … or the key of a parent grid numbered in the same request. */
  parentKey?: string
}

export interface NumberingRequest {
  /** 12-digit statistical code of the village/community (or township) the grids belong to. */
  regionCode: string
  /** Layout id (the profile's codeLayout) or the layout itself. */
  layout: string | CodeLayout
  grids: readonly GridToNumber[]
}

/** Numbers in use, per numbering space, as read from grid_codes. */
interface UsedNumbers {
  sequences: Record<NumberedKind, Set<number>>
  micro: Map<string, Set<number>>
}

/** Codes for the grids of a proposal being approved; key → code. See the header for the rules. */
export async function allocateGridCodes(trx: Kysely<Database>, request: NumberingRequest): Promise<Map<string, string>> {
  const { layout, regionCode, grids } = checkRequest(request)
  await lockNumbering(trx, `${layout.id}:${regionCode}`)
  const used: UsedNumbers = { sequences: { comprehensive: new Set(), dedicated: new Set() }, micro: new Map() }
  for (const kind of ['comprehensive', 'dedicated'] as const) {
    if (!grids.some((g) => g.kind === kind)) continue
    for (const code of await codesLike(trx, layout.sequencePattern(regionCode, kind))) {
      used.sequences[kind].add(layout.sequenceOf(code))
    }
  }
  const parents = [...new Set(grids.flatMap((g) => (g.kind === 'micro' && g.parentCode ? [g.parentCode] : [])))].sort()
  for (const parent of parents) {
    const record = await findCodeRecord(trx, parent)
    if (record?.status !== 'active') {
      const grid = grids.find((g) => g.parentCode === parent)!
      throw new AppError(400, 'grid_code_micro_parent_invalid', { key: grid.key, parent, region: regionCode, layout: layout.id })
    }
    await lockNumbering(trx, `micro:${parent}`)
    const suffixes = (await codesLike(trx, `${parent}${'_'.repeat(MICRO_SUFFIX.length)}`)).map((c) => Number(c.slice(parent.length)))
    used.micro.set(parent, new Set(suffixes))
  }
  return plan(layout, regionCode, grids, used)
}

/**
 * The codes an initial division of a community gets: comprehensive grids 001… (dedicated 901…,
 * micro-grids 01… under each parent) in reading order, without looking at the database. A
 * preview for drafts; at approval call allocateGridCodes, which gives exactly these codes when
 * the community (and each parent) has never had a code, and the next never-used ones otherwise.
 */
export function firstFilingOrder(request: NumberingRequest): Map<string, string> {
  const { layout, regionCode, grids } = checkRequest(request)
  return plan(layout, regionCode, grids, { sequences: { comprehensive: new Set(), dedicated: new Set() }, micro: new Map() })
}

/** Resolves the layout and refuses (400) a request that cannot be numbered. */
function checkRequest(request: NumberingRequest) {
  const layout = typeof request.layout === 'string' ? getLayout(request.layout) : request.layout
  if (!layout) {
    throw new AppError(400, 'grid_code_layout_unknown', { layout: String(request.layout), layouts: LAYOUT_IDS.join(', ') })
  }
  const { regionCode } = request
  if (!/^[0-9]{12}$/.test(regionCode) || !PROVINCE_CODES.has(regionCode.slice(0, 2)) || regionCode.slice(6, 9) === '000') {
    throw new AppError(400, 'grid_code_region_invalid', { region: regionCode })
  }
  const keys = new Set<string>()
  for (const grid of request.grids) {
    if (keys.has(grid.key)) throw new AppError(400, 'grid_code_key_duplicate', { key: grid.key })
    keys.add(grid.key)
  }
  const byKey = new Map(request.grids.map((g) => [g.key, g]))
  for (const grid of request.grids) {
    if (grid.kind !== 'micro') continue
    const invalid = () =>
      new AppError(400, 'grid_code_micro_parent_invalid', {
        key: grid.key,
        parent: grid.parentCode ?? grid.parentKey ?? '',
        region: regionCode,
        layout: layout.id,
      })
    if ((grid.parentCode === undefined) === (grid.parentKey === undefined)) throw invalid()
    if (grid.parentKey !== undefined) {
      if (byKey.get(grid.parentKey)?.kind === 'micro' || !byKey.has(grid.parentKey)) throw invalid()
    } else {
      const parent = layout.decode(grid.parentCode!)
      if (!parent.ok || parent.value.kind === 'micro' || parent.value.regionCode !== regionCode) throw invalid()
    }
  }
  return { layout, regionCode, grids: request.grids }
}

function plan(layout: CodeLayout, regionCode: string, grids: readonly GridToNumber[], used: UsedNumbers): Map<string, string> {
  const codes = new Map<string, string>()
  for (const kind of ['comprehensive', 'dedicated'] as const) {
    const ordered = inReadingOrder(grids.filter((g) => g.kind === kind).map((g) => ({ ...g, point: g.interiorPoint })))
    if (ordered.length === 0) continue
    const block = layout.blocks[kind]
    const numbers = nextNumbers(used.sequences[kind], block, ordered.length)
    if (!numbers) {
      throw new AppError(409, `grid_code_block_exhausted_${kind}`, {
        region: regionCode,
        layout: layout.id,
        from: pad(block.min, layout),
        to: pad(block.max, layout),
        count: ordered.length,
      })
    }
    for (const [i, grid] of ordered.entries()) codes.set(grid.key, layout.compose({ regionCode, kind, sequence: numbers[i]! }))
  }
  const micro = grids.filter((g) => g.kind === 'micro')
  const byParent = new Map<string, GridToNumber[]>()
  for (const grid of micro) {
    const parent = grid.parentCode ?? codes.get(grid.parentKey!)!
    byParent.set(parent, [...(byParent.get(parent) ?? []), grid])
  }
  for (const [parent, children] of byParent) {
    const ordered = inReadingOrder(children.map((g) => ({ ...g, point: g.interiorPoint })))
    const numbers = nextNumbers(used.micro.get(parent) ?? new Set(), MICRO_SUFFIX, ordered.length)
    if (!numbers) {
      throw new AppError(409, 'grid_code_block_exhausted_micro', {
        parent,
        from: String(MICRO_SUFFIX.min).padStart(MICRO_SUFFIX.length, '0'),
        to: String(MICRO_SUFFIX.max).padStart(MICRO_SUFFIX.length, '0'),
        count: ordered.length,
      })
    }
    for (const [i, grid] of ordered.entries()) codes.set(grid.key, layout.composeMicro(parent, numbers[i]!))
  }
  return codes
}

/**
 * `count` numbers of `block` never used: first those after the highest used one, ascending, then
 * never-used gaps from the bottom of the block; undefined when there are not enough.
 */
export function nextNumbers(used: ReadonlySet<number>, block: SequenceBlock, count: number): number[] | undefined {
  let highest = block.min - 1
  for (const n of used) if (n >= block.min && n <= block.max && n > highest) highest = n
  const numbers: number[] = []
  for (let n = highest + 1; n <= block.max && numbers.length < count; n++) numbers.push(n)
  for (let n = block.min; n <= highest && numbers.length < count; n++) if (!used.has(n)) numbers.push(n)
  return numbers.length === count ? numbers : undefined
}

function pad(n: number, layout: CodeLayout): string {
  return String(n).padStart(layout.sequenceLength, '0')
}
