import i18next from 'i18next'
import { describe, expect, it } from 'vitest'
import type { PartitionGridProps, PartitionResponse, PartitionSummary, RegionCollection } from '../api/types'
import bo from '../i18n/bo.json'
import en from '../i18n/en.json'
import zhCN from '../i18n/zh-CN.json'
import {
  changeCounts,
  changeOf,
  changesNothing,
  communitiesOf,
  defaultForm,
  draftRequestOf,
  explanationOf,
  gridRows,
  mayAutoPartition,
  requestOf,
  retiredCodes,
  shortName,
  summaryRows,
} from './view'

const COMMUNITY = '990101001001'
const form = (over: Partial<ReturnType<typeof defaultForm>> = {}) => ({ keepExisting: true, min: '', max: '', seed: '', ...over })

describe('the form a community opens with', () => {
  it("keeps today's grids when there are any, with their profile's range", () => {
    const grids = [
      { households_min: 200, households_max: 300 },
      { households_min: 200, households_max: 300 },
    ]
    expect(defaultForm(grids)).toEqual({ keepExisting: true, min: '200', max: '300', seed: '' })
  })

  it('starts from scratch with an empty range (the server applies the profile) when it has no grids', () => {
    expect(defaultForm([])).toEqual({ keepExisting: false, min: '', max: '', seed: '' })
  })

  it('leaves the range empty when the grids do not agree on one', () => {
    expect(
      defaultForm([
        { households_min: 200, households_max: 300 },
        { households_min: 300, households_max: 500 },
      ]).min,
    ).toBe('')
  })
})

describe('the request the form sends', () => {
  it('sends only what was set: no range and no seed leaves both to the server', () => {
    expect(requestOf(COMMUNITY, form())).toEqual({ body: { region: COMMUNITY, keep_existing: true } })
    expect(requestOf(COMMUNITY, form({ keepExisting: false, min: ' 200 ', max: '300', seed: '7' }))).toEqual({
      body: { region: COMMUNITY, keep_existing: false, range: { min: 200, max: 300 }, seed: 7 },
    })
  })

  it('names the first thing wrong instead of sending it', () => {
    expect(requestOf(COMMUNITY, form({ min: '200' }))).toEqual({ problem: 'partition.form.rangeBoth' })
    expect(requestOf(COMMUNITY, form({ min: '2.5', max: '300' }))).toEqual({ problem: 'partition.form.rangeWhole' })
    expect(requestOf(COMMUNITY, form({ min: '0', max: '300' }))).toEqual({ problem: 'partition.form.rangeWhole' })
    expect(requestOf(COMMUNITY, form({ min: '500', max: '200' }))).toEqual({ problem: 'partition.form.rangeOrder' })
    expect(requestOf(COMMUNITY, form({ seed: '4294967295' }))).toMatchObject({ body: { seed: 4294967295 } })
    expect(requestOf(COMMUNITY, form({ seed: '-1' }))).toEqual({ problem: 'partition.form.seedWhole' })
    expect(requestOf(COMMUNITY, form({ seed: '4294967296' }))).toEqual({ problem: 'partition.form.seedWhole' })
  })

  it('生成草稿 repeats the previewed request with the seed the preview was made with', () => {
    const previewed = { region: COMMUNITY, keep_existing: true }
    expect(draftRequestOf(previewed, { summary: summary({ seed: 42 }) })).toEqual({ ...previewed, seed: 42, create_draft: true })
  })
})

function summary(over: Partial<PartitionSummary> = {}): PartitionSummary {
  return {
    grids: 6,
    in_range_pct: 100,
    mean_polsby_popper: 0.634,
    road_boundary_share: 0.712,
    households_moved_pct: 3.46,
    unchanged_grids_pct: 66.7,
    ms: 812,
    seed: 1,
    time_budget_reached: false,
    ...over,
  }
}

describe('the summary panel', () => {
  it('shows grids, percentages and compactness as numbers read the same in every language', () => {
    expect(summaryRows(summary()).map((r) => [r.key.replace('partition.summary.', ''), r.value, !!r.warn])).toEqual([
      ['grids', '6', false],
      ['inRange', '100%', false],
      ['compactness', '0.63', false],
      ['roadShare', '71%', false],
      ['moved', '3.5%', false],
      ['unchanged', '67%', false],
    ])
  })

  it('marks grids out of range and shows — for what was not measured (no roads, nothing kept)', () => {
    const rows = summaryRows(
      summary({ in_range_pct: 83.3, road_boundary_share: null, households_moved_pct: null, unchanged_grids_pct: null }),
    )
    expect(rows[1]).toEqual({ key: 'partition.summary.inRange', value: '83.3%', warn: true })
    expect(rows.slice(3).map((r) => r.value)).toEqual(['—', '—', '—'])
  })
})

describe('explanations in the web’s own words', () => {
  const t = (lng: string) => {
    const i18n = i18next.createInstance()
    void i18n.init({
      lng,
      fallbackLng: 'zh-CN',
      resources: { 'zh-CN': { translation: zhCN }, en: { translation: en }, bo: { translation: bo } },
      interpolation: { escapeValue: false },
      initAsync: false,
      showSupportNotice: false,
    })
    // Grid 3 keeps its name; the others are named by number, as the map labels them.
    const naming = {
      gridLabel: (n: number) => (n === 3 ? '第三网格' : i18n.t('partition.gridNumber', { number: n })),
      separator: i18n.t('partition.listSeparator'),
      more: (total: number) => i18n.t('partition.listMore', { count: total }),
    }
    return (e: { code: string; params: Record<string, unknown> }) => {
      const own = explanationOf(e, naming)
      return own ? i18n.t(own.key, own.params) : null
    }
  }
  const all = [
    { code: 'unit_above_max', params: { unit: 'u17', households: 620, max: 500, grid: 4 } },
    { code: 'component_too_small', params: { units: ['u3', 'u4', 'u9'], households: 120, min: 200, grid: 7 } },
    { code: 'range_infeasible', params: { units: 2, households: 350, min: 200, max: 300, grids: [5, 6] } },
    { code: 'grid_out_of_range', params: { grid: 3, households: 512, min: 200, max: 500 } },
    { code: 'time_budget_reached', params: { budget_ms: 10000 } },
    { code: 'range_infeasible', params: { units: 130, households: 2644, min: 295, max: 300, grids: [1, 2, 3, 4, 5, 6, 7, 8, 9] } },
    { code: 'boundary_node_kept', params: { node: [113.0123456, 28.2] } },
  ]

  it('words every code in zh-CN, naming grids as the map does, with no unit ids', () => {
    const zh = all.map(t('zh-CN'))
    expect(zh[0]).toBe('4 号网格：一处楼栋或地块有 620 户，超过上限 500 户，单独划为一格；建议按单元或楼栋再划分微网格。')
    expect(zh[1]).toContain('3 个地块')
    expect(zh[1]).toContain('不足下限 200 户')
    expect(zh[2]).toContain('涉及 5 号网格、6 号网格')
    expect(zh[3]).toContain('第三网格 有 512 户，不在 200–500 户范围内')
    expect(zh[4]).toContain('10 秒时限')
    expect(zh[6]).toContain('113.012346, 28.200000')
    // A long list names its first grids and the count (the map shows them all).
    expect(zh[5]).toContain('涉及 1 号网格、2 号网格、第三网格、4 号网格 等 9 个网格；请放宽户数范围。')
    for (const text of zh) expect(text).not.toMatch(/u\d|\{\{|partition\./)
  })

  it('words them in English and Tibetan too (no key shows raw)', () => {
    const english = all.map(t('en'))
    expect(english[3]).toBe(
      '第三网格 has 512 households, outside 200–500, and could not be repaired automatically; adjust it in the draft.',
    )
    expect(english[2]).toContain('whatever their number: Grid 5, Grid 6.')
    expect(english[4]).toContain('10 s time limit')
    expect(english[5]).toContain('Grid 1, Grid 2, 第三网格, Grid 4 (9 grids in all). Widen the range.')
    for (const text of [...english, ...all.map(t('bo'))]) expect(text).not.toMatch(/\{\{|partition\.|undefined/)
    expect(all.map(t('bo'))[3]).toContain('512')
  })

  it("leaves a code it does not know to the server's message", () => {
    expect(explanationOf({ code: 'something_new', params: {} }, { gridLabel: String, separator: ', ', more: String })).toBeNull()
  })
})

const grid = (number: number, over: Partial<PartitionGridProps> = {}) => ({
  type: 'Feature' as const,
  geometry: { type: 'Polygon' as const, coordinates: [] },
  properties: {
    number,
    name: `网格${number}`,
    households: 250,
    units: 10,
    area_m2: 1000,
    polsby_popper: 0.6,
    in_range: true,
    contiguous: true,
    existing_code: null,
    unchanged: null,
    ...over,
  },
})

describe('the list of grids', () => {
  it('says whether each grid is kept, reshaped or new, in coding order', () => {
    const answer: Pick<PartitionResponse, 'features' | 'changes'> = {
      features: [
        grid(2, { existing_code: '990101001001002', unchanged: false }),
        grid(1, { existing_code: '990101001001001', unchanged: true }),
        grid(3, { households: 530, in_range: false }),
      ],
    }
    const rows = gridRows(answer)
    expect(rows.map((r) => [r.number, r.change, r.inRange])).toEqual([
      [1, 'unchanged', true],
      [2, 'reshaped', true],
      [3, 'new', false],
    ])
    expect(changeCounts(rows)).toEqual({ unchanged: 1, reshaped: 1, new: 1 })
  })

  it("takes the answer's changes first, and lists the grids it retires", () => {
    const changes = [
      { number: 1, code: '990101001001001', change: 'reshaped' as const },
      { number: null, code: '990101001001003', change: 'retired' as const },
    ]
    expect(changeOf(grid(1, { existing_code: '990101001001001', unchanged: true }).properties, changes)).toBe('reshaped')
    expect(retiredCodes(changes)).toEqual(['990101001001003'])
    expect(retiredCodes(undefined)).toEqual([])
  })
})

describe('生成草稿 and the map labels', () => {
  const kept = (n: number) => grid(n, { existing_code: `99010100100100${n}`, unchanged: true })
  it('offers no draft when every grid is kept and none retired (it would hold no change)', () => {
    expect(changesNothing({ features: [kept(1), kept(2)] })).toBe(true)
    expect(changesNothing({ features: [kept(1), grid(2, { existing_code: '990101001001002', unchanged: false })] })).toBe(false)
    expect(changesNothing({ features: [kept(1)], changes: [{ number: null, code: '990101001001009', change: 'retired' }] })).toBe(false)
    // Drawn from scratch (no grids kept): every grid is new.
    expect(changesNothing({ features: [grid(1)] })).toBe(false)
    expect(changesNothing({ features: [] })).toBe(false)
  })

  it("labels a grid with its name less the community's, as the map's own labels", () => {
    expect(shortName('明珠社区第二网格', '明珠社区')).toBe('第二网格')
    expect(shortName('明珠社区', '明珠社区')).toBe('明珠社区')
    expect(shortName('东湖第一网格', '明珠社区')).toBe('东湖第一网格')
    expect(shortName(null, '明珠社区')).toBeNull()
  })
})

describe('who and where', () => {
  it('offers 自动划分 to the roles that edit, never to a department', () => {
    expect(mayAutoPartition('township')).toBe(true)
    expect(mayAutoPartition('admin')).toBe(true)
    expect(mayAutoPartition('department')).toBe(false)
    expect(mayAutoPartition(undefined)).toBe(false)
  })

  it("lists the township's communities that have a boundary", () => {
    const region = (code: string, level: number, parent_code: string, drawn = true) => ({
      type: 'Feature' as const,
      geometry: drawn ? { type: 'Polygon' as const, coordinates: [] } : null,
      properties: { code, name: code, level, parent_code, urban_rural: null },
    })
    const regions: RegionCollection = {
      type: 'FeatureCollection',
      features: [
        region('990101001002', 5, '990101001000'),
        region('990101001001', 5, '990101001000'),
        region('990101001003', 5, '990101001000', false),
        region('990101002001', 5, '990101002000'),
        region('990101001000', 4, '990101000000'),
      ],
    }
    expect(communitiesOf(regions, '990101001000').map((r) => r.code)).toEqual(['990101001001', '990101001002'])
  })
})
