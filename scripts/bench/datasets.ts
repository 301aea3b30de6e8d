import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Feature, FeatureCollection, Geometry, Polygon } from 'geojson'
import { CITY_100K, generateCity } from './city.js'
import { checkSharedEdges, generateCounty, withFaults } from './voronoi-county.js'

// The coverage benchmark's datasets. Each is what one validate() call receives, plus the facts
// known about it in advance (the synthetic county is a clean coverage by construction; the
// faulty variant has faults by construction), so a fast-but-wrong answer shows.

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
/** CI's clone has the shared folder beside the repository. */
export const DENVER_FILE = path.resolve(REPO_ROOT, '../shared/data/denver/blocks-2020.geojson')
export const PROVIDENCE_FILE = path.resolve(REPO_ROOT, '../shared/data/providence/blocks-2010.geojson')

export interface Dataset {
  /** Name stem of the figures: `coverage.3000` → `coverage.3000.ms`. */
  name: string
  description: string
  features: FeatureCollection
  parent: Polygon | undefined
  crs: 'cgcs2000' | 'wgs84'
  stats: { features: number; positions: number; sha256: string }
  /** What the answers must be when known in advance (clean synthetic coverage). */
  expectClean: boolean
  /** Options of the validate() call (a city is over POST /validate's 20,000 features). */
  validateOptions?: { maxFeatures?: number }
  /** Why the naive PostGIS baseline is not run on this dataset (it is measured on another). */
  naiveSkipped?: string
  /** Also time PostGIS's own coverage functions (postgis-coverage.ts), interleaved. */
  postgisCoverage?: boolean
  /**
   * The fingerprints of the report (in English) that validate() gave for this dataset before its
   * speed-ups (main b443595), by engine and PostGIS version ("pglite 3.6.2": PGlite 0.5.8 with
   * GEOS 3.14; "postgres 3.3.2": PostgreSQL 15 with GEOS 3.11): the bench warns if the report
   * changes. Another engine or version (another GEOS) is fingerprinted, not compared.
   */
  reportBefore?: Record<string, string>
}

export type DatasetLoad = { dataset: Dataset } | { skipped: string }

export function countyDataset(): Dataset {
  const county = generateCounty()
  const problems = checkSharedEdges(county)
  if (problems.length > 0) throw new Error(`synthetic county is not a clean coverage:\n  ${problems.join('\n  ')}`)
  return {
    name: 'coverage.3000',
    description: `synthetic county: 3,000 Voronoi grids, ${(county.stats.vertices / county.stats.cells).toFixed(1)} vertices each on average, parent = bbox`,
    features: county.features,
    parent: county.parent,
    crs: 'cgcs2000',
    stats: fingerprint(county.features),
    expectClean: true,
  }
}

/** The county with 10 pushed-out and 10 pulled-in shared vertices: times the engine's fault path. */
export function faultyCountyDataset(): Dataset {
  const county = generateCounty()
  const features = withFaults(county, 10, 'gridwork-bench-faults')
  return {
    name: 'coverage.3000.faults',
    description: 'the same county with 10 vertices pushed out (overlaps) and 10 pulled in (gaps), ~3 m each',
    features,
    parent: county.parent,
    crs: 'cgcs2000',
    stats: fingerprint(features),
    expectClean: false,
  }
}

export function denverDataset(file = DENVER_FILE): DatasetLoad {
  if (!existsSync(file)) {
    return { skipped: `${file} not found (the shared data folder sits beside the repository in CI)` }
  }
  const raw = JSON.parse(readFileSync(file, 'utf8')) as FeatureCollection<Geometry, Record<string, unknown>>
  const features: Feature[] = raw.features.map((feature) => {
    const id = String(feature.properties?.geoid)
    const population = Number(feature.properties?.population ?? 0)
    return {
      type: 'Feature',
      id,
      properties: { id, kind: 'comprehensive', households: Math.round(population / 2.5), population },
      geometry: feature.geometry,
    }
  })
  const collection: FeatureCollection = { type: 'FeatureCollection', features }
  return {
    dataset: {
      name: 'coverage.denver',
      description: `Denver 2020 census blocks (${features.length}), households = population / 2.5, no parent`,
      features: collection,
      parent: undefined,
      crs: 'wgs84',
      stats: fingerprint(collection),
      expectClean: false,
      postgisCoverage: true,
      reportBefore: { 'pglite 3.6.2': '0f4b78a9546b6530', 'postgres 3.3.2': 'd23d43822c9dac3e' },
    },
  }
}

/**
 * A synthetic city of 100,000 grids (city.ts) with its boundary as parent, 12 grids left out
 * (gaps): one validate() call, over POST /validate's MAX_FEATURES, as an in-process caller of
 * stored grids would make it. Or its 100 × 100 south-west corner, where the naive baseline
 * finishes in reasonable time.
 */
export function cityDataset(size: '100k' | '10k'): Dataset {
  const options = size === '100k' ? CITY_100K : { ...CITY_100K, columns: 100, rows: 100, holes: 3 }
  const city = generateCity(options)
  const features = city.features
  const grids = features.features.length
  return {
    name: `coverage.city_${size}`,
    description: `synthetic city: ${grids.toLocaleString('en')} grids of ${(city.vertices / grids).toFixed(0)} positions (${options.columns} × ${options.rows} cells of ~300 m, ${options.holes} left out), parent = the city's boundary, households seeded (~4 % outside 200–500)`,
    features,
    parent: city.parent,
    crs: 'cgcs2000',
    stats: fingerprint(features),
    expectClean: false,
    validateOptions: { maxFeatures: 200_000 },
    ...(size === '100k'
      ? {
          naiveSkipped:
            'the naive PostGIS check of 100,000 grids (pairwise intersections, one ST_Union) does not finish in reasonable time on PGlite: it is measured on coverage.city_10k',
          reportBefore: { 'pglite 3.6.2': '5e8d01b01f8d01b1' },
        }
      : { reportBefore: { 'pglite 3.6.2': '08f46047fa2c6443', 'postgres 3.3.2': '5eaf1fbd775c7cb5' } }),
  }
}

/** The 16-hex-digit fingerprint of a report (its JSON), for reportBefore. */
export function reportSha256(report: unknown): string {
  return createHash('sha256').update(JSON.stringify(report)).digest('hex').slice(0, 16)
}

function fingerprint(collection: FeatureCollection): Dataset['stats'] {
  let positions = 0
  const count = (value: unknown): void => {
    if (Array.isArray(value) && typeof value[0] === 'number') positions++
    else if (Array.isArray(value)) for (const item of value) count(item)
  }
  for (const feature of collection.features) {
    const geometry = feature.geometry as { coordinates?: unknown } | null
    count(geometry?.coordinates)
  }
  const sha256 = createHash('sha256').update(JSON.stringify(collection)).digest('hex').slice(0, 16)
  return { features: collection.features.length, positions, sha256 }
}
