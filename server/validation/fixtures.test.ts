import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DatabaseHandle } from '../db/connect.js'
import { type NormalisedReport, geometryBbox, normaliseReport, roundArea } from '../testing/report-normalise.js'
import { loadFixture } from '../testing/app.js'
import { openTestDatabase } from '../testing/database.js'
import type { IssueCode } from './report.schemas.js'
import { type ValidateRequest, validate } from './validate.service.js'

// Golden reports (cf. Turf): every fixtures/grids/valid/<what>.geojson and
// fixtures/grids/invalid/<issue-code>/<what-is-wrong>.geojson is validated and its normalised
// report compared with <name>.expected.json beside it. UPDATE_FIXTURES=1 (or a missing file)
// writes the expectation; the invariants below still hold a regenerated file to account:
// valid/ must be valid without errors, invalid/<code>/ must raise <code>.
// The request is in the file: the FeatureCollection plus optional top-level foreign members
// "parent" (Polygon/MultiPolygon, or a region code of the mini county), "profile" (rule profile id), "options": { sliver_tolerance_m2 },
// which are taken out of it; anything else (e.g. a "crs" member) stays in the collection.
// The fixtures come from fixtures/grids/generate.mjs; regenerate the expectations with
// UPDATE_FIXTURES=1 npx vitest run server/validation/fixtures.test.ts (and DATABASE_URL=… for PostgreSQL).
// Each fixture also runs with { forceOverlay: true } (the PostGIS overlay path, skipping the edge-match proof), which must
// give the same normalised report apart from summary.coverage_path.

const ROOT = 'fixtures/grids'

const ISSUE_CODES: Record<IssueCode, true> = {
  invalid_geometry: true,
  duplicate_id: true,
  overlap: true,
  gap: true,
  outside_parent: true,
  not_contiguous: true,
  households_below_min: true,
  households_above_max: true,
  households_missing: true,
  micro_gap: true,
  micro_overlap: true,
  micro_outside_parent: true,
  dedicated_outside: true,
  crosses_region: true,
  invalid_kind: true,
  parent_grid_missing: true,
}

function fixtureFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const file = path.join(dir, name)
      if (statSync(file).isDirectory()) return fixtureFiles(file)
      return name.endsWith('.geojson') ? [file] : []
    })
}

// fixtures/grids/mini-county-grids.geojson (demo data, no valid/invalid folder) is not a case.
const cases = fixtureFiles(ROOT)
  .filter((file) => /^(valid|invalid)\//.test(path.relative(ROOT, file).split(path.sep).join('/')))
  .map((file) => path.relative(ROOT, file).split(path.sep).join('/'))

interface FixtureFile {
  type: 'FeatureCollection'
  features: unknown[]
  parent?: unknown
  profile?: string
  options?: { sliver_tolerance_m2?: number }
  [member: string]: unknown
}

function requestFrom(fixture: FixtureFile): ValidateRequest {
  const { parent, profile, options, ...collection } = fixture
  return {
    features: collection,
    ...(parent === undefined ? {} : { parent }),
    ...(profile === undefined ? {} : { profile }),
    ...(options?.sliver_tolerance_m2 === undefined ? {} : { sliver_tolerance_m2: options.sliver_tolerance_m2 }),
  }
}

/** Ids the engine may name: given ones (feature.id, properties.id, properties.code) and assigned "#n". */
function knownIds(fixture: FixtureFile): Set<string> {
  return new Set(
    fixture.features.map((raw, index) => {
      const feature = (raw ?? {}) as { id?: unknown; properties?: Record<string, unknown> | null }
      const given = feature.id ?? feature.properties?.id ?? feature.properties?.code
      return given === undefined || given === null || given === '' ? `#${index + 1}` : String(given)
    }),
  )
}

/** What keeps an issue geometry from being RFC 7946 (closed rings, shells counter-clockwise, holes clockwise). */
function rfc7946Problems(geometry: unknown): string[] {
  const { type, coordinates } = geometry as { type?: string; coordinates?: unknown }
  if (type === 'Point') return []
  const polygons = (type === 'Polygon' ? [coordinates] : type === 'MultiPolygon' ? coordinates : null) as number[][][][] | null
  if (!Array.isArray(polygons)) return [`unexpected geometry type ${type}`]
  const problems: string[] = []
  polygons.forEach((rings, p) => {
    rings.forEach((ring, r) => {
      const first = ring[0] as number[]
      const last = ring[ring.length - 1] as number[]
      if (ring.length < 4 || first[0] !== last[0] || first[1] !== last[1]) problems.push(`polygon ${p} ring ${r} is not a closed ring`)
      // Shoelace relative to the first vertex, so tiny rings far from the origin keep their sign.
      let twiceArea = 0
      for (let i = 1; i < ring.length - 1; i++) {
        const a = ring[i] as number[]
        const b = ring[i + 1] as number[]
        twiceArea +=
          ((a[0] as number) - (first[0] as number)) * ((b[1] as number) - (first[1] as number)) -
          ((b[0] as number) - (first[0] as number)) * ((a[1] as number) - (first[1] as number))
      }
      if (r === 0 ? twiceArea < 0 : twiceArea > 0) problems.push(`polygon ${p} ring ${r} is ${r === 0 ? 'clockwise' : 'counter-clockwise'}`)
    })
  })
  return problems
}

let database: DatabaseHandle

beforeAll(async () => {
  database = await openTestDatabase()
  // For fixtures whose "parent" is a region code (the mini county's communities and township).
  await loadFixture(database, 'fixtures/regions/mini-county.geojson', 'regions', '99')
})
afterAll(async () => database?.close())

describe('validation fixtures (golden reports)', () => {
  it('has the cases the issue asks for', () => {
    expect(cases.length).toBeGreaterThanOrEqual(44)
  })

  it.each(cases)('%s', async (name) => {
    const file = path.join(ROOT, name)
    const fixture = JSON.parse(readFileSync(file, 'utf8')) as FixtureFile
    const request = requestFrom(fixture)
    const raw = await validate(database, request, 'zh-CN')
    const report = normaliseReport(raw)

    const expectedFile = file.replace(/\.geojson$/, '.expected.json')
    if (process.env.UPDATE_FIXTURES || !existsSync(expectedFile)) {
      writeFileSync(expectedFile, `${JSON.stringify(report, null, 2)}\n`)
    }
    expect(report).toEqual(JSON.parse(readFileSync(expectedFile, 'utf8')) as NormalisedReport)

    // Invariants, so that a wrongly regenerated expectation cannot pass.
    const [folder, code] = name.split('/')
    const codes = report.issues.map((issue) => issue.code)
    if (folder === 'valid') {
      expect(report.issues.filter((issue) => issue.severity === 'error')).toEqual([])
      expect(report.valid).toBe(true)
    } else {
      expect(Object.keys(ISSUE_CODES), `folder invalid/${code} is not an issue code`).toContain(code)
      expect(codes, `${name} must report ${code}`).toContain(code)
    }
    expect(report.valid).toBe(report.issues.every((issue) => issue.severity !== 'error'))
    const ids = knownIds(fixture)
    for (const issue of report.issues) {
      for (const id of issue.feature_ids) expect(ids, `${issue.code} names unknown feature ${id}`).toContain(id)
    }
    const byCode: Record<string, number> = {}
    for (const c of codes) byCode[c] = (byCode[c] ?? 0) + 1
    expect(report.summary.by_code).toEqual(byCode)
    expect(report.summary.errors).toBe(report.issues.filter((issue) => issue.severity === 'error').length)
    expect(report.summary.warnings).toBe(report.issues.filter((issue) => issue.severity === 'warning').length)
    expect(report.summary.features).toBe(fixture.features.length)

    // The PostGIS 3.3 path (no ST_Coverage*, no shortcuts) must judge the same.
    const rawOverlay = await validate(database, request, 'zh-CN', { forceOverlay: true })
    const overlay = normaliseReport(rawOverlay)
    expect({ ...overlay, summary: { ...overlay.summary, coverage_path: report.summary.coverage_path } }).toEqual(report)

    // Issue geometries go straight onto the web map: RFC 7946, like everything else we emit.
    for (const issue of [...raw.issues, ...rawOverlay.issues]) {
      if (issue.geometry !== undefined)
        expect(rfc7946Problems(issue.geometry), `${issue.code} geometry of ${issue.feature_ids.join(', ')}`).toEqual([])
    }
  })
})

describe('normaliseReport', () => {
  it('rounds areas to 0.01 m² or 4 significant digits, whichever is coarser', () => {
    expect([88131.2323, 5989.4, 50.0234, 0.5001275, 0.294, 0.0000999, 0].map(roundArea)).toEqual([88130, 5989, 50.02, 0.5, 0.29, 0, 0])
  })

  it('reduces geometries to a bbox at 1e-6° and sorts issues by code, ids, bbox', () => {
    const polygon = {
      type: 'Polygon',
      coordinates: [
        [
          [113.0030000004, 28.2],
          [113.0015, 28.2],
          [113.0015, 28.20135],
          [113.0030000004, 28.2],
        ],
      ],
    }
    expect(geometryBbox(polygon)).toEqual([113.0015, 28.2, 113.003, 28.20135])
    expect(geometryBbox({ type: 'GeometryCollection', geometries: [] })).toBeNull()
    const issue = (code: IssueCode, ids: string[], x: number) => ({
      code,
      severity: 'error' as const,
      message: `${code} ${x}`,
      feature_ids: ids,
      geometry: { type: 'Point', coordinates: [x, 28.2] },
    })
    const summary = {
      features: 2,
      errors: 3,
      warnings: 0,
      by_code: {},
      gap_area_m2: 1.23456,
      overlap_area_m2: 0,
      outside_area_m2: 0,
      grids_out_of_range: 0,
      assigned_ids: [],
      profile: 'cn-default',
      coverage_path: 'overlay' as const,
    }
    const normalised = normaliseReport({
      valid: false,
      summary,
      issues: [issue('overlap', ['b'], 113.1), issue('gap', ['a'], 113.2), issue('gap', ['a'], 113.1)],
    })
    expect(normalised.issues.map((i) => i.message)).toEqual(['gap 113.1', 'gap 113.2', 'overlap 113.1'])
    expect(normalised.issues[0]?.geometry).toEqual({ type: 'Point', bbox: [113.1, 28.2, 113.1, 28.2] })
    expect(normalised.summary.gap_area_m2).toBe(1.23)
  })
})
