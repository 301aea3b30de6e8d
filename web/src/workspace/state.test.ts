import { describe, expect, it } from 'vitest'
import type { GridCollection, GridFeature, Me, Region, RegionProps } from '../api/types'
import { createWorkspaceStore, gridCountView, type Session, TABS, tabsFor, targetsOf, townshipOf } from './state'

const region = (code: string, name: string, level: number, parent_code: string | null): RegionProps => ({
  code,
  name,
  level,
  parent_code,
  urban_rural: null,
})
const county = region('990101000000', '示范县', 3, '990100000000')
const township = region('990101004000', '白沙镇', 4, county.code)
const community = region('990101004001', '白沙社区', 5, township.code)

const sessionAt = (home: RegionProps): Session => {
  const homeRegion: Region = { ...home, bbox: null, ancestors: [], grid_count: 30 }
  const me: Me = { username: 'u', display_name: 'u', role: 'county', region_prefix: '', home_region: home.code, notice_languages: [] }
  const below = [county, township, community].filter((r) => r.level > home.level)
  return {
    me,
    region: homeRegion,
    regions: { type: 'FeatureCollection', features: below.map((r) => ({ type: 'Feature', geometry: null, properties: r })) },
    regionsByCode: new Map(below.map((r) => [r.code, r])),
    viewport: false,
  }
}

describe('validation and editor targets', () => {
  const session = sessionAt(county)

  it('a township or a community of it: that township for both', () => {
    expect(townshipOf(session, community.code)).toEqual(township)
    expect(targetsOf(session, community)).toEqual({ validationTarget: township, editorTownship: township })
    expect(targetsOf(session, township)).toEqual({ validationTarget: township, editorTownship: township })
  })

  it('the county: validated as a whole, the editor keeps its township', () => {
    expect(targetsOf(session, county)).toEqual({ validationTarget: county })
  })

  it('at sign-in: the home township, or the home county for validation only', () => {
    const home = sessionAt(township)
    expect(targetsOf(home, home.region)).toEqual({ validationTarget: township, editorTownship: township })
    expect(targetsOf(session, session.region)).toEqual({ validationTarget: session.region })
    expect(townshipOf(null, township.code)).toBeNull()
    expect(townshipOf(session, '990101009000')).toBeNull()
  })
})

describe('workspace store', () => {
  it('a sign-out keeps the open tab and the language', () => {
    const store = createWorkspaceStore('en')
    store.set({ session: sessionAt(county), tab: 'proposals', asOf: '2025-12-31', status: { key: 'status.loaded' } })
    store.reset()
    expect(store.get()).toMatchObject({ session: null, tab: 'proposals', language: 'en', asOf: null, status: null, selected: null })
  })
})

describe('the tabs a role may use', () => {
  it('gives a department only the lookup and the map, everyone else every tab', () => {
    expect(tabsFor('department')).toEqual(['lookup', 'regions'])
    for (const role of ['admin', 'city', 'county', 'township', undefined]) expect(tabsFor(role)).toEqual(TABS)
  })
})

describe('the header grid count', () => {
  const grid = (code: string): GridFeature => ({
    type: 'Feature',
    geometry: { type: 'Polygon', coordinates: [] },
    properties: {
      code,
      name: code,
      kind: 'comprehensive',
      region_code: code.slice(0, 12),
      parent_code: null,
      households: 300,
      population: null,
      count_date: null,
      valid_from: '2026-01-01',
      valid_to: null,
      version: 1,
      attributes: {},
      fit: 'within',
      households_min: 200,
      households_max: 500,
    },
  })
  const grids: GridCollection = {
    type: 'FeatureCollection',
    features: [grid('990101001001001'), grid('990101004007001'), grid('990101004007002')],
  }
  const draftView = { prefix: '990101004', grids: [grid('990101004007001'), grid('new-1'), grid('new-2')] }

  it('counts the live layer, or the township as the draft leaves it', () => {
    const session = sessionAt(county)
    expect(gridCountView({ session, grids, draftView: null })).toEqual({ key: 'header.gridCount', count: 3, shown: 3, view: 'live' })
    expect(gridCountView({ session, grids, draftView })).toEqual({ key: 'header.gridCountDraft', count: 4, shown: 4, view: 'draft' })
  })

  it("in viewport mode: the region's total live, the grids on the map in a draft", () => {
    const session = { ...sessionAt(county), viewport: true }
    expect(gridCountView({ session, grids, draftView: null })).toMatchObject({ key: 'header.gridCountViewport', count: 30, shown: 3 })
    expect(gridCountView({ session, grids, draftView })).toMatchObject({ key: 'header.gridCountDraftViewport', shown: 4 })
  })
})
