import type { IssueCode, InvalidGeometryReason, Severity, ValidationReport, ValidationSummary } from '../validation/report.schemas.js'

// Makes validation reports comparable across engines and GEOS versions (PGlite: PostGIS 3.6 /
// GEOS 3.14; PostgreSQL 15: PostGIS 3.3 / GEOS 3.11). Overlay results agree on where and how
// big, not on vertex order, ring start or the last bits of an area, so a normalised report keeps:
// - valid and the summary, with its areas rounded;
// - per issue: code, severity, reason, feature ids, message, details, the area rounded, and the
//   geometry reduced to its type and bounding box (1e-6°, about 10 cm);
// and sorts the issues by (code, feature ids, bbox). Messages are kept verbatim: the engine
// rounds the areas and places it writes into them, so they must already agree.

export interface NormalisedGeometry {
  type: string
  /** [west, south, east, north], rounded to 1e-6°; null for an empty geometry. */
  bbox: [number, number, number, number] | null
}

export interface NormalisedIssue {
  code: IssueCode
  severity: Severity
  reason?: InvalidGeometryReason
  feature_ids: string[]
  message: string
  area_m2?: number
  geometry?: NormalisedGeometry
  details?: Record<string, unknown>
}

export interface NormalisedReport {
  valid: boolean
  issues: NormalisedIssue[]
  summary: ValidationSummary
}

/** Rounds an area to 0.01 m² or to 4 significant digits, whichever is coarser. */
export function roundArea(m2: number): number {
  if (!Number.isFinite(m2) || m2 === 0) return m2
  const significant = 10 ** (Math.floor(Math.log10(Math.abs(m2))) - 3)
  const step = Math.max(0.01, significant)
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9))
  return zeroSign(Number((Math.round(m2 / step) * step).toFixed(decimals)))
}

/** Rounds a coordinate to 1e-6°. */
export function roundDegree(value: number): number {
  return zeroSign(Number(value.toFixed(6)))
}

const zeroSign = (value: number) => (Object.is(value, -0) ? 0 : value)

/** The bounding box of any GeoJSON geometry (including GeometryCollection), or null if empty. */
export function geometryBbox(geometry: unknown): [number, number, number, number] | null {
  let west = Number.POSITIVE_INFINITY
  let south = Number.POSITIVE_INFINITY
  let east = Number.NEGATIVE_INFINITY
  let north = Number.NEGATIVE_INFINITY
  const visit = (node: unknown): void => {
    if (!Array.isArray(node)) return
    if (node.length >= 2 && typeof node[0] === 'number' && typeof node[1] === 'number') {
      west = Math.min(west, node[0])
      east = Math.max(east, node[0])
      south = Math.min(south, node[1])
      north = Math.max(north, node[1])
      return
    }
    for (const child of node) visit(child)
  }
  const walk = (g: unknown): void => {
    if (typeof g !== 'object' || g === null) return
    const { coordinates, geometries } = g as { coordinates?: unknown; geometries?: unknown }
    visit(coordinates)
    if (Array.isArray(geometries)) for (const child of geometries) walk(child)
  }
  walk(geometry)
  if (west === Number.POSITIVE_INFINITY) return null
  return [roundDegree(west), roundDegree(south), roundDegree(east), roundDegree(north)]
}

function normaliseGeometry(geometry: unknown): NormalisedGeometry {
  const type = typeof geometry === 'object' && geometry !== null ? String((geometry as { type?: unknown }).type) : String(geometry)
  return { type, bbox: geometryBbox(geometry) }
}

function compareIssues(a: NormalisedIssue, b: NormalisedIssue): number {
  if (a.code !== b.code) return a.code < b.code ? -1 : 1
  const ids = compareLists(a.feature_ids, b.feature_ids, (x, y) => (x < y ? -1 : x > y ? 1 : 0))
  if (ids !== 0) return ids
  const boxes = compareLists(a.geometry?.bbox ?? [], b.geometry?.bbox ?? [], (x, y) => x - y)
  if (boxes !== 0) return boxes
  return a.message < b.message ? -1 : a.message > b.message ? 1 : 0
}

function compareLists<T>(a: readonly T[], b: readonly T[], compare: (x: T, y: T) => number): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const order = compare(a[i] as T, b[i] as T)
    if (order !== 0) return order
  }
  return a.length - b.length
}

/** A report reduced to what every supported engine agrees on, in a stable order. */
export function normaliseReport(report: ValidationReport): NormalisedReport {
  const issues = report.issues.map(
    (issue): NormalisedIssue => ({
      code: issue.code,
      severity: issue.severity,
      ...(issue.reason === undefined ? {} : { reason: issue.reason }),
      feature_ids: [...issue.feature_ids],
      message: issue.message,
      ...(issue.area_m2 === undefined ? {} : { area_m2: roundArea(issue.area_m2) }),
      ...(issue.geometry === undefined || issue.geometry === null ? {} : { geometry: normaliseGeometry(issue.geometry) }),
      ...(issue.details === undefined ? {} : { details: issue.details }),
    }),
  )
  issues.sort(compareIssues)
  const summary = report.summary
  return {
    valid: report.valid,
    issues,
    summary: {
      ...summary,
      gap_area_m2: roundArea(summary.gap_area_m2),
      overlap_area_m2: roundArea(summary.overlap_area_m2),
      outside_area_m2: roundArea(summary.outside_area_m2),
    },
  }
}
