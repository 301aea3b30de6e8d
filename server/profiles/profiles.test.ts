import { describe, expect, it } from 'vitest'
import { type RuleProfile, checkProfiles, getProfile, listProfiles, profileForRegion, resolveProfile, withinBounds } from './profiles.js'

const chain = (p: RuleProfile | undefined) => p?.approvalChain.map((s) => `${s.role}:${s.action}`)

describe('rule profiles as data', () => {
  it('ships the national default and one profile per seed, all sound', () => {
    expect(listProfiles().map((p) => p.id)).toEqual(['cn-default', 'xizang-000', 'heihe', 'changji', 'zigong', 'qingyuan'])
    expect(checkProfiles(listProfiles())).toEqual([])
    for (const p of listProfiles()) {
      expect(p.codeLayout).toBe('cn-stat-15')
      expect(p.exceptions).toEqual([])
      expect(p.allowMultipart).toBe(false)
      expect(p.allowCrossBoundary).toBe(false)
    }
  })

  it('finds profiles by id or seed number, undefined otherwise', () => {
    expect(getProfile('cn-default')?.households).toMatchObject({ urban: { min: 200, max: 500 }, rural: { min: 200, max: 500 } })
    expect(getProfile('heihe')?.name).toEqual({ zh: '黑河市', en: 'Heihe' })
    expect(getProfile('001')).toBe(getProfile('heihe'))
    expect(getProfile('000')).toBe(getProfile('xizang-000'))
    expect(getProfile('004')).toBe(getProfile('qingyuan'))
    expect(getProfile('nowhere')).toBeUndefined()
    expect(getProfile('')).toBeUndefined()
  })

  it('profiles are frozen', () => {
    const p = getProfile('changji') as RuleProfile
    expect(() => {
      ;(p.households.urban as { min: number }).min = 1
    }).toThrow(TypeError)
    expect(() => (p.exceptions as unknown[]).push({})).toThrow(TypeError)
  })

  it('000 (Xizang city): township divides → county approves → city files (§11); notices in Chinese and Tibetan (§20)', () => {
    const p = getProfile('000')
    expect(chain(p)).toEqual(['township:propose', 'county:approve', 'city:file'])
    expect(p?.noticeLanguages).toEqual(['zh', 'bo'])
    expect(p?.staffRules.requiredRoles).toEqual(['grid_head', 'instructor'])
    expect(p?.dedicatedUnitTypes.map((u) => u.zh)).toEqual(['国家机关', '企业事业单位', '宗教活动场所', '商务楼宇', '专业市场'])
    // The text does not name the city, so it claims no region.
    expect(p?.regionPrefixes).toEqual([])
    expect(p?.households.urban).toMatchObject({ min: 200, max: 500 })
  })

  it('001 Heihe: county with township divides → city files (§8); ≥ 1 full-time worker per grid, one head for several grids (§11)', () => {
    const p = getProfile('heihe')
    expect(chain(p)).toEqual(['county:propose', 'city:file'])
    expect(p?.approvalChain[0]?.jointlyWith).toEqual(['township'])
    expect(p?.regionPrefixes).toEqual(['2311'])
    expect(p?.staffRules.minFullTimePerGrid).toEqual({ urban: 1, rural: 1 })
    expect(p?.staffRules.headMayLeadSeveralGrids).toBe(true)
    expect(p?.noticeLanguages).toEqual(['zh'])
    expect(p?.dedicatedUnitTypes.map((u) => u.id)).toEqual([
      'state_agency',
      'office_building',
      'market',
      'school',
      'hospital',
      'park',
      'enterprise',
    ])
  })

  it('002 Changji: urban 200–300, rural 300 ± 50 (§6); township → county files (§6); codes by the prefecture (§7)', () => {
    const p = getProfile('changji')
    expect(p?.households.urban).toMatchObject({ min: 200, max: 300, source: '002 §6' })
    expect(p?.households.rural).toMatchObject({ min: 250, max: 350 })
    expect(p?.households.rural.advisory).toBeUndefined()
    expect(p?.people).toBeUndefined()
    expect(chain(p)).toEqual(['township:propose', 'county:file'])
    expect(p?.codingAuthority).toEqual({ role: 'city', source: '002 §7' })
    expect(p?.regionPrefixes).toEqual(['6523'])
  })

  it('003 Zigong: community grids 300–500 households or 800–1200 people (§8); villages advisory; county divides → city files (§7)', () => {
    const p = getProfile('zigong')
    expect(p?.households.urban).toMatchObject({ min: 300, max: 500, source: '003 §8' })
    expect(p?.households.rural).toMatchObject({ min: 200, max: 500, advisory: true })
    expect(p?.people?.urban).toMatchObject({ min: 800, max: 1200 })
    expect(p?.people?.rural).toBeUndefined()
    expect(chain(p)).toEqual(['county:propose', 'city:file'])
    expect(p?.codingAuthority?.role).toBe('county')
    expect(p?.regionPrefixes).toEqual(['5103'])
  })

  it('004 Qingyuan: township applies → county reviews → city approves (§9 ¶4); first division county → city approves (§9 ¶1)', () => {
    const p = getProfile('qingyuan')
    expect(chain(p)).toEqual(['township:propose', 'county:review', 'city:approve'])
    expect(p?.initialDivisionChain?.map((s) => `${s.role}:${s.action}`)).toEqual(['county:propose', 'city:approve'])
    expect(p?.staffRules.minFullTimePerGrid).toEqual({ urban: 1, rural: 0 })
    expect(p?.regionPrefixes).toEqual(['4418'])
  })
})

describe('profileForRegion', () => {
  it('resolves seed cities by their statistical code', () => {
    expect(profileForRegion('231102001001').id).toBe('heihe') // 黑河市爱辉区
    expect(profileForRegion('231182').id).toBe('heihe') // 五大连池市 (001 §33)
    expect(profileForRegion('652301').id).toBe('changji')
    expect(profileForRegion('510302000000').id).toBe('zigong')
    expect(profileForRegion('441802').id).toBe('qingyuan')
    expect(profileForRegion('231102001001001').id).toBe('heihe') // a 15-digit grid code
  })

  it('sends the demo province, other regions and junk to cn-default', () => {
    expect(profileForRegion('990101001001').id).toBe('cn-default')
    expect(profileForRegion('99').id).toBe('cn-default')
    expect(profileForRegion('230100000000').id).toBe('cn-default') // 哈尔滨: Heilongjiang but not Heihe
    expect(profileForRegion('540100000000').id).toBe('cn-default') // Xizang: the seed 000 city is unconfirmed
    expect(profileForRegion('23').id).toBe('cn-default') // shorter than every prefix
    expect(profileForRegion('').id).toBe('cn-default')
    expect(profileForRegion('2311ab').id).toBe('cn-default')
  })

  it('the most specific prefix wins (province profile, city override, county override)', () => {
    const base = getProfile('cn-default') as RuleProfile
    const profiles: RuleProfile[] = [
      base,
      { ...base, id: 'province', regionPrefixes: ['23'] },
      { ...base, id: 'city', regionPrefixes: ['2311'] },
      { ...base, id: 'county', regionPrefixes: ['231182'] },
    ]
    expect(checkProfiles(profiles)).toEqual([])
    expect(resolveProfile('230100000000', profiles).id).toBe('province')
    expect(resolveProfile('231102001001', profiles).id).toBe('city')
    expect(resolveProfile('231182100200', profiles).id).toBe('county')
    expect(resolveProfile('990101001001', profiles).id).toBe('cn-default')
    // Order in the list does not matter.
    expect(resolveProfile('231182100200', [...profiles].reverse()).id).toBe('county')
  })
})

describe('checkProfiles', () => {
  const base = getProfile('cn-default') as RuleProfile
  it('reports unsound data, one sentence per problem', () => {
    const bad: RuleProfile = {
      ...base,
      id: 'bad',
      regionPrefixes: ['231', '2311'],
      households: { urban: { min: 500, max: 200, source: 'x' }, rural: { min: 0, max: 10, source: '' } },
      approvalChain: [
        { role: 'county', action: 'approve', source: 'x' },
        { role: 'township', action: 'propose', source: 'x' },
      ],
      noticeLanguages: ['bo'],
      exceptions: [
        { grid: 'g', reason: 'r', approver: 'a', date: '2024-01-01' },
        { grid: 'g', reason: '', approver: 'a', date: 'yesterday', range: { min: 3, max: 2 } },
      ],
    }
    const problems = checkProfiles([base, bad, { ...base, id: 'other', regionPrefixes: ['2311'] }])
    expect(problems).toEqual([
      'profile bad: region prefix "231" must be 2, 4 or 6 digits',
      'profile bad: households.urban must be whole numbers with 0 < min ≤ max',
      'profile bad: households.rural must be whole numbers with 0 < min ≤ max',
      'profile bad: households.rural needs a source',
      "profile bad: approvalChain must start with 'propose'",
      "profile bad: approvalChain must end with 'approve' or 'file'",
      'profile bad: approvalChain: only the first step proposes',
      'profile bad: approvalChain: step 2 (township) goes below step 1 (county)',
      "profile bad: notices are in the national common script first (noticeLanguages starts with 'zh')",
      'profile bad: two exceptions for grid g',
      'profile bad: exception for grid g needs a reason and an approver',
      'profile bad: exception for grid g needs a YYYY-MM-DD date',
      'profile bad: exception range for grid g must be whole numbers with 0 < min ≤ max',
      'profile other: region prefix 2311 is also claimed by bad',
    ])
    expect(checkProfiles([{ ...base, id: 'alone' }])).toEqual(['the cn-default profile is missing'])
  })

  it('refuses malformed bounds and bounds that miss the profile’s own landmark', () => {
    const heihe = getProfile('heihe') as RuleProfile
    const withBounds = (id: string, bounds: unknown) => ({ ...heihe, id, seed: undefined, regionPrefixes: [], bounds }) as RuleProfile
    const problems = checkProfiles([
      base,
      withBounds('swapped', [47.5, 124.5, 51.3, 129.5]),
      withBounds('inverted', [129.5, 47.5, 124.5, 51.3]),
      withBounds('short', [124.5, 47.5, 129.5]),
      withBounds('text', ['124.5', 47.5, 129.5, 51.3]),
      withBounds('lost-digit', [124.5, 47.5, 129.5, 5.13]),
      withBounds('elsewhere', [112.8, 28.0, 113.2, 28.4]),
      { ...heihe, id: 'no-landmark', seed: undefined, regionPrefixes: [], landmark: { name: '', lng: 127.53, lat: 50.25 } },
    ])
    expect(problems).toEqual([
      'profile swapped: bounds must be [west, south, east, north] in degrees with west < east and south < north, got [47.5,124.5,51.3,129.5]',
      'profile inverted: bounds must be [west, south, east, north] in degrees with west < east and south < north, got [129.5,47.5,124.5,51.3]',
      'profile short: bounds must be [west, south, east, north] in degrees with west < east and south < north, got [124.5,47.5,129.5]',
      'profile text: bounds must be [west, south, east, north] in degrees with west < east and south < north, got ["124.5",47.5,129.5,51.3]',
      'profile lost-digit: bounds must be [west, south, east, north] in degrees with west < east and south < north, got [124.5,47.5,129.5,5.13]',
      'profile elsewhere: bounds [112.8,28,113.2,28.4] do not contain its landmark 黑河市人民政府（爱辉区） (127.53, 50.25)',
      'profile no-landmark: needs a landmark (a named place with lng and lat)',
    ])
  })

  it('each shipped profile’s bounds hold its seat; cn-default’s hold the demo and mini counties', () => {
    for (const p of listProfiles()) expect(withinBounds(p.bounds, p.landmark.lng, p.landmark.lat), p.id).toBe(true)
    const national = getProfile('cn-default') as RuleProfile
    // the demo county (lon 113.0 ± 0.17, lat 28.2 ± 0.13) and the mini county fixture's corners
    for (const [lng, lat] of [
      [112.83, 28.07],
      [113.17, 28.33],
      [113.0, 28.0],
      [113.04, 28.02],
    ] as const) {
      expect(withinBounds(national.bounds, lng, lat)).toBe(true)
    }
  })
})
