import type { Feature, FeatureCollection, MultiPolygon, Point, Polygon } from 'geojson'
import type { Change, ExceptionRequest } from '../../../server/proposals/change-types'
import type { RegionResponse, RegionSummaryResponse } from '../../../server/regions/regions.schemas'

// Shapes of the server's JSON (see the API section of DESIGN.md).

export interface ApiErrorBody {
  error: { code: string; message: string }
}

/** `GET /me`: the server's own schema type (type-only import; nothing of the server is bundled). */
export type { MeResponse as Me } from '../../../server/auth/account'

export type BBox = [number, number, number, number]

/** `GET /regions/{code}` and its children's properties: the server's schema types. */
export type Region = Omit<RegionResponse, 'bbox'> & { bbox: BBox | null }
export type RegionProps = RegionSummaryResponse

export type RegionCollection = FeatureCollection<MultiPolygon | Polygon | null, RegionProps>

export type Fit = 'below' | 'within' | 'above' | 'unknown'
export type GridKind = 'comprehensive' | 'dedicated' | 'micro'

export interface GridProps {
  code: string
  name: string
  kind: GridKind
  region_code: string
  parent_code: string | null
  households: number | null
  population: number | null
  count_date: string | null
  valid_from: string
  valid_to: string | null
  version: number
  attributes: Record<string, unknown> | null
  fit: Fit
  households_min: number | null
  households_max: number | null
}

export type GridFeature = Feature<MultiPolygon | Polygon, GridProps>
export type GridCollection = FeatureCollection<MultiPolygon | Polygon, GridProps>

/** A split/merge link of a grid code (`GET /grids/{code}/history`, `lineage`). */
export interface LineageLink {
  code: string
  relation: 'split' | 'merge'
  effective_date: string
  proposal_id: number | null
}

/** One version of a grid in `GET /grids/{code}/history` (oldest first). */
export interface GridVersionProps extends GridProps {
  created_at: string
  created_by: string | null
  /** null for versions not made by a proposal (imports, seed data) */
  proposal: {
    id: number
    title: string
    document_no: string | null
    effective_date: string | null
    approved_by: string | null
    approved_at: string | null
  } | null
  /** the same on every version */
  lineage: { parents: LineageLink[]; children: LineageLink[] }
}

export type GridHistory = FeatureCollection<MultiPolygon | Polygon, GridVersionProps>

// ---- validation and proposals ---------------------------------------------------------------

// The report shape is the server's own type (type-only import: nothing of the server is bundled).
export type {
  IssueCode,
  Severity,
  ValidationIssue,
  ValidationReport,
  ValidationSummary,
} from '../../../server/validation/report'

export type ProposalState = 'draft' | 'submitted' | 'reviewed' | 'approved' | 'filed' | 'returned'
export type ProposalAct = 'submit' | 'approve' | 'file' | 'reject'
export type StepAction = 'propose' | 'review' | 'approve' | 'file'

/** A row of `GET /api/v1/proposals`. */
export interface ProposalSummary {
  id: number
  region_code: string
  title: string
  state: ProposalState
  step: number
  stale: boolean
  profile_id: string
  created_by: string
  created_at: string
  updated_at: string
  initial_division: boolean
  waiting_for_me: boolean
}

export interface ProposalStep {
  role: string
  action: StepAction
  source?: string
  status: 'done' | 'current' | 'pending'
}

export interface ProposalEvent {
  id: number
  at: string
  username: string
  role: string
  action: string
  from_state: string | null
  to_state: string | null
  comment: string | null
  document_no: string | null
  effective_date: string | null
  location: Point | null
}

/** `GET /api/v1/proposals/{id}`. */
export interface Proposal extends Omit<ProposalSummary, 'waiting_for_me'> {
  reason: string
  changes: Change[]
  exceptions: ExceptionRequest[]
  validation: import('../../../server/validation/report').ValidationReport | null
  document_no: string | null
  effective_date: string | null
  version: number
  steps: ProposalStep[]
  events: ProposalEvent[]
}

export type DiffChange = 'added' | 'removed' | 'changed_before' | 'changed_after'
export type DiffCollection = FeatureCollection<
  MultiPolygon | Polygon | null,
  { code: string | null; name?: string; version: number | null; change: DiffChange }
> & { proposal: number; applied: boolean }

/** A proposal's change and exception request: the server's own types. */
export type { Change, ExceptionRequest }

/** The grids a change names (its grid, or the grids it merges). */
export function changeTargets(change: Change): string[] {
  if ('grid' in change) return [change.grid]
  if ('grids' in change) return change.grids
  return []
}
export type PointGeometry = Point

/** `GET /api/v1/lookup` (point or address): the server's schema type. */
export type { LookupResponseBody as LookupResult } from '../../../server/lookup/lookup.schemas'
