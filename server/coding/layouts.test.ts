import { describe, expect, it } from 'vitest'
import { firstFilingOrder, nextNumbers } from './allocate.js'
import { CODE_LENGTHS, LAYOUT_DATA, checkLayout, decodeCode, getLayout } from './layouts.js'
import { inReadingOrder } from './reading-order.js'

const REGION = '990101001001'
const layout = (id: string) => getLayout(id)!

describe('layouts as data', () => {
  it('ships three sound layouts', () => {
    for (const data of LAYOUT_DATA) expect(checkLayout(data)).toEqual([])
    expect(LAYOUT_DATA.map((l) => [l.id, getLayout(l.id)?.length])).toEqual([
      ['cn-stat-15', 15],
      ['bj-db11-15', 15],
      ['cjt349-20', 20],
    ])
    expect(CODE_LENGTHS).toEqual([15, 17, 20, 22])
  })

  it('reports broken layout data', () => {
    const base = LAYOUT_DATA[0]!
    expect(checkLayout({ ...base, parts: base.parts.slice(1) })).toContain(
      'layout cn-stat-15: region parts must cover the 12-digit code exactly once',
    )
    expect(checkLayout({ ...base, blocks: { comprehensive: { min: 1, max: 950 }, dedicated: { min: 901, max: 999 } } })).toContain(
      "layout cn-stat-15: without an object part the kinds' blocks must not overlap",
    )
  })

  it('cn-stat-15: 12-digit community code + sequence; dedicated block 901–999; micro +2 digits', () => {
    const l = layout('cn-stat-15')
    expect(l.compose({ regionCode: REGION, kind: 'comprehensive', sequence: 7 })).toBe('990101001001007')
    expect(l.compose({ regionCode: REGION, kind: 'dedicated', sequence: 901 })).toBe('990101001001901')
    expect(() => l.compose({ regionCode: REGION, kind: 'comprehensive', sequence: 901 })).toThrow(RangeError)
    expect(l.composeMicro('990101001001007', 3)).toBe('99010100100100703')
    const decoded = decodeCode('990101001001007')
    expect(decoded).toEqual({
      ok: true,
      value: {
        code: '990101001001007',
        layout: 'cn-stat-15',
        regionCode: REGION,
        parts: { province: '99', city: '01', county: '01', township: '001', community: '001', sequence: '007' },
        kind: 'comprehensive',
        sequence: 7,
      },
    })
    expect(decodeCode('990101001001902').ok && decodeCode('990101001001902')).toMatchObject({ value: { kind: 'dedicated' } })
    expect(decodeCode('99010100100100703')).toMatchObject({
      ok: true,
      value: { kind: 'micro', parentCode: '990101001001007', parts: { sequence: '007', micro: '03' } },
    })
  })

  it('bj-db11-15: 6 district + 3 street + 3 community + 3 sequence, from the statistical code', () => {
    const l = layout('bj-db11-15')
    expect(l.parts.map((p) => [p.name, p.length])).toEqual([
      ['district', 6],
      ['street', 3],
      ['community', 3],
      ['sequence', 3],
    ])
    const code = l.compose({ regionCode: '110105003012', kind: 'comprehensive', sequence: 12 })
    expect(code).toBe('110105003012012')
    expect(decodeCode(code, ['bj-db11-15'])).toMatchObject({
      ok: true,
      value: {
        layout: 'bj-db11-15',
        regionCode: '110105003012',
        parts: { province: '11', city: '01', county: '05', township: '003', community: '012', sequence: '012' },
      },
    })
    // Without a preference the 15-digit code reads as the default layout.
    expect(decodeCode(code)).toMatchObject({ ok: true, value: { layout: 'cn-stat-15' } })
  })

  it('cjt349-20: object code (kind) + 6 county + 3 street + 3 community + 2 sequence', () => {
    const l = layout('cjt349-20')
    const comprehensive = l.compose({ regionCode: REGION, kind: 'comprehensive', sequence: 4 })
    const dedicated = l.compose({ regionCode: REGION, kind: 'dedicated', sequence: 4 })
    expect(comprehensive).toBe('01010099010100100104')
    expect(dedicated).toBe('01020099010100100104')
    expect(decodeCode(comprehensive)).toMatchObject({
      ok: true,
      value: {
        layout: 'cjt349-20',
        kind: 'comprehensive',
        regionCode: REGION,
        parts: { object: '010100', province: '99', county: '01', township: '001', community: '001', sequence: '04' },
      },
    })
    expect(decodeCode(dedicated)).toMatchObject({ ok: true, value: { kind: 'dedicated', sequence: 4 } })
    expect(decodeCode(`${dedicated}11`)).toMatchObject({
      ok: true,
      value: { kind: 'micro', parentCode: dedicated, parts: { micro: '11' } },
    })
    expect(decodeCode('03030099010100100104')).toMatchObject({ ok: false, problem: { reason: 'object_unknown' } })
  })

  it('names what is wrong with a malformed code', () => {
    const reason = (code: string) => {
      const result = decodeCode(code)
      return result.ok ? 'ok' : [result.problem.reason, result.problem.params]
    }
    expect(reason('99010100100')).toEqual(['length', { code: '99010100100', length: 11, expected: '15 / 17 / 20 / 22' }])
    expect(reason('99010100100A001')).toEqual(['not_digits', { code: '99010100100A001', position: 12 }])
    expect(reason('990101001001000')).toMatchObject(['sequence_zero', { sequence: '000' }])
    expect(reason('000101001001001')).toMatchObject(['province_unknown', { province: '00' }])
    expect(reason('990101000000001')).toMatchObject(['township_zero', {}])
    expect(reason('99010100100100100')).toMatchObject(['micro_zero', { micro: '00' }])
    expect(reason('9901010010010001')).toMatchObject(['length', { length: 16 }])
  })
})

describe('reading order and first filing', () => {
  // Rows are 0.005° bands taken north → south; within a band west → east, even where the eastern
  // point lies a little further north (se, ne).
  const grids = [
    { key: 'se', kind: 'comprehensive' as const, interiorPoint: [113.02, 28.002] as [number, number] },
    { key: 'nw', kind: 'comprehensive' as const, interiorPoint: [113.0, 28.0105] as [number, number] },
    { key: 'sw', kind: 'comprehensive' as const, interiorPoint: [113.0, 28.001] as [number, number] },
    { key: 'ne', kind: 'comprehensive' as const, interiorPoint: [113.02, 28.011] as [number, number] },
    { key: 'school', kind: 'dedicated' as const, interiorPoint: [113.01, 28.0075] as [number, number] },
  ]

  it('numbers west→east, then north→south', () => {
    expect(inReadingOrder(grids.map((g) => ({ ...g, point: g.interiorPoint }))).map((g) => g.key)).toEqual([
      'nw',
      'ne',
      'school',
      'sw',
      'se',
    ])
    const codes = firstFilingOrder({ regionCode: REGION, layout: 'cn-stat-15', grids })
    expect(Object.fromEntries(codes)).toEqual({
      nw: '990101001001001',
      ne: '990101001001002',
      sw: '990101001001003',
      se: '990101001001004',
      school: '990101001001901',
    })
  })

  it('numbers micro-grids under a parent of the same request', () => {
    const codes = firstFilingOrder({
      regionCode: REGION,
      layout: 'cn-stat-15',
      grids: [
        { key: 'g', kind: 'comprehensive', interiorPoint: [113, 28] },
        { key: 'm-east', kind: 'micro', interiorPoint: [113.003, 28], parentKey: 'g' },
        { key: 'm-west', kind: 'micro', interiorPoint: [113.001, 28], parentKey: 'g' },
      ],
    })
    expect(Object.fromEntries(codes)).toEqual({ g: '990101001001001', 'm-west': '99010100100100101', 'm-east': '99010100100100102' })
  })

  it('takes the numbers after the highest used, then never-used gaps, else none', () => {
    const block = { min: 1, max: 10 }
    expect(nextNumbers(new Set([1, 2, 5]), block, 3)).toEqual([6, 7, 8])
    expect(nextNumbers(new Set([1, 2, 9]), block, 3)).toEqual([10, 3, 4])
    expect(nextNumbers(new Set([1, 2, 3, 4, 5, 6, 7, 8, 10]), block, 2)).toBeUndefined()
    expect(nextNumbers(new Set([950]), { min: 1, max: 900 }, 1)).toEqual([1])
  })
})
