import { describe, expect, it } from 'vitest'
import { AppError } from '../http/errors.js'
import { MAX_FEATURES } from '../http/limits.js'
import { getProfile } from '../profiles/profiles.js'
import type { RuleProfile } from '../profiles/rule-profile.js'
import type { Finding } from './coverage.repository.js'
import { Slices } from './slices.js'
import { contiguityIssues, sizingInputs } from './validate-checks.js'
import { coverageIssues, needsOverlay, noFindings, overlayRows, planCoverage, withoutInvalidGrids } from './validate-coverage.js'
import { checkRequest, FeatureIds, type Parent, parseFeatures } from './validate-input.js'
import { buildReport, formatArea, formatPlace, newIssue, validationMessages } from './validate-report.js'

// The stages of validate() that need no database, on small fixtures; fixtures.test.ts and
// validate.routes.test.ts cover the whole validation on both engines.

const t = validationMessages('en')
const profile = getProfile('cn-default') as RuleProfile

/** An axis-aligned square feature, 0.01° a side from (x, y). */
function square(id: string, x: number, y: number, properties: Record<string, unknown> = {}, size = 0.01) {
  const ring = [
    [x, y],
    [x + size, y],
    [x + size, y + size],
    [x, y + size],
    [x, y],
  ]
  return { type: 'Feature', id, properties, geometry: { type: 'Polygon', coordinates: [ring] } }
}

const collection = (...features: unknown[]) => ({ type: 'FeatureCollection', features })

async function parse(...features: unknown[]) {
  return parseFeatures(features, undefined, t, new Slices())
}

const finding = (idxs: number[], area_m2: number): Finding => ({ idxs, area_m2, geometry: null, bbox: [113, 28, 113.00002, 28.00002] })

describe('validate stages: the request', () => {
  const codeOf = (request: Parameters<typeof checkRequest>[0]) => {
    try {
      checkRequest(request)
      return null
    } catch (error) {
      return error instanceof AppError ? [error.statusCode, error.code] : error
    }
  }

  it('takes a collection with the default profile and a 1 m² tolerance', () => {
    const checked = checkRequest({ features: collection(square('a', 113, 28)) })
    expect(checked.features).toHaveLength(1)
    expect(checked.profile.id).toBe('cn-default')
    expect(checked.tolerance).toBe(1)
  })

  it('refuses what is not a usable request, with the error code of the first problem', () => {
    expect(codeOf({ features: { type: 'Feature' } })).toEqual([400, 'validation_not_feature_collection'])
    expect(codeOf({ features: collection() })).toEqual([400, 'validation_empty'])
    expect(codeOf({ features: collection(...Array.from({ length: MAX_FEATURES + 1 }, () => ({}))) })).toEqual([
      413,
      'validation_too_many_features',
    ])
    expect(codeOf({ features: { ...collection({}), crs: { properties: { name: 'EPSG:3857' } } } })).toEqual([400, 'crs_unsupported'])
    expect(codeOf({ features: { ...collection({}), crs: { properties: { name: 'EPSG:4490' } } }, crs: 'gcj02' })).toEqual([
      400,
      'crs_conflict',
    ])
    expect(codeOf({ features: collection({}), profile: 'nowhere' })).toEqual([400, 'profile_unknown'])
    expect(codeOf({ features: collection({}), sliver_tolerance_m2: -1 })).toEqual([400, 'sliver_tolerance_invalid'])
  })
})

describe('validate stages: features', () => {
  it('assigns ids to features without one and reports structure and kind problems', async () => {
    const { parsed, assigned, issues } = await parse({ ...square('', 113, 28), id: undefined }, square('b', 113.01, 28, { kind: 'park' }), {
      type: 'Feature',
      properties: {},
      geometry: { type: 'Point', coordinates: [113, 28] },
    })
    expect(parsed.map((f) => [f.id, f.kind, f.invalid, f.polygons === null])).toEqual([
      ['#1', 'comprehensive', false, false],
      ['b', 'comprehensive', false, false],
      ['#3', 'comprehensive', true, true],
    ])
    expect(assigned).toEqual(['#1', '#3'])
    expect(issues.map((i) => [i.code, i.feature_ids, i.reason])).toEqual([
      ['invalid_kind', ['b'], undefined],
      ['invalid_geometry', ['#3'], 'wrong_geometry_type'],
    ])
  })

  it('reports duplicate ids and micro/dedicated grids without their parent grid', async () => {
    const { parsed } = await parse(
      square('a', 113, 28),
      square('a', 113.01, 28),
      square('m1', 113, 28, { kind: 'micro', parent_grid: 'a' }, 0.001),
      square('m2', 113, 28, { kind: 'micro' }, 0.001),
      square('d1', 113, 28, { kind: 'dedicated', parent_grid: 'zz' }, 0.001),
    )
    const ids = new FeatureIds(parsed)
    expect(ids.parentOf(parsed[2] as (typeof parsed)[number])?.idx).toBe(0)
    expect(ids.issues(t).map((i) => [i.code, i.feature_ids, i.message])).toEqual([
      ['duplicate_id', ['a'], 'Id "a" is used 2 times; each grid needs its own id'],
      ['parent_grid_missing', ['m2'], 'Micro-grid m2 does not say which grid it belongs to (properties.parent_grid)'],
      ['parent_grid_missing', ['d1'], expect.stringContaining('names parent grid "zz"')],
    ])
  })

  it('reports comprehensive grids in several pieces, unless the profile allows them', async () => {
    const twoPieces = {
      ...square('two', 113, 28),
      geometry: {
        type: 'MultiPolygon',
        coordinates: [square('', 113, 28).geometry.coordinates, square('', 113.02, 28).geometry.coordinates],
      },
    }
    const { parsed } = await parse(twoPieces, square('one', 113.05, 28))
    expect(contiguityIssues(parsed, profile, t).map((i) => [i.code, i.feature_ids])).toEqual([['not_contiguous', ['two']]])
    expect(contiguityIssues(parsed, { ...profile, allowMultipart: true }, t)).toEqual([])
  })

  it('takes the urban/rural class from the feature, else its community, else the parent', async () => {
    const { parsed } = await parse(
      square('own', 113, 28, { urban_rural: '220', households: 300, population: 900.5, count_date: '2026-01-01' }),
      square('community', 113.01, 28, { region_code: '990101001001' }),
      square('parent', 113.02, 28),
    )
    const parent: Parent = { polygons: [], urbanRural: '111', regionWithChildren: null, childBoxes: [] }
    expect(sizingInputs(parsed, new Map([['990101001001', '122']]), parent)).toEqual([
      { id: 'own', kind: 'comprehensive', households: 300, population: null, count_date: '2026-01-01', urban_rural: '220' },
      { id: 'community', kind: 'comprehensive', households: null, population: null, count_date: null, urban_rural: '122' },
      { id: 'parent', kind: 'comprehensive', households: null, population: null, count_date: null, urban_rural: '111' },
    ])
  })
})

describe('validate stages: coverage', () => {
  it('proves two neighbouring squares clean in JS and needs PostGIS only for a parent or other grids', async () => {
    const { parsed } = await parse(square('a', 113, 28), square('b', 113.01, 28))
    const plan = await planCoverage(parsed, null, false, false, new Slices())
    expect(plan.path).toBe('edge-match')
    expect(plan.hasGapRings).toBe(false)
    expect(needsOverlay(plan, null)).toBe(false)
    expect(needsOverlay(plan, { polygons: [], urbanRural: null, regionWithChildren: null, childBoxes: [] })).toBe(true)
    const forced = await planCoverage(parsed, null, false, true, new Slices())
    expect([forced.path, forced.clean, needsOverlay(forced, null)]).toEqual(['overlay', null, true])
  })

  it('puts the outline grids, the other grids and their parent grids in the overlay table', async () => {
    const { parsed } = await parse(
      square('a', 113, 28),
      square('b', 113.01, 28),
      square('m', 113.011, 28.001, { kind: 'micro', parent_grid: 'b' }, 0.001),
    )
    const plan = await planCoverage(parsed, null, false, false, new Slices())
    const rows = overlayRows(parsed, plan, new FeatureIds(parsed))
    expect(rows.map((r) => [r.idx, r.kind, r.parent_idx])).toEqual([
      [0, 'comprehensive', null],
      [1, 'comprehensive', null],
      [2, 'micro', 1],
    ])
  })

  it('checks region crossings only for grids whose box meets two child regions, and none under one child', async () => {
    // Exact literals, so neighbours share their edges exactly (113 + 0.01 + 0.01 is not 113.02).
    const xs = [113, 113.01, 113.02, 113.03]
    const ys = [28, 28.01, 28.02, 28.03]
    const cell = (row: number, col: number) => {
      const [x0, x1, y0, y1] = [xs[col], xs[col + 1], ys[row], ys[row + 1]] as number[]
      const ring = [
        [x0, y0],
        [x1, y0],
        [x1, y1],
        [x0, y1],
        [x0, y0],
      ]
      return { type: 'Feature', id: `g${row}${col}`, properties: {}, geometry: { type: 'Polygon', coordinates: [ring] } }
    }
    const block = [0, 1, 2].flatMap((row) => [0, 1, 2].map((col) => cell(row, col)))
    const { parsed } = await parse(...block)
    const middle = 4 // g11: 113.01–113.02 × 28.01–28.02, the one grid not on the outline
    const parentWith = (...childBoxes: [number, number, number, number][]): Parent => ({
      polygons: [],
      urbanRural: null,
      regionWithChildren: '990101001000',
      childBoxes,
    })
    const rowsFor = async (parent: Parent) => {
      const plan = await planCoverage(parsed, parent, false, false, new Slices())
      return {
        crossingsIn: plan.crossingsIn,
        idxs: overlayRows(parsed, plan, new FeatureIds(parsed))
          .map((r) => r.idx)
          .sort((a, b) => a - b),
      }
    }
    // Villages split at 28.015: the middle grid lies in both boxes and may cross.
    const split = await rowsFor(parentWith([113, 28, 113.03, 28.015], [113, 28.015, 113.03, 28.03]))
    expect(split).toEqual({ crossingsIn: '990101001000', idxs: [0, 1, 2, 3, 4, 5, 6, 7, 8] })
    // Split at 28.025: the middle grid's box meets one village only, so it cannot cross.
    const clear = await rowsFor(parentWith([113, 28, 113.03, 28.025], [113, 28.025, 113.03, 28.03]))
    expect(clear.idxs).not.toContain(middle)
    // One village: nothing to cross into, no check at all.
    expect((await rowsFor(parentWith([113, 28, 113.03, 28.03]))).crossingsIn).toBeNull()
  })

  it('drops findings that touch an invalid grid', async () => {
    const { parsed } = await parse(square('a', 113, 28), square('b', 113.01, 28), square('c', 113.02, 28))
    ;(parsed[2] as (typeof parsed)[number]).invalid = true
    const findings = {
      ...noFindings(),
      overlap: [finding([0, 1], 5), finding([1, 2], 5)],
      crossings: [{ ...finding([2], 5), main: 'x', others: [] }],
    }
    const kept = withoutInvalidGrids(findings, parsed)
    expect(kept.overlap.map((f) => f.idxs)).toEqual([[0, 1]])
    expect(kept.crossings).toEqual([])
  })

  it('words findings as issues: errors, or sliver warnings below the tolerance', async () => {
    const { parsed } = await parse(square('a', 113, 28), square('b', 113.01, 28))
    const ids = new FeatureIds(parsed)
    const findings = { ...noFindings(), overlap: [finding([0, 1], 12.345)], gap: [finding([0], 0.5), finding([], 1500.4)] }
    const issues = coverageIssues(findings, ids, 1, t)
    expect(issues.map((i) => [i.code, i.severity, i.feature_ids, i.area_m2])).toEqual([
      ['overlap', 'error', ['a', 'b'], 12.345],
      ['gap', 'warning', ['a'], 0.5],
      ['gap', 'error', [], 1500.4],
    ])
    expect(issues[0]?.message).toBe('Grids a and b overlap by 12.3 m² (around 113.00001, 28.00001)')
    expect(issues[1]?.message).toMatch(/^0\.5 m² around .* \(next to a\); below the 1 m² tolerance/)
    expect(issues[2]?.message).toBe('1500 m² around 113.00001, 28.00001 is covered by no grid')
  })
})

describe('validate stages: the report', () => {
  it('sums issues by code and area, and counts grids out of household range once', () => {
    const issues = [
      newIssue('gap', 'error', '', ['a'], { area_m2: 1.00004 }),
      newIssue('gap', 'warning', '', ['b'], { area_m2: 0.5 }),
      newIssue('households_below_min', 'error', '', ['a']),
      newIssue('households_above_max', 'warning', '', ['a']),
    ]
    const report = buildReport(issues, 3, ['#3'], 'cn-default', 'overlay')
    expect(report.valid).toBe(false)
    expect(report.summary).toEqual({
      features: 3,
      errors: 2,
      warnings: 2,
      by_code: { gap: 2, households_below_min: 1, households_above_max: 1 },
      gap_area_m2: 1.5,
      overlap_area_m2: 0,
      outside_area_m2: 0,
      grids_out_of_range: 1,
      assigned_ids: ['#3'],
      profile: 'cn-default',
      coverage_path: 'overlay',
    })
  })

  it('formats areas to three significant digits and places to five decimals', () => {
    expect([0.012345, 12.345, 999.5, 1000.4, 123456.7].map(formatArea)).toEqual(['0.0123', '12.3', '1000', '1000', '123457'])
    expect(formatPlace([113.123451, 28.2])).toBe('113.12345, 28.20000')
    // Two vertices a last bit apart across a rounding edge give the same text.
    expect(formatPlace([113.123454999999, 28.2])).toBe(formatPlace([113.123455000001, 28.2]))
  })
})
