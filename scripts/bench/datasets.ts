import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Feature, FeatureCollection, Geometry, Polygon } from 'geojson'
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
    },
  }
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
