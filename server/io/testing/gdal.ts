import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { FeatureCollection, Geometry, Position } from 'geojson'
import { expect } from 'vitest'
import type { AppError } from '../../http/errors.js'
import { translate } from '../../i18n/index.js'
import { appErrorOf, FIXTURES, run } from '../../testing/gdal.js'
import type { InputFile } from '../types.js'

// GDAL as the independent party of the io tests: inputs are written with ogr2ogr into a temporary
// folder, outputs read back with ogr2ogr/ogrinfo (GDAL 3.6 has no `ogrinfo -json`).

export { FIXTURES }

export function makeTempDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'gridwork-io-'))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

export const ogr2ogr = (...args: string[]) => run('ogr2ogr', args)
export const ogrinfo = (...args: string[]) => run('ogrinfo', args)

/** A dataset as GDAL reads it, converted to GeoJSON (text decoded by GDAL, coordinates as stored). */
export function gdalGeoJson(source: string): FeatureCollection & { crs?: { properties: { name: string } } } {
  return JSON.parse(run('ogr2ogr', ['-f', 'GeoJSON', '/vsistdout/', source]))
}

/** The files of a folder (optionally only those named) as an upload. */
export function uploadOf(dir: string, names?: readonly string[]): InputFile[] {
  return (names ?? readdirSync(dir)).map((name) => ({ name, bytes: new Uint8Array(readFileSync(path.join(dir, name))) }))
}

export function writeFiles(dir: string, files: readonly { name: string; bytes: Uint8Array }[]) {
  for (const file of files) writeFileSync(path.join(dir, file.name), file.bytes)
}

/** Expects `action` to fail with the io error `code` whose messages contain `zh` and `en`. */
export async function expectIoError(action: () => unknown, code: string, texts: { zh: string; en: string }): Promise<AppError> {
  const error = await appErrorOf(Promise.resolve().then(action), code)
  expect(translate('zh-CN', `error.${code}`, error.params)).toContain(texts.zh)
  expect(translate('en', `error.${code}`, error.params)).toContain(texts.en)
  return error
}

const flatten = (value: unknown): Position[] =>
  Array.isArray(value) && Array.isArray(value[0]) ? value.flatMap(flatten) : [value as Position]
const positions = (geometry: Geometry | null): Position[] =>
  geometry === null || geometry.type === 'GeometryCollection' ? [] : flatten(geometry.coordinates)

/** Largest distance in metres between matching vertices (lon/lat, at the fixture's latitude). */
export function maxDistanceMetres(actual: Geometry | null, wanted: Geometry | null): number {
  expect(actual?.type).toBe(wanted?.type)
  const a = positions(actual)
  const b = positions(wanted)
  expect(a).toHaveLength(b.length)
  return Math.max(
    ...a.map((p, i) => {
      const q = b[i] as Position
      const dx = ((p[0] as number) - (q[0] as number)) * 111_320 * Math.cos(((q[1] as number) * Math.PI) / 180)
      const dy = ((p[1] as number) - (q[1] as number)) * 110_574
      return Math.hypot(dx, dy)
    }),
  )
}
