import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { PGlite } from '@electric-sql/pglite'
import { postgis } from '@electric-sql/pglite-postgis'
import { afterAll, describe, expect, it } from 'vitest'
import { postgisForGridwork, trimmedBundle } from './postgis-bundle.js'

// The PostGIS bundle PGlite unpacks at each open, without the raster and topology extensions:
// every other file is kept, and PostGIS works from it (the whole suite opens PGlite with it too).

const folders: string[] = []
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true })
})
const temporary = () => {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'gridwork-postgis-bundle-'))
  folders.push(folder)
  return folder
}

const original = async () => (await postgis.setup({} as never, { PGLITE_ENV: {} })).bundlePath as URL
const entries = (bundle: URL) =>
  execFileSync('tar', ['-tzf', fileURLToPath(bundle)], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 })
    .trim()
    .split('\n')

describe('trimmed PostGIS bundle', () => {
  it('keeps every entry but the raster and topology extensions, and is made once', async () => {
    const cache = temporary()
    const source = await original()
    const trimmed = trimmedBundle(source, cache) as URL
    expect(trimmed).toBeInstanceOf(URL)
    const before = entries(source)
    const after = entries(trimmed)
    const dropped = before.filter((name) => !after.includes(name))
    expect(dropped.length).toBeGreaterThan(0)
    expect(dropped.every((name) => /postgis_(raster|topology)/.test(name))).toBe(true)
    expect(after).toContain('lib/postgresql/postgis-3.so')
    expect(after).toContain('share/postgresql/extension/postgis.control')
    expect(after.some((name) => name.startsWith('share/proj/'))).toBe(true)
    expect(after.filter((name) => name.endsWith('.so'))).toEqual(['lib/postgresql/postgis-3.so'])
    // Kept entries in the original order.
    expect(before.filter((name) => !dropped.includes(name))).toEqual(after)

    const made = statSync(trimmed).mtimeMs
    expect(trimmedBundle(source, cache)?.href).toBe(trimmed.href)
    expect(statSync(trimmed).mtimeMs).toBe(made)
  }, 60_000)

  it('falls back (undefined) when the bundle is missing or not a gzip tar', () => {
    const folder = temporary()
    expect(trimmedBundle(pathToFileURL(path.join(folder, 'none.tar.gz')), folder)).toBeUndefined()
    writeFileSync(path.join(folder, 'junk.tar.gz'), 'not gzip')
    expect(trimmedBundle(pathToFileURL(path.join(folder, 'junk.tar.gz')), folder)).toBeUndefined()
  })

  // The embedded engine only: with DATABASE_URL the suite tests PostgreSQL, which has no bundle.
  it.skipIf(Boolean(process.env.DATABASE_URL))(
    'PGlite with it creates PostGIS and transforms coordinates (proj data present)',
    async () => {
      const pg = await PGlite.create({ extensions: { postgis: postgisForGridwork } })
      try {
        await pg.exec('CREATE EXTENSION postgis')
        const { rows } = await pg.query<{ version: string; point: string }>(
          `SELECT postgis_lib_version() AS version, ST_AsText(ST_SnapToGrid(ST_Transform(ST_SetSRID(ST_MakePoint(113, 28), 4490), 3857), 1)) AS point`,
        )
        expect(rows[0]).toEqual({ version: '3.6.2', point: 'POINT(12579102 3248974)' })
        await expect(pg.exec('CREATE EXTENSION postgis_raster')).rejects.toThrow(/postgis_raster/)
      } finally {
        await pg.close()
      }
    },
    120_000,
  )
})
