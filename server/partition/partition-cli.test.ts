import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import type { FeatureCollection, Polygon } from 'geojson'
import { afterAll, describe, expect, it } from 'vitest'

// `npm run partition` as a user runs it: a real process over the fixture's files
// (fixtures/partition/two-blocks.*), on PostgreSQL when DATABASE_URL is set, else on a PGlite of
// its own in memory. Bad files and bad input end with a message and exit code 1, never a stack trace.

const run = promisify(execFile)
const dir = mkdtempSync(path.join(os.tmpdir(), 'gridwork-partition-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const cli = (...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'scripts/partition.ts', ...args], { env: process.env, maxBuffer: 64 * 1024 * 1024 })

/** Writes the fixture's input as the files a user has: a boundary feature, buildings and roads as collections. */
function fixtureFiles() {
  const input = JSON.parse(readFileSync('fixtures/partition/two-blocks.input.geojson', 'utf8'))
  const file = (name: string, value: unknown) => {
    const at = path.join(dir, name)
    writeFileSync(at, JSON.stringify(value))
    return at
  }
  return {
    boundary: file('boundary.geojson', { type: 'Feature', properties: { name: '示例' }, geometry: input.boundary }),
    buildings: file('buildings.geojson', {
      type: 'FeatureCollection',
      features: input.buildings.map((b: { geometry: unknown; households: number }) => ({
        type: 'Feature',
        geometry: b.geometry,
        properties: { households: b.households, address: '某路 1 号' },
      })),
    }),
    roads: file('roads.geojson', {
      type: 'FeatureCollection',
      features: input.roads.map((geometry: unknown) => ({ type: 'Feature', geometry, properties: { name: '中路' } })),
    }),
    file,
  }
}

/** The rejection of a run that must fail: exit code 1, the message on stderr, no stack trace. */
async function failure(args: string[]): Promise<string> {
  const error = (await cli(...args).then(
    () => null,
    (e: unknown) => e,
  )) as { code: number; stderr: string } | null
  expect(error).not.toBeNull()
  expect(error?.code).toBe(1)
  expect(error?.stderr).not.toMatch(/\n\s+at /)
  return (error?.stderr ?? '').trim()
}

describe('npm run partition', { timeout: 180_000 }, () => {
  it('writes the fixture’s grids and prints the summary', async () => {
    const files = fixtureFiles()
    const out = path.join(dir, 'grids.geojson')
    const { stdout } = await cli(
      ...['--boundary', files.boundary, '--buildings', files.buildings, '--roads', files.roads],
      ...['--min', '200', '--max', '500', '--seed', '1', '--out', out, '--lang', 'en'],
    )
    const written = JSON.parse(readFileSync(out, 'utf8')) as FeatureCollection<Polygon>
    const expected = JSON.parse(readFileSync('fixtures/partition/two-blocks.expected.geojson', 'utf8')) as FeatureCollection<Polygon>
    expect(written.features.map((f) => [f.properties?.number, f.properties?.households])).toEqual(
      expected.features.map((f) => [f.properties?.number, f.properties?.households]),
    )
    expect(stdout).toContain(`Wrote ${out}: 2 grids`)
    expect(stdout).toContain('Grids within the household range: 100 %')
    expect(stdout).toContain('Share of the lines between grids on roads: 100 %')
  })

  it('groups units given as polygons (--units): each grid is whole blocks', async () => {
    const files = fixtureFiles()
    // The fixture's square in four blocks of 150 households, two either side of the middle.
    const block = (x: number, y: number) => ({
      type: 'Feature',
      properties: { households: 150 },
      geometry: {
        type: 'Polygon',
        coordinates: [
          [
            [x, y],
            [x + 0.005, y],
            [x + 0.005, y + 0.005],
            [x, y + 0.005],
            [x, y],
          ],
        ],
      },
    })
    const units = files.file('units.geojson', {
      type: 'FeatureCollection',
      features: [block(116.4, 39.9), block(116.405, 39.9), block(116.4, 39.905), block(116.405, 39.905)],
    })
    const out = path.join(dir, 'blocks.geojson')
    await cli('--boundary', files.boundary, '--units', units, '--min', '200', '--max', '300', '--seed', '1', '--out', out)
    const written = JSON.parse(readFileSync(out, 'utf8')) as FeatureCollection<Polygon>
    expect(written.features.map((f) => [f.properties?.households, f.properties?.units])).toEqual([
      [300, 2],
      [300, 2],
    ])
  })

  it('explains grids out of range in Chinese by default', async () => {
    const files = fixtureFiles()
    const out = path.join(dir, 'tight.geojson')
    const { stdout } = await cli('--boundary', files.boundary, '--buildings', files.buildings, '--min', '300', '--max', '320', '--out', out)
    expect(stdout).toContain('户数在范围内的网格')
    expect(stdout).toMatch(/^- .*户/m)
  })

  it('refuses missing and broken files, households that are not counts, and input the partition cannot use', async () => {
    const files = fixtureFiles()
    const out = path.join(dir, 'never.geojson')
    const common = ['--min', '200', '--max', '500', '--out', out]
    expect(
      await failure(['--boundary', path.join(dir, 'missing.geojson'), '--buildings', files.buildings, ...common, '--lang', 'en']),
    ).toMatch(/^Cannot read .*missing\.geojson: ENOENT/)
    const broken = files.file('broken.geojson', '')
    writeFileSync(broken, '{"type": "Feature", ')
    expect(await failure(['--boundary', broken, '--buildings', files.buildings, ...common])).toMatch(
      /^文件 .*broken\.geojson 不是有效的 JSON（GeoJSON）/,
    )
    const text = files.file('text-households.geojson', {
      type: 'FeatureCollection',
      features: [{ type: 'Feature', geometry: { type: 'Point', coordinates: [116.401, 39.901] }, properties: { households: '12' } }],
    })
    expect(await failure(['--boundary', files.boundary, '--buildings', text, ...common, '--lang', 'en'])).toBe(
      `Feature 1 of ${text}: properties.households must be a whole number ≥ 0, got "12"`,
    )
    const outside = files.file('outside.geojson', {
      type: 'FeatureCollection',
      features: [{ type: 'Feature', geometry: { type: 'Point', coordinates: [117, 41] }, properties: { households: 300 } }],
    })
    expect(await failure(['--boundary', files.boundary, '--buildings', outside, ...common])).toBe(
      '无法按这些数据划分网格：有 1 栋建筑不在边界内（buildings 中第 1 个，从 1 数起）',
    )
    expect(() => readFileSync(out)).toThrow()
    const nowhere = path.join(dir, 'no-such-folder', 'grids.geojson')
    expect(
      await failure([
        '--boundary',
        files.boundary,
        '--buildings',
        files.buildings,
        '--min',
        '200',
        '--max',
        '500',
        '--out',
        nowhere,
        '--lang',
        'en',
      ]),
    ).toMatch(/^Cannot write .*no-such-folder\/grids\.geojson: ENOENT/)
  })

  it('shows the usage and exits 2 without the required options', async () => {
    await expect(cli('--boundary', 'b.geojson')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('usage: npm run partition'),
    })
  })
})
