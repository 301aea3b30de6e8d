import { describe, expect, it } from 'vitest'
import { type RuleProfile, getProfile } from '../profiles/profiles.js'
import { type SizingInput, householdIssues } from './sizing.js'

const profile = (id: string) => getProfile(id) as RuleProfile
const grid = (over: Partial<SizingInput> = {}): SizingInput => ({
  id: 'G1',
  kind: 'comprehensive',
  households: 250,
  population: 700,
  count_date: '2024-06-30',
  urban_rural: '111',
  ...over,
})

describe('householdIssues', () => {
  it('says nothing for grids within range, and never sizes dedicated or micro grids', () => {
    expect(householdIssues([grid(), grid({ households: 200 }), grid({ households: 500 })], profile('cn-default'), 'zh-CN')).toEqual([])
    expect(
      householdIssues([grid({ kind: 'dedicated', households: 3 }), grid({ kind: 'micro', households: null })], profile('cn-default'), 'en'),
    ).toEqual([])
  })

  it('below the minimum: an error naming grid, count, date and urban range (Chinese)', () => {
    const [issue, ...rest] = householdIssues(
      [grid({ id: '652301001001001', households: 150, population: 420 })],
      profile('changji'),
      'zh-CN',
    )
    expect(rest).toEqual([])
    expect(issue).toEqual({
      code: 'households_below_min',
      severity: 'error',
      message: '网格 652301001001001 有 150 户（统计日期 2024-06-30），少于城镇网格 200–300 户的下限（昌吉回族自治州）。',
      feature_ids: ['652301001001001'],
      details: {
        households: 150,
        population: 420,
        count_date: '2024-06-30',
        range: { min: 200, max: 300 },
        basis: 'urban',
        basis_assumed: false,
        profile: 'changji',
        source: '002 §6',
      },
    })
  })

  it('above the maximum: an error against the rural range (English)', () => {
    const [issue] = householdIssues([grid({ households: 380, urban_rural: '220' })], profile('changji'), 'en')
    expect(issue?.code).toBe('households_above_max')
    expect(issue?.severity).toBe('error')
    expect(issue?.message).toBe(
      'Grid G1 has 380 households (counted 2024-06-30), above the maximum for rural grids of 250–350 households (Changji Hui Autonomous Prefecture).',
    )
    expect(issue?.details).toMatchObject({ range: { min: 250, max: 350 }, basis: 'rural' })
    // 320 households is too many in a Changji city community but fine in a village.
    expect(householdIssues([grid({ households: 320, urban_rural: '220' })], profile('changji'), 'en')).toEqual([])
    expect(householdIssues([grid({ households: 320, urban_rural: '121' })], profile('changji'), 'en')[0]?.code).toBe('households_above_max')
  })

  it('unknown urban/rural class: sized as urban, and the message says so', () => {
    const [zh] = householdIssues([grid({ households: 320, urban_rural: null, count_date: null })], profile('changji'), 'zh-CN')
    expect(zh?.message).toBe(
      '网格 G1 有 320 户（统计日期不详），超过城镇网格 200–300 户的上限（昌吉回族自治州）。所在社区的城乡分类不详，已按城镇网格核对。',
    )
    expect(zh?.details).toMatchObject({ basis: 'urban', basis_assumed: true, count_date: null })
    const [en] = householdIssues([grid({ households: 320, urban_rural: null, count_date: null })], profile('changji'), 'en')
    expect(en?.message).toBe(
      "Grid G1 has 320 households (count date unknown), above the maximum for urban grids of 200–300 households (Changji Hui Autonomous Prefecture). The community's urban/rural class is unknown, so the urban range was used.",
    )
  })

  it('people alternative (003 §8: 300–500 户或者 1000 人左右): a grid within the people range complies', () => {
    const zigong = profile('zigong')
    expect(householdIssues([grid({ households: 280, population: 1000 })], zigong, 'zh-CN')).toEqual([])
    expect(householdIssues([grid({ households: 540, population: 1150 })], zigong, 'zh-CN')).toEqual([])
    const [out] = householdIssues([grid({ households: 280, population: 700 })], zigong, 'zh-CN')
    expect(out?.severity).toBe('error')
    expect(out?.message).toBe(
      '网格 G1 有 280 户（统计日期 2024-06-30），少于城镇网格 300–500 户的下限（自贡市）。常住人口 700 人，也不在 800–1200 人的替代范围内。',
    )
    expect(out?.details).toMatchObject({ range: { min: 300, max: 500 }, people_range: { min: 800, max: 1200 }, source: '003 §8' })
    const [unknown] = householdIssues([grid({ households: 280, population: null })], zigong, 'en')
    expect(unknown?.message).toBe(
      'Grid G1 has 280 households (counted 2024-06-30), below the minimum for urban grids of 300–500 households (Zigong). No population is recorded, so the alternative of 800–1200 people could not be checked.',
    )
    // No people alternative in the national default.
    expect(householdIssues([grid({ households: 150, population: 1000 })], profile('cn-default'), 'en')[0]?.code).toBe(
      'households_below_min',
    )
  })

  it('advisory range (Zigong villages, 003 §8: no number for 行政村): a warning, not an error', () => {
    const [issue] = householdIssues([grid({ households: 120, urban_rural: '220' })], profile('zigong'), 'en')
    expect(issue).toMatchObject({
      code: 'households_below_min',
      severity: 'warning',
      details: { advisory: true, basis: 'rural', range: { min: 200, max: 500 } },
    })
    expect(issue?.message).toBe(
      'Grid G1 has 120 households (counted 2024-06-30), below the minimum for rural grids of 200–500 households (Zigong). The regulation sets no household number for these grids; the range is guidance only.',
    )
  })

  it('approved exception: the error becomes a warning carrying reason, approver and date', () => {
    const base = profile('changji')
    const withException: RuleProfile = {
      ...base,
      exceptions: [
        { grid: 'G1', reason: '整建制村民小组（002 §6）', approver: '玛纳斯县网格化服务中心 玛网〔2024〕3号', date: '2024-03-01' },
        { grid: 'G2', reason: 'remote herding area', approver: 'county centre', date: '2024-03-01', range: { min: 100, max: 200 } },
      ],
    }
    const [g1] = householdIssues([grid({ households: 120, urban_rural: '220' })], withException, 'zh-CN')
    expect(g1).toMatchObject({
      code: 'households_below_min',
      severity: 'warning',
      details: { range: { min: 250, max: 350 }, exception: { grid: 'G1' } },
    })
    expect(g1?.message).toBe(
      '网格 G1 有 120 户（统计日期 2024-06-30），少于农村网格 250–350 户的下限（昌吉回族自治州）。已按例外批准：整建制村民小组（002 §6）（玛纳斯县网格化服务中心 玛网〔2024〕3号，2024-03-01）。',
    )
    // An exception with its own range: within it → warning; outside it → error against that range.
    const [within] = householdIssues([grid({ id: 'G2', households: 150, urban_rural: '220' })], withException, 'en')
    expect(within?.severity).toBe('warning')
    expect(within?.message).toBe(
      'Grid G2 has 150 households (counted 2024-06-30), below the minimum for rural grids of 250–350 households (Changji Hui Autonomous Prefecture). Approved exception: remote herding area (county centre, 2024-03-01).',
    )
    const [outside] = householdIssues([grid({ id: 'G2', households: 80, urban_rural: '220' })], withException, 'en')
    expect(outside).toMatchObject({
      code: 'households_below_min',
      severity: 'error',
      details: { range: { min: 100, max: 200 }, exception: { range: { min: 100, max: 200 } } },
    })
    expect(outside?.message).toBe(
      'Grid G2 has 80 households (counted 2024-06-30), below its approved exception range of 100–200 households (county centre, 2024-03-01).',
    )
    const [above] = householdIssues([grid({ id: 'G2', households: 240, urban_rural: '220' })], withException, 'zh-CN')
    expect(above?.code).toBe('households_above_max')
    expect(above?.message).toBe('网格 G2 有 240 户（统计日期 2024-06-30），超过经批准的例外范围 100–200 户（county centre，2024-03-01）。')
    // The exception is for G1 only.
    expect(householdIssues([grid({ id: 'G3', households: 120, urban_rural: '220' })], withException, 'en')[0]?.severity).toBe('error')
  })

  it('missing households: a warning (negative or non-finite counts count as missing)', () => {
    const issues = householdIssues(
      [grid({ households: null }), grid({ id: 'G2', households: Number.NaN }), grid({ id: 'G3', households: -5 })],
      profile('cn-default'),
      'zh-CN',
    )
    expect(issues.map((i) => [i.code, i.severity, i.feature_ids[0]])).toEqual([
      ['households_missing', 'warning', 'G1'],
      ['households_missing', 'warning', 'G2'],
      ['households_missing', 'warning', 'G3'],
    ])
    expect(issues[0]?.message).toBe('网格 G1 未填写户数，无法核对规模（城镇网格应为 200–500 户，全国默认）。')
    const [en] = householdIssues([grid({ households: null, urban_rural: '210' })], profile('heihe'), 'en')
    expect(en?.message).toBe('Grid G1 has no household count, so its size cannot be checked (rural grids: 200–500 households, Heihe).')
    expect(en?.details).toMatchObject({ households: null, range: { min: 200, max: 500 }, basis: 'rural', profile: 'heihe' })
  })

  it('reports grids in input order, one issue per grid', () => {
    const issues = householdIssues(
      [grid({ id: 'A', households: 10 }), grid({ id: 'B' }), grid({ id: 'C', households: 9000 }), grid({ id: 'D', households: null })],
      profile('cn-default'),
      'en',
    )
    expect(issues.map((i) => `${i.feature_ids[0]}:${i.code}`)).toEqual([
      'A:households_below_min',
      'C:households_above_max',
      'D:households_missing',
    ])
  })
})
