import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { importCrsGroups } from '../../web/src/io/crsChoices.js'
import { crsByCode, ogcWktOf, prjOf, resolveCrs } from './crs.js'
import { GAUSS_KRUGER_CODES } from './crs-defs.js'
import { matchWkt } from './crs-wkt.js'
import { expectIoError, FIXTURES, makeTempDir, ogr2ogr } from './testing/gdal.js'

// Coordinate systems against GDAL/PROJ: the .prj texts ogr2ogr writes are recognised, the texts
// we write are identified by GDAL as the EPSG code we meant, and proj4 agrees with PROJ.

const temp = makeTempDir()
afterAll(temp.remove)

/** The .prj ogr2ogr writes for an EPSG code. */
function gdalPrj(epsg: number): string {
  const dir = path.join(temp.dir, `prj${epsg}`)
  mkdirSync(dir)
  ogr2ogr('-t_srs', `EPSG:${epsg}`, path.join(dir, 'x.shp'), path.join(FIXTURES, 'grids-cn-shapes.geojson'))
  return readFileSync(path.join(dir, 'x.prj'), 'utf8')
}

const gdalsrsinfo = (...args: string[]) => execFileSync('gdalsrsinfo', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim()

describe('reading .prj and WKT texts', () => {
  for (const epsg of [4527, 4549, 4490, 4326, 3857, 4544, 4502, 4491]) {
    it(`the .prj GDAL writes for EPSG:${epsg} (ESRI names, no authority)`, () => {
      const prj = gdalPrj(epsg)
      expect(prj).not.toContain('AUTHORITY')
      expect(matchWkt(prj)).toEqual({ kind: 'epsg', code: epsg })
      expect(resolveCrs({ kind: 'wkt', wkt: prj })?.code).toBe(`EPSG:${epsg}`)
    })
  }

  it('OGC WKT 1 and WKT 2 with the EPSG authority, and by parameters when the authority is stripped', () => {
    for (const epsg of [4527, 4549, 4513, 4502]) {
      const wkt1 = gdalsrsinfo('-o', 'wkt1', `EPSG:${epsg}`)
      expect(matchWkt(wkt1)).toEqual({ kind: 'epsg', code: epsg })
      expect(matchWkt(gdalsrsinfo('-o', 'wkt2', `EPSG:${epsg}`))).toEqual({ kind: 'epsg', code: epsg })
      expect(matchWkt(wkt1.replace(/,\s*AUTHORITY\["EPSG","\d+"\]\]\s*$/, ']'))).toEqual({ kind: 'epsg', code: epsg })
    }
  })

  it('names alone, in ESRI and OGC spellings', () => {
    expect(matchWkt('PROJCS["CGCS2000_3_Degree_GK_Zone_39",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000"]]')).toEqual({
      kind: 'epsg',
      code: 4527,
    })
    expect(matchWkt('PROJCS["CGCS2000 / 3-degree Gauss-Kruger CM 117E",GEOGCS["China Geodetic Coordinate System 2000"]]')).toEqual({
      kind: 'epsg',
      code: 4548,
    })
    expect(matchWkt('PROJCS["CGCS2000 / Gauss-Kruger zone 20",GEOGCS["China 2000"]]')).toEqual({ kind: 'epsg', code: 4498 })
    expect(matchWkt('PROJCS["CGCS2000_GK_CM_111E",GEOGCS["GCS_China_2000"]]')).toEqual({ kind: 'epsg', code: 4508 })
  })

  it('Beijing 1954 and Xi an 1980, any zone, by datum or ellipsoid name: refused', async () => {
    for (const epsg of [2435, 21480, 4214])
      expect(matchWkt(gdalsrsinfo('-o', 'wkt_esri', `EPSG:${epsg}`))).toEqual({ kind: 'refused', system: 'Beijing 1954' })
    for (const epsg of [2362, 2327, 4610])
      expect(matchWkt(gdalsrsinfo('-o', 'wkt1', `EPSG:${epsg}`))).toEqual({ kind: 'refused', system: 'Xian 1980' })
    expect(matchWkt('PROJCS["custom",GEOGCS["x",DATUM["x",SPHEROID["Krassowsky 1940",6378245,298.3]]]]')).toEqual({
      kind: 'refused',
      system: 'Beijing 1954',
    })
    await expectIoError(() => resolveCrs({ kind: 'wkt', wkt: gdalPrj(2362) }), 'io_crs_refused', {
      zh: '无法导入坐标系 Xian_1980_3_Degree_GK_Zone_38（Xian 1980）',
      en: 'none ships with gridwork',
    })
    await expectIoError(() => resolveCrs({ kind: 'epsg', code: 2435 }), 'io_crs_refused', {
      zh: 'EPSG:2435（Beijing 1954）',
      en: 'Beijing 1954',
    })
    await expectIoError(() => crsByCode('EPSG:21480'), 'io_crs_refused', { zh: '七参数', en: '7-parameter' })
  })

  it('WGS 84 / UTM zones, north and south: by .prj parameters, by authority (WKT 1 and 2), by name', () => {
    for (const epsg of [32650, 32601, 32660, 32750, 32701]) {
      expect(matchWkt(gdalPrj(epsg))).toEqual({ kind: 'epsg', code: epsg })
      expect(matchWkt(gdalsrsinfo('-o', 'wkt1', `EPSG:${epsg}`))).toEqual({ kind: 'epsg', code: epsg })
      expect(matchWkt(gdalsrsinfo('-o', 'wkt2', `EPSG:${epsg}`))).toEqual({ kind: 'epsg', code: epsg })
      expect(resolveCrs({ kind: 'epsg', code: epsg })?.code).toBe(`EPSG:${epsg}`)
    }
    expect(matchWkt('PROJCS["WGS_1984_UTM_Zone_51N",GEOGCS["GCS_WGS_1984"]]')).toEqual({ kind: 'epsg', code: 32651 })
    expect(crsByCode('32650').name).toBe('WGS 84 / UTM zone 50N')
    // Not UTM: another scale factor, or UTM parameters on the CGCS2000 datum (no EPSG code).
    const utm = gdalPrj(32649)
    expect(matchWkt(utm.replace('0.9996', '0.9995'))).toBeNull()
    const onCgcs2000 = utm.replace('WGS_1984_UTM', 'CGCS2000_UTM').replace(/GEOGCS\[.*?UNIT\["Degree",[\d.]+\]\],/, `${prjOf(4490)},`)
    expect(onCgcs2000).toContain('D_China_2000')
    expect(matchWkt(onCgcs2000)).toBeNull()
  })

  it('unknown texts and codes: resolveCrs says null (the importer asks); a typed unknown code is a 400', async () => {
    expect(resolveCrs({ kind: 'wkt', wkt: gdalPrj(2154) })).toBeNull()
    expect(resolveCrs({ kind: 'epsg', code: 2154 })).toBeNull()
    expect(resolveCrs({ kind: 'epsg', code: 32661 })).toBeNull()
    expect(resolveCrs({ kind: 'none' })).toBeNull()
    await expectIoError(() => crsByCode('EPSG:2154'), 'io_crs_unknown', {
      zh: '无法识别坐标系 EPSG:2154',
      en: 'The coordinate system EPSG:2154 is not recognised',
    })
  })
})

describe('writing .prj and OGC WKT', () => {
  it('every export target (4490, 4491–4554) reads back to itself', () => {
    for (const code of [4490, ...GAUSS_KRUGER_CODES]) {
      expect(matchWkt(prjOf(code))).toEqual({ kind: 'epsg', code })
      expect(matchWkt(ogcWktOf(code))).toEqual({ kind: 'epsg', code })
    }
  })

  it('GDAL identifies the texts as the EPSG code meant (zones with and without the zone prefix, 3° and 6°)', () => {
    for (const code of [4490, 4491, 4501, 4502, 4512, 4513, 4527, 4533, 4534, 4549, 4554]) {
      const file = path.join(temp.dir, `${code}.prj`)
      writeFileSync(file, prjOf(code))
      expect(gdalsrsinfo('-e', file)).toContain(`EPSG:${code}`)
      writeFileSync(file, ogcWktOf(code))
      expect(gdalsrsinfo('-e', file)).toContain(`EPSG:${code}`)
    }
  })

  it('a system gridwork does not export is a 400', async () => {
    await expectIoError(() => prjOf(3857), 'io_crs_unknown', { zh: 'EPSG:3857', en: 'EPSG:3857' })
  })
})

describe('transformations', () => {
  it('Gauss-Krüger zones, UTM and Web Mercator agree with PROJ (gdaltransform) to a millimetre', () => {
    for (const [code, lon, lat] of [
      [4527, 117.5, 31.5],
      [4549, 117.3, 31.9],
      [4496, 111.2, 23.1],
      [4502, 76.4, 39.5],
      [3857, 117.25, 31.85],
      [32650, 117.25, 31.85],
      [32650, 119.9, 40.1],
      [32750, 117.25, -8.3],
    ] as const) {
      const [x, y] = gdaltransform(`EPSG:${code}`, lon, lat)
      const crs = crsByCode(`EPSG:${code}`)
      const [px, py] = crs.fromLonLat([lon, lat])
      expect(Math.abs(px - x)).toBeLessThan(0.001)
      expect(Math.abs(py - y)).toBeLessThan(0.001)
      const [backLon, backLat] = crs.toLonLat([x, y])
      expect(Math.abs(backLon - lon)).toBeLessThan(1e-9)
      expect(Math.abs(backLat - lat)).toBeLessThan(1e-9)
    }
  })

  it('GCJ-02 and BD-09 by explicit choice only; their inverse is within a millimetre', () => {
    for (const code of ['gcj02', 'BD-09']) {
      const crs = crsByCode(code)
      const [lon, lat] = crs.fromLonLat([117.25, 31.85])
      expect(Math.hypot(lon - 117.25, lat - 31.85)).toBeGreaterThan(1e-4)
      const [backLon, backLat] = crs.toLonLat([lon, lat])
      expect(Math.abs(backLon - 117.25) * 95_000).toBeLessThan(0.001)
      expect(Math.abs(backLat - 31.85) * 111_000).toBeLessThan(0.001)
    }
    expect(resolveCrs({ kind: 'lonlat' })?.code).toBe('EPSG:4490')
    expect(resolveCrs({ kind: 'lonlat' }, 'gcj02')?.code).toBe('gcj02')
  })

  it('codes as typed: "4527", "epsg:4527", " EPSG:4527 "', () => {
    for (const typed of ['4527', 'epsg:4527', ' EPSG:4527 ']) expect(crsByCode(typed).code).toBe('EPSG:4527')
    expect(crsByCode('EPSG:4527').name).toBe('CGCS2000 / 3-degree Gauss-Kruger zone 39')
  })

  it('the wizard’s choices: lon/lat systems, web-map offsets, all 64 zones and UTM 43N–53N, each one the server resolves', () => {
    const choices = importCrsGroups().flatMap((group) => group.choices)
    expect(choices).toHaveLength(5 + 64 + 11)
    expect(choices.map((choice) => choice.code)).toEqual(expect.arrayContaining(['EPSG:4554', 'EPSG:32643', 'EPSG:32653']))
    for (const choice of choices) expect(crsByCode(choice.code).code).toBe(choice.code)
  })
})

/** PROJ's answer (lon/lat in, easting/northing out; CGCS2000 geographic axes are lat, lon in EPSG order). */
function gdaltransform(target: string, lon: number, lat: number): [number, number] {
  const out = execFileSync('gdaltransform', ['-s_srs', 'EPSG:4490', '-t_srs', target, '-output_xy'], {
    input: `${lon} ${lat}\n`,
    encoding: 'utf8',
  })
  const [x, y] = out.trim().split(/\s+/).map(Number)
  return [x as number, y as number]
}
