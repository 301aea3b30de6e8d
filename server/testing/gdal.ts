import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FeatureCollection, Geometry } from 'geojson'
import { afterAll, beforeAll, expect } from 'vitest'
import { AppError } from '../http/errors.js'
import { translate } from '../i18n/index.js'
import type { FieldInfo, InputFile, OutputFile, OutputLayer, PropertyValue } from '../io/types.js'

// GDAL (ogr2ogr/ogrinfo) as the independent party of the format tests: it writes the inputs our
// readers get and reads back what our writers produce. GDAL 3.6 has no `ogrinfo -json`, so layers
// are read back by converting them to GeoJSON.

export const FIXTURES = new URL('../../fixtures/io/', import.meta.url).pathname

export interface GdalDir {
  path: (name: string) => string
  /** Runs ogr2ogr with the arguments as given; returns stdout. */
  ogr2ogr: (...args: string[]) => string
  ogrinfo: (...args: string[]) => string
  /** A file of the temp dir as an upload. */
  input: (name: string) => InputFile
  /** Saves a writer's output into the temp dir and returns its path. */
  save: (file: OutputFile) => string
  /** A layer of a file as GeoJSON, read by GDAL (extra ogr2ogr arguments e.g. open options). */
  asGeoJson: (file: string, ...args: string[]) => FeatureCollection
  /** The summed area of a layer's geometries as GDAL computes it (SQLite dialect), in the file's units. */
  area: (file: string, layer: string, geometryColumn?: string) => number
  remove: () => void
}

/** Runs a GDAL tool; its output as text (up to 256 MB: a layer converted to GeoJSON can be large). */
export const run = (command: string, args: readonly string[]) =>
  execFileSync(command, args, {
    encoding: 'utf-8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 1 << 28,
    env: { ...process.env, CPL_LOG: '/dev/null' },
  })

export function gdalDir(): GdalDir {
  const dir = mkdtempSync(join(tmpdir(), 'gridwork-io-'))
  const path = (name: string) => join(dir, name)
  return {
    path,
    ogr2ogr: (...args) => run('ogr2ogr', args),
    ogrinfo: (...args) => run('ogrinfo', args),
    input: (name) => ({ name, bytes: new Uint8Array(readFileSync(path(name))) }),
    save: (file) => {
      writeFileSync(path(file.name), file.bytes)
      return path(file.name)
    },
    asGeoJson: (file, ...args) => JSON.parse(run('ogr2ogr', ['-f', 'GeoJSON', '/vsistdout/', file, ...args])),
    area: (file, layer, geometryColumn = 'geometry') => {
      const out = run('ogrinfo', [file, '-dialect', 'sqlite', '-sql', `SELECT sum(ST_Area("${geometryColumn}")) AS area FROM "${layer}"`])
      return Number(/area \(Real\) = (\S+)/.exec(out)?.[1])
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  }
}

/** The fixture of Chinese-named grids (4 polygons, one with a hole) as GeoJSON. */
export const gridsFixture = (): FeatureCollection =>
  JSON.parse(readFileSync(join(FIXTURES, 'grids-cn.geojson'), 'utf-8')) as FeatureCollection

/** Every position of a geometry, flattened. */
export function positionsOf(geometry: Geometry | null): number[][] {
  if (geometry === null) return []
  if (geometry.type === 'GeometryCollection') return geometry.geometries.flatMap(positionsOf)
  const flatten = (value: unknown): number[][] =>
    typeof (value as number[])[0] === 'number' ? [value as number[]] : (value as unknown[]).flatMap(flatten)
  return flatten(geometry.coordinates)
}

/** The largest distance between corresponding positions of two geometries (Infinity when shapes differ). */
export function maxPositionGap(a: Geometry | null, b: Geometry | null): number {
  const left = positionsOf(a)
  const right = positionsOf(b)
  if (left.length !== right.length || a?.type !== b?.type) return Number.POSITIVE_INFINITY
  return left.reduce((gap, position, index) => {
    const other = right[index] as number[]
    return Math.max(gap, Math.hypot((position[0] as number) - (other[0] as number), (position[1] as number) - (other[1] as number)))
  }, 0)
}

/** The AppError a promise rejects with, after checking its code. */
export async function appErrorOf(promise: Promise<unknown>, code: string): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (reason: unknown) => reason,
  )
  if (!(error instanceof AppError)) throw new Error(`expected an AppError ${code}, got ${String(error)}`)
  if (error.code !== code) throw new Error(`expected ${code}, got ${error.code} ${JSON.stringify(error.params)}`)
  return error
}

/** The messages (zh-CN, en) of the AppError a promise rejects with, after checking its code. */
export async function ioErrorMessages(promise: Promise<unknown>, code: string): Promise<{ zh: string; en: string }> {
  const error = await appErrorOf(promise, code)
  return { zh: translate('zh-CN', `error.${code}`, error.params), en: translate('en', `error.${code}`, error.params) }
}

/** The fields of the grids fixture, as its readers should type them. */
export const GRID_FIELDS: FieldInfo[] = [
  { name: '网格编码', type: 'string' },
  { name: '网格名称', type: 'string' },
  { name: '户数', type: 'integer' },
]

/** The grids fixture as a layer to write. */
export const gridsLayer = (name = '网格'): OutputLayer => ({
  name,
  fields: GRID_FIELDS,
  features: gridsFixture().features.map((feature) => ({
    geometry: feature.geometry,
    properties: { ...(feature.properties as Record<string, PropertyValue>) },
  })),
})

/** Features read back equal the expected ones: the same properties, positions within `tolerance`. */
export function expectSameFeatures(
  actual: readonly { geometry: Geometry | null; properties: unknown }[],
  expected: readonly { geometry: Geometry | null; properties: unknown }[],
  tolerance: number,
): void {
  expect(actual.map((feature) => feature.properties)).toEqual(expected.map((feature) => feature.properties))
  actual.forEach((feature, index) => {
    expect(maxPositionGap(feature.geometry, expected[index]?.geometry ?? null)).toBeLessThanOrEqual(tolerance)
  })
}

/** The grids fixture file, as GDAL's input. */
export const GRIDS_SOURCE = join(FIXTURES, 'grids-cn.geojson')

/** A temp dir for one test file: `prepare` runs GDAL before the tests, the dir goes after them. */
export function gdalFiles(prepare: (gdal: GdalDir) => void): GdalDir {
  const gdal = gdalDir()
  beforeAll(() => prepare(gdal))
  afterAll(() => gdal.remove())
  return gdal
}
