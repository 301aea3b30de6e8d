import type { GridKind } from '../grids/kinds.js'

// Grid code layouts as data (docs/design.md, Codes). A layout is a list of parts, each with a length and
// a source: a slice of the 12-digit statistical division code of the grid's village/community
// (2 province + 2 city + 2 county + 3 township + 3 village/community), an object-class code chosen
// by grid kind, or the grid's sequence number. `compose` and `decode` are driven by that list only;
// adding a layout means adding a data object below, not code.
//
// Every layout numbers micro-grids (微网格) by appending MICRO_SUFFIX digits (01–99) to the code of
// their parent grid, so a micro-grid code is always `parent code + 2 digits`.
//
// Layouts shipped:
// - cn-stat-15 (default): 12-digit village/community code + 3-digit sequence. Comprehensive grids
//   take 001–900, dedicated grids the block 901–999 (the kind is read from the block).
// - bj-db11-15 (北京 DB11/T 2157-2023 单元网格标识码): 6 district (区级及以上行政区划代码) + 3 street
//   (街道/乡镇) + 3 community (社区/村) + 3 sequence, numbered west→east, north→south within a
//   community. Derived from the statistical code, its digits are those of cn-stat-15 (the 6-digit
//   district code is the statistical code's province+city+county); the layout exists so that a
//   profile can name the standard it follows. Same blocks as cn-stat-15.
// - cjt349-20 (CJ/T 349-2010 数字社区管理与服务 网格划分与编码规则): positions 1–6 管理或服务对象代码,
//   7–12 county-level division code (GB/T 2260), 13–15 street (乡镇/街道), 16–18 community,
//   19–20 sequence. Mapping chosen here: the object code carries the grid KIND (the "type digit"
//   alternative of docs/design.md), 010100 for comprehensive grids and 010200 for dedicated grids —
//   major class 01 "网格" with its last two digits 00 as CJ/T 349 §5.3 asks of a class code. The
//   values stand in for CJ/T 348-2010 object codes, which are not in the seeds; a province adopting
//   the layout would put its own codes here. Each kind then numbers its own 01–99. The standard's
//   sequence 00 ("community not subdivided") and community codes 601+ for merged communities are
//   not produced: a grid always belongs to one community and sequences start at 01.

export type { GridKind }
/** Kinds that own a sequence number; micro-grids are numbered under their parent instead. */
export type NumberedKind = Exclude<GridKind, 'micro'>

export interface SequenceBlock {
  min: number
  max: number
}

export type PartSource =
  /** Digits [start, end) of the 12-digit statistical division code. */
  | { from: 'region'; start: number; end: number }
  /** The layout's object-class code for the grid's kind (objectCodes). */
  | { from: 'object' }
  /** The grid's sequence number in its community, zero-padded. */
  | { from: 'sequence' }

export interface LayoutPart {
  /** The part's name in the standard the layout follows. */
  name: string
  length: number
  source: PartSource
  zh: string
  en: string
}

export interface LayoutData {
  id: string
  name: { zh: string; en: string }
  /** The standard or rule the layout follows. */
  standard: string
  parts: readonly LayoutPart[]
  /** Sequence numbers each kind may take. Blocks of kinds that share one code pattern must not overlap. */
  blocks: Record<NumberedKind, SequenceBlock>
  /** Object-class code per kind, for layouts with an `object` part. */
  objectCodes?: Record<NumberedKind, string>
}

/** The standard hierarchy of a decoded code, whatever the layout's own parts are. */
export interface CodeParts {
  province: string
  city: string
  county: string
  township: string
  community: string
  sequence: string
  micro?: string
  object?: string
}

export interface DecodedCode {
  code: string
  layout: string
  /** 12-digit statistical code of the village/community (or township) the grid belongs to. */
  regionCode: string
  parts: CodeParts
  kind: GridKind
  sequence: number
  /** Code of the parent grid, for micro-grids. */
  parentCode?: string
}

/** Why a code cannot be decoded; `reason` is stable, params fill the message. */
export type CodeProblemReason =
  | 'not_digits'
  | 'length'
  | 'province_unknown'
  | 'township_zero'
  | 'sequence_zero'
  | 'sequence_block'
  | 'micro_zero'
  | 'object_unknown'

export interface CodeProblem {
  reason: CodeProblemReason
  params: Record<string, string | number>
}

export type DecodeResult = { ok: true; value: DecodedCode } | { ok: false; problem: CodeProblem }

export interface ComposeInput {
  regionCode: string
  kind: NumberedKind
  sequence: number
}

export interface CodeLayout extends LayoutData {
  /** Total digits of a comprehensive or dedicated grid's code; micro-grids add MICRO_SUFFIX.length. */
  length: number
  /** Digits of the sequence part. */
  sequenceLength: number
  compose(input: ComposeInput): string
  /** The code of the micro-grid numbered `suffix` under `parentCode`. */
  composeMicro(parentCode: string, suffix: number): string
  /** A SQL LIKE pattern matching every code of the kind's pattern in the region (sequence digits as `_`). */
  sequencePattern(regionCode: string, kind: NumberedKind): string
  /** The sequence number in a code of this layout's base length. */
  sequenceOf(code: string): number
  decode(code: string): DecodeResult
}

export const MICRO_SUFFIX = { length: 2, min: 1, max: 99 } as const

/**
 * Province codes of GB/T 2260 (incl. 71 Taiwan, 81 Hong Kong, 82 Macao) and the demo province 99,
 * which no real province has (docs/design.md, Domain).
 */
export const PROVINCE_CODES: ReadonlySet<string> = new Set([
  '11',
  '12',
  '13',
  '14',
  '15',
  '21',
  '22',
  '23',
  '31',
  '32',
  '33',
  '34',
  '35',
  '36',
  '37',
  '41',
  '42',
  '43',
  '44',
  '45',
  '46',
  '50',
  '51',
  '52',
  '53',
  '54',
  '61',
  '62',
  '63',
  '64',
  '65',
  '71',
  '81',
  '82',
  '99',
])

const region = (start: number, end: number): PartSource => ({ from: 'region', start, end })

export const LAYOUT_DATA: readonly LayoutData[] = [
  {
    id: 'cn-stat-15',
    name: { zh: '统计用区划代码 + 网格顺序码（15 位）', en: 'statistical division code + grid sequence (15 digits)' },
    standard: '统计用区划代码（国统字〔2009〕91 号）+ 3 位网格顺序码',
    parts: [
      { name: 'province', length: 2, source: region(0, 2), zh: '省级代码', en: 'province' },
      { name: 'city', length: 2, source: region(2, 4), zh: '地级代码', en: 'city' },
      { name: 'county', length: 2, source: region(4, 6), zh: '县级代码', en: 'county' },
      { name: 'township', length: 3, source: region(6, 9), zh: '乡级代码', en: 'township' },
      { name: 'community', length: 3, source: region(9, 12), zh: '村级代码', en: 'village/community' },
      { name: 'sequence', length: 3, source: { from: 'sequence' }, zh: '网格顺序码', en: 'grid sequence' },
    ],
    blocks: { comprehensive: { min: 1, max: 900 }, dedicated: { min: 901, max: 999 } },
  },
  {
    id: 'bj-db11-15',
    name: { zh: '北京 DB11/T 2157 单元网格标识码（15 位）', en: 'Beijing DB11/T 2157 unit grid code (15 digits)' },
    standard: 'DB11/T 2157-2023 §5.2',
    parts: [
      { name: 'district', length: 6, source: region(0, 6), zh: '区级及区级以上行政区划代码', en: 'district and above' },
      { name: 'street', length: 3, source: region(6, 9), zh: '街道（乡镇）代码', en: 'street (township)' },
      { name: 'community', length: 3, source: region(9, 12), zh: '社区（村）代码', en: 'community (village)' },
      { name: 'sequence', length: 3, source: { from: 'sequence' }, zh: '单元网格顺序码', en: 'unit grid sequence' },
    ],
    blocks: { comprehensive: { min: 1, max: 900 }, dedicated: { min: 901, max: 999 } },
  },
  {
    id: 'cjt349-20',
    name: { zh: 'CJ/T 349 专业网格编码（20 位）', en: 'CJ/T 349 grid code (20 digits)' },
    standard: 'CJ/T 349-2010 §5',
    parts: [
      { name: 'object', length: 6, source: { from: 'object' }, zh: '管理或服务对象代码', en: 'managed/served object' },
      { name: 'county', length: 6, source: region(0, 6), zh: '县级及县级以上行政区划代码', en: 'county and above' },
      { name: 'street', length: 3, source: region(6, 9), zh: '街道（乡镇）代码', en: 'street (township)' },
      { name: 'community', length: 3, source: region(9, 12), zh: '社区代码', en: 'community' },
      { name: 'sequence', length: 2, source: { from: 'sequence' }, zh: '专业网格顺序码', en: 'grid sequence' },
    ],
    blocks: { comprehensive: { min: 1, max: 99 }, dedicated: { min: 1, max: 99 } },
    objectCodes: { comprehensive: '010100', dedicated: '010200' },
  },
]

/** Problems with a layout's data, one sentence each; empty when it is sound. */
export function checkLayout(data: LayoutData): string[] {
  const problems: string[] = []
  const at = `layout ${data.id}`
  const covered = new Array<number>(12).fill(0)
  let sequences = 0
  for (const part of data.parts) {
    if (!Number.isInteger(part.length) || part.length < 1) problems.push(`${at}: part ${part.name} needs a length`)
    if (part.source.from === 'region') {
      if (part.source.end - part.source.start !== part.length) problems.push(`${at}: part ${part.name} slice ≠ length`)
      for (let i = part.source.start; i < part.source.end; i++) covered[i] = (covered[i] ?? 0) + 1
    } else if (part.source.from === 'sequence') {
      sequences++
      const max = 10 ** part.length - 1
      for (const [kind, block] of Object.entries(data.blocks)) {
        if (block.min < 1 || block.max > max || block.min > block.max) problems.push(`${at}: ${kind} block outside 1–${max}`)
      }
    } else {
      const codes = Object.values(data.objectCodes ?? {})
      if (codes.length !== 2 || codes.some((c) => c.length !== part.length || !/^[0-9]+$/.test(c)) || codes[0] === codes[1]) {
        problems.push(`${at}: object part needs two distinct ${part.length}-digit objectCodes`)
      }
    }
  }
  if (covered.some((n) => n !== 1)) problems.push(`${at}: region parts must cover the 12-digit code exactly once`)
  if (sequences !== 1) problems.push(`${at}: exactly one sequence part`)
  if (!data.parts.some((p) => p.source.from === 'object')) {
    const { comprehensive: c, dedicated: d } = data.blocks
    if (c.max >= d.min && d.max >= c.min) problems.push(`${at}: without an object part the kinds' blocks must not overlap`)
  }
  return problems
}

function makeLayout(data: LayoutData): CodeLayout {
  const problems = checkLayout(data)
  if (problems.length > 0) throw new Error(problems.join('; '))
  const length = data.parts.reduce((sum, p) => sum + p.length, 0)
  const offsets: number[] = []
  let offset = 0
  for (const part of data.parts) {
    offsets.push(offset)
    offset += part.length
  }
  const sequenceIndex = data.parts.findIndex((p) => p.source.from === 'sequence')
  const sequencePart = data.parts[sequenceIndex]!
  const sequenceOffset = offsets[sequenceIndex]!

  const build = (regionCode: string, kind: NumberedKind, sequenceDigits: string) =>
    data.parts
      .map((part) => {
        switch (part.source.from) {
          case 'region':
            return regionCode.slice(part.source.start, part.source.end)
          case 'object':
            return data.objectCodes![kind]
          default:
            return sequenceDigits
        }
      })
      .join('')

  const sequenceOf = (code: string) => Number(code.slice(sequenceOffset, sequenceOffset + sequencePart.length))

  const layout: CodeLayout = {
    ...data,
    length,
    sequenceLength: sequencePart.length,
    compose({ regionCode, kind, sequence }) {
      if (!/^[0-9]{12}$/.test(regionCode)) throw new RangeError(`region code ${regionCode} is not 12 digits`)
      const block = data.blocks[kind]
      if (!Number.isInteger(sequence) || sequence < block.min || sequence > block.max) {
        throw new RangeError(`${kind} sequence ${sequence} is outside ${block.min}–${block.max} in layout ${data.id}`)
      }
      return build(regionCode, kind, String(sequence).padStart(sequencePart.length, '0'))
    },
    composeMicro(parentCode, suffix) {
      if (parentCode.length !== length) throw new RangeError(`parent ${parentCode} is not a ${length}-digit ${data.id} code`)
      if (!Number.isInteger(suffix) || suffix < MICRO_SUFFIX.min || suffix > MICRO_SUFFIX.max) {
        throw new RangeError(`micro-grid suffix ${suffix} is outside ${MICRO_SUFFIX.min}–${MICRO_SUFFIX.max}`)
      }
      return `${parentCode}${String(suffix).padStart(MICRO_SUFFIX.length, '0')}`
    },
    sequencePattern(regionCode, kind) {
      return build(regionCode, kind, '_'.repeat(sequencePart.length))
    },
    sequenceOf,
    decode(code) {
      const fail = (reason: CodeProblemReason, params: Record<string, string | number> = {}): DecodeResult => ({
        ok: false,
        problem: { reason, params: { code, layout: data.id, ...params } },
      })
      if (!/^[0-9]+$/.test(code)) return fail('not_digits', { position: firstNonDigit(code) })
      if (code.length !== length && code.length !== length + MICRO_SUFFIX.length) {
        return fail('length', { length: code.length, expected: `${length} / ${length + MICRO_SUFFIX.length}` })
      }
      const base = code.slice(0, length)
      const regionDigits = new Array<string>(12).fill('0')
      let kind: NumberedKind | undefined
      let object: string | undefined
      for (const [i, part] of data.parts.entries()) {
        const digits = base.slice(offsets[i], offsets[i]! + part.length)
        if (part.source.from === 'region') regionDigits.splice(part.source.start, part.length, ...digits)
        if (part.source.from === 'object') {
          object = digits
          const found = (Object.entries(data.objectCodes ?? {}) as [NumberedKind, string][]).find(([, c]) => c === digits)
          if (!found) return fail('object_unknown', { object: digits, expected: Object.values(data.objectCodes ?? {}).join(' / ') })
          kind = found[0]
        }
      }
      const regionCode = regionDigits.join('')
      const province = regionCode.slice(0, 2)
      if (!PROVINCE_CODES.has(province)) return fail('province_unknown', { province })
      if (regionCode.slice(6, 9) === '000') return fail('township_zero')
      const sequence = sequenceOf(base)
      if (sequence === 0) return fail('sequence_zero', { sequence: base.slice(sequenceOffset, sequenceOffset + sequencePart.length) })
      if (kind === undefined) {
        kind = (Object.entries(data.blocks) as [NumberedKind, SequenceBlock][]).find(([, b]) => sequence >= b.min && sequence <= b.max)?.[0]
      } else {
        const block = data.blocks[kind]
        if (sequence < block.min || sequence > block.max) kind = undefined
      }
      if (kind === undefined) return fail('sequence_block', { sequence })
      const parts: CodeParts = {
        province,
        city: regionCode.slice(2, 4),
        county: regionCode.slice(4, 6),
        township: regionCode.slice(6, 9),
        community: regionCode.slice(9, 12),
        sequence: base.slice(sequenceOffset, sequenceOffset + sequencePart.length),
        ...(object === undefined ? {} : { object }),
      }
      if (code.length === length) return { ok: true, value: { code, layout: data.id, regionCode, parts, kind, sequence } }
      const micro = code.slice(length)
      if (Number(micro) === 0) return fail('micro_zero', { micro })
      return {
        ok: true,
        value: { code, layout: data.id, regionCode, parts: { ...parts, micro }, kind: 'micro', sequence, parentCode: base },
      }
    },
  }
  return Object.freeze(layout)
}

function firstNonDigit(code: string): number {
  const index = [...code].findIndex((ch) => !/[0-9]/.test(ch))
  return index + 1
}

export const LAYOUTS: readonly CodeLayout[] = Object.freeze(LAYOUT_DATA.map(makeLayout))
const BY_ID = new Map(LAYOUTS.map((l) => [l.id, l]))

export const DEFAULT_LAYOUT_ID = 'cn-stat-15'
export const LAYOUT_IDS = LAYOUTS.map((l) => l.id)

export function getLayout(id: string): CodeLayout | undefined {
  return BY_ID.get(id)
}

/** Every code length some layout accepts (base and micro), ascending. */
export const CODE_LENGTHS: readonly number[] = [...new Set(LAYOUTS.flatMap((l) => [l.length, l.length + MICRO_SUFFIX.length]))].sort(
  (a, b) => a - b,
)

/** Layouts a code of this length could belong to, in registry order (cn-stat-15 first). */
export function layoutsForLength(length: number): CodeLayout[] {
  return LAYOUTS.filter((l) => l.length === length || l.length + MICRO_SUFFIX.length === length)
}

/**
 * Decodes a code of any layout. Several layouts can share a length (cn-stat-15 and bj-db11-15);
 * `preferred` (a list of layout ids, first wins: the code's registered layout, the caller's
 * choice, the region's profile) picks among them, else registry order does.
 */
export function decodeCode(code: string, preferred: readonly (string | undefined)[] = []): DecodeResult {
  if (!/^[0-9]+$/.test(code)) {
    return { ok: false, problem: { reason: 'not_digits', params: { code, position: firstNonDigit(code) } } }
  }
  const candidates = layoutsForLength(code.length)
  if (candidates.length === 0) {
    return { ok: false, problem: { reason: 'length', params: { code, length: code.length, expected: CODE_LENGTHS.join(' / ') } } }
  }
  const chosen = preferred.map((id) => candidates.find((l) => l.id === id)).find((l) => l !== undefined) ?? candidates[0]!
  return chosen.decode(code)
}
