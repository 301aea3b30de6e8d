import i18next from 'i18next'
import { describe, expect, it } from 'vitest'
import en from '../i18n/en.json'
import zhCN from '../i18n/zh-CN.json'
import { defaultGaussKrugerZone, exportCrsGroups, findCrsChoice, importCrsGroups } from './crsChoices'

const codes = (groups: ReturnType<typeof importCrsGroups>) => groups.flatMap((g) => g.choices.map((c) => c.code))

describe('CRS choices', () => {
  it('the default export zone is the 3° CM-named zone nearest the longitude', () => {
    expect(defaultGaussKrugerZone(117.2)).toEqual({ code: 'EPSG:4548', key: 'io.crs.gk3', params: { meridian: 117 } })
    expect(defaultGaussKrugerZone(113.0).code).toBe('EPSG:4547') // CM 114E (113.0 is 1° from 114, 2° from 111)
    expect(defaultGaussKrugerZone(112.4).code).toBe('EPSG:4546') // CM 111E
    expect(defaultGaussKrugerZone(75).code).toBe('EPSG:4534')
    expect(defaultGaussKrugerZone(135).code).toBe('EPSG:4554')
    // Outside China's span: the nearest zone there is, never a code outside the family.
    expect(defaultGaussKrugerZone(60).code).toBe('EPSG:4534')
    expect(defaultGaussKrugerZone(140).code).toBe('EPSG:4554')
  })

  it('lists every CGCS2000 Gauss-Krüger zone once, with the EPSG numbering of each family', () => {
    const list = codes(exportCrsGroups())
    expect(list[0]).toBe('EPSG:4490')
    const zones = list.slice(1).map((c) => Number(c.slice(5)))
    expect(new Set(zones).size).toBe(4554 - 4491 + 1)
    expect(Math.min(...zones)).toBe(4491)
    expect(Math.max(...zones)).toBe(4554)
    const groups = exportCrsGroups()
    // Zone 39 of the 3° family is CM 117E (EPSG:4527, the zone-prefixed twin of 4548).
    expect(findCrsChoice(groups, 'EPSG:4527')).toEqual({ code: 'EPSG:4527', key: 'io.crs.gk3zone', params: { meridian: 117, zone: 39 } })
    expect(findCrsChoice(groups, 'EPSG:4548')?.params).toEqual({ meridian: 117 })
    // 6° zone 20 is CM 117E (EPSG:4498); its CM-named twin is EPSG:4509.
    expect(findCrsChoice(groups, 'EPSG:4498')?.params).toEqual({ meridian: 117, zone: 20 })
    expect(findCrsChoice(groups, 'EPSG:4509')?.params).toEqual({ meridian: 117 })
  })

  it('the import list adds WGS84, Web Mercator, GCJ-02 and BD-09 and export offers none of them', () => {
    const importCodes = codes(importCrsGroups())
    for (const code of ['EPSG:4490', 'EPSG:4326', 'EPSG:3857', 'gcj02', 'bd09', 'EPSG:4527', 'EPSG:4548'])
      expect(importCodes).toContain(code)
    const exportCodes = codes(exportCrsGroups())
    for (const code of ['EPSG:4326', 'EPSG:3857', 'gcj02', 'bd09']) expect(exportCodes).not.toContain(code)
  })

  it('the import list offers the northern UTM zones over China, and any UTM code is found', () => {
    const groups = importCrsGroups()
    const utm = groups.find((group) => group.key === 'io.crs.utmGroup')
    expect(utm?.choices.map((choice) => choice.code)).toEqual(Array.from({ length: 11 }, (_, i) => `EPSG:${32643 + i}`))
    expect(findCrsChoice(groups, 'EPSG:32650')).toEqual({ code: 'EPSG:32650', key: 'io.crs.utmNorth', params: { zone: 50 } })
    // Zones outside the list, north and south, typed in any case or found in a file.
    expect(findCrsChoice(groups, 'EPSG:32601')).toEqual({ code: 'EPSG:32601', key: 'io.crs.utmNorth', params: { zone: 1 } })
    expect(findCrsChoice(groups, 'epsg:32760')).toEqual({ code: 'EPSG:32760', key: 'io.crs.utmSouth', params: { zone: 60 } })
    expect(findCrsChoice(groups, 'EPSG:32750')?.params).toEqual({ zone: 50 })
    expect(findCrsChoice(exportCrsGroups(), 'EPSG:32650')?.key).toBe('io.crs.utmNorth')
    // Neighbours of the UTM ranges are no zones.
    for (const code of ['EPSG:32600', 'EPSG:32661', 'EPSG:32700', 'EPSG:32761', 'EPSG:2154'])
      expect(findCrsChoice(groups, code), code).toBeUndefined()
    // Export writes CGCS2000 only.
    expect(codes(exportCrsGroups())).not.toContain('EPSG:32650')
  })

  it('names UTM zones in both languages', async () => {
    const i18n = i18next.createInstance()
    await i18n.init({ lng: 'en', resources: { en: { translation: en }, 'zh-CN': { translation: zhCN } }, showSupportNotice: false })
    const zone = (code: string) => {
      const choice = findCrsChoice(importCrsGroups(), code)
      return choice && i18n.t(choice.key, choice.params)
    }
    expect(zone('EPSG:32650')).toBe('WGS 84 / UTM zone 50N')
    expect(zone('EPSG:32750')).toBe('WGS 84 / UTM zone 50S')
    await i18n.changeLanguage('zh-CN')
    expect(zone('EPSG:32650')).toBe('WGS 84 / UTM 第 50 带（北）')
  })

  it('every label and group heading has a Chinese string', () => {
    const crs = zhCN.io.crs as Record<string, string>
    for (const group of importCrsGroups()) {
      expect(crs[group.key.replace('io.crs.', '')], group.key).toBeTruthy()
      for (const choice of group.choices) expect(crs[choice.key.replace('io.crs.', '')], choice.key).toBeTruthy()
    }
  })
})
