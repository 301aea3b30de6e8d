// The validation report: one JSON shape used everywhere — POST /api/v1/validate, proposals,
// imports and the web editor's error layer. Results are values with a reason code, never thrown
// strings (cf. Terra Draw): every issue says what is wrong, where, and to which features.

export type IssueCode =
  | 'invalid_geometry'
  | 'duplicate_id'
  | 'overlap'
  | 'gap'
  | 'outside_parent'
  | 'not_contiguous'
  | 'households_below_min'
  | 'households_above_max'
  | 'households_missing'
  | 'micro_gap'
  | 'micro_overlap'
  | 'micro_outside_parent'
  | 'dedicated_outside'
  | 'crosses_region'
  | 'invalid_kind'
  | 'parent_grid_missing'

export type InvalidGeometryReason =
  | 'not_a_feature'
  | 'wrong_geometry_type'
  | 'empty_geometry'
  | 'coordinates_not_numbers'
  | 'out_of_range_coordinate'
  | 'too_few_points'
  | 'unclosed_ring'
  | 'self_intersection'
  | 'ring_self_intersection'
  | 'hole_outside_shell'
  | 'nested_holes'
  | 'disconnected_interior'
  | 'nested_shells'
  | 'invalid_coordinate'
  | 'other'

export type Severity = 'error' | 'warning'

export interface ValidationIssue {
  code: IssueCode
  severity: Severity
  /** Plain-language sentence in the caller's language, naming the feature(s) and the place. */
  message: string
  /** Ids of the features involved (from feature.id, properties.id, properties.code, or assigned). */
  feature_ids: string[]
  /** Where: the overlap/gap/outside part, or the fault location as a Point (RFC 7946, lon/lat). */
  geometry?: unknown
  area_m2?: number
  /** invalid_geometry only. */
  reason?: InvalidGeometryReason
  /** Facts behind household issues: count, count date, the range that applied and why. */
  details?: Record<string, unknown>
}

export interface ValidationSummary {
  features: number
  errors: number
  warnings: number
  /** Number of issues by code. */
  by_code: Partial<Record<IssueCode, number>>
  gap_area_m2: number
  overlap_area_m2: number
  outside_area_m2: number
  grids_out_of_range: number
  /** Ids assigned to features that came without one, in input order ("#1", "#2", …). */
  assigned_ids: string[]
  profile: string
  /** Which coverage path ran: 'edge-match' (clean coverage proven in JS) or 'overlay' (PostGIS). */
  coverage_path: 'edge-match' | 'overlay' | 'none'
}

export interface ValidationReport {
  valid: boolean
  issues: ValidationIssue[]
  summary: ValidationSummary
}
