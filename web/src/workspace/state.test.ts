import { describe, expect, it } from 'vitest'
import type { Me, Region, RegionProps } from '../api/types'
import { createWorkspaceStore, type Session, TABS, tabsFor, targetsOf, townshipOf } from './state'

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
