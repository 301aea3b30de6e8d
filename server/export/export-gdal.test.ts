import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { unzipSync } from 'fflate'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DatabaseHandle } from '../db/connect.js'
import type { FormatName } from '../io/formats.schemas.js'
import { loadMiniCounty } from '../testing/app.js'
import { openTestDatabase } from '../testing/database.js'
import { exportLayer } from './export.service.js'

// Exports of the mini county's grids read back by GDAL, the independent party: every format in
// CGCS2000 lon/lat (EPSG:4490) and in a Gauss-Krüger zone (EPSG:4527), then ogr2ogr turns the file
// into lon/lat GeoJSON (reprojecting from the file's own CRS) and ogrinfo names the CRS. Chinese
// names, the count, the CRS and every grid's area (± 0.01 %) must survive.

let database: DatabaseHandle
let dir: string
let areas: Map<string, number>

const NAMES = ['桂花社区第一网格', '桂花社区第二网格', '东湖社区第一网格', '青石村网格']

/** Formats whose files carry their CRS; CSV and XLSX carry WKT in the exported coordinates only. */
const CARRIES_CRS: Record<FormatName, boolean> = { geojson: false, shp: true, gpkg: true, kml: false, fgb: true, csv: false, xlsx: false }

interface ReadBack {
  features: { geometry: unknown; properties: Record<string, unknown> }[]
}

beforeAll(async () => {
  database = await openTestDatabase()
  await loadMiniCounty(database)
  dir = mkdtempSync(path.join(os.tmpdir(), 'gridwork-export-gdal-'))
  const { rows } = await sql<{ code: string; area: number }>`
    SELECT code, ST_Area(geom::geography) AS area FROM grids WHERE valid_to IS NULL`.execute(database.kysely)
  areas = new Map(rows.map((row) => [row.code, Number(row.area)]))
})

afterAll(async () => {
  await database?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

/** The geodesic area (m²) of lon/lat GeoJSON or of WKT in `srid`, by PostGIS. */
async function areaOf(geometry: unknown, wkt: unknown, srid: number): Promise<number> {
  const shape =
    geometry !== null && geometry !== undefined
      ? sql`ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(geometry)}), 4490)`
      : sql`ST_Transform(ST_GeomFromText(${String(wkt)}, ${srid}), 4490)`
  const { rows } = await sql<{ area: number }>`SELECT ST_Area(${shape}::geography) AS area`.execute(database.kysely)
  return Number(rows[0]?.area)
}

async function exportAndReadBack(format: FormatName, crs: number) {
  const result = await exportLayer(database, { region: '990101', layer: 'grids', format, crs: `EPSG:${crs}`, language: 'zh-CN' })
  const file = path.join(dir, `${format}-${crs}-${result.asciiFileName}`)
  writeFileSync(file, result.file.bytes)
  const source = file.endsWith('.zip') ? `/vsizip/${file}` : file
  // CSV/XLSX name no CRS: GDAL is told the exported one (-s_srs) for CSV, whose WKT column it reads.
  const assign = format === 'csv' ? ['-s_srs', `EPSG:${crs}`] : []
  const json = execFileSync('ogr2ogr', ['-f', 'GeoJSON', '/vsistdout/', ...assign, '-t_srs', 'EPSG:4490', source], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  })
  const info = execFileSync('ogrinfo', ['-so', '-al', source], { encoding: 'utf8' })
  return { result, readBack: JSON.parse(json) as ReadBack, info }
}

const FORMATS: readonly FormatName[] = ['shp', 'gpkg', 'fgb', 'kml', 'csv', 'xlsx']
// KML is lon/lat WGS84 by definition (OGC 07-147r2), so it is exported in lon/lat only.
const CASES = FORMATS.flatMap((format) => (format === 'kml' ? [4490] : [4490, 4527]).map((crs) => ({ format, crs })))

describe('exports read back by GDAL', () => {
  for (const { format, crs } of CASES) {
    it(`${format} in EPSG:${crs}: the grids, their Chinese names, the CRS and their areas`, async () => {
      const { result, readBack, info } = await exportAndReadBack(format, crs)
      expect(result.count).toBe(4)
      expect(readBack.features).toHaveLength(4)
      expect(readBack.features.map((f) => f.properties.网格名称).sort()).toEqual([...NAMES].sort())
      expect(readBack.features.map((f) => String(f.properties.网格编码)).sort()).toEqual([...areas.keys()].sort())
      if (CARRIES_CRS[format]) {
        expect(info).toMatch(/CGCS.?2000/i)
        if (crs === 4527) expect(info).toMatch(/zone.?39|4527/i)
      }
      for (const feature of readBack.features) {
        const expected = areas.get(String(feature.properties.网格编码)) as number
        const area = await areaOf(feature.geometry, feature.properties.WKT, crs)
        expect(Math.abs(area - expected) / expected).toBeLessThan(0.0001)
      }
    })
  }
})

describe('shapefile text and the issues layer', () => {
  it('writes GBK by default and UTF-8 when asked, each declared in the .cpg and read back intact by GDAL', async () => {
    // A UTF-8 field name keeps the whole characters that fit in 10 bytes: 所属社区 becomes 所属社.
    for (const [encoding, cpg, column] of [
      [undefined, /GBK|936/i, '所属社区'],
      ['utf-8', /UTF-?8/i, '所属社'],
    ] as const) {
      const result = await exportLayer(database, { region: '990101001', layer: 'grids', format: 'shp', encoding, language: 'zh-CN' })
      const members = unzipSync(result.file.bytes)
      const cpgName = Object.keys(members).find((name) => name.endsWith('.cpg')) as string
      expect(new TextDecoder().decode(members[cpgName])).toMatch(cpg)
      const file = path.join(dir, `encoding-${encoding ?? 'default'}.zip`)
      writeFileSync(file, result.file.bytes)
      const readBack = JSON.parse(
        execFileSync('ogr2ogr', ['-f', 'GeoJSON', '/vsistdout/', `/vsizip/${file}`], { encoding: 'utf8' }),
      ) as ReadBack
      expect(readBack.features.map((f) => f.properties[column]).sort()).toEqual(['东湖社区', '桂花社区', '桂花社区'])
    }
  })

  it('exports the validation issues as a shapefile GDAL reads, one record per issue', async () => {
    const geojson = await exportLayer(database, { region: '990101', layer: 'issues', format: 'geojson', language: 'zh-CN' })
    const issues = (JSON.parse(new TextDecoder().decode(geojson.file.bytes)) as ReadBack).features
    expect(issues.length).toBeGreaterThan(0)
    const shp = await exportLayer(database, { region: '990101', layer: 'issues', format: 'shp', crs: 'EPSG:4527', language: 'zh-CN' })
    const file = path.join(dir, 'issues.zip')
    writeFileSync(file, shp.file.bytes)
    const shapefiles = Object.keys(unzipSync(shp.file.bytes)).filter((name) => name.endsWith('.shp'))
    const records = shapefiles.flatMap(
      (name) =>
        (JSON.parse(execFileSync('ogr2ogr', ['-f', 'GeoJSON', '/vsistdout/', `/vsizip/${file}/${name}`], { encoding: 'utf8' })) as ReadBack)
          .features,
    )
    expect(records.map((f) => f.properties.问题代码).sort()).toEqual(issues.map((f) => f.properties.问题代码).sort())
    expect(records.map((f) => f.properties.问题说明).sort()).toEqual(issues.map((f) => f.properties.问题说明).sort())
  })
})
