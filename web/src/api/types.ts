import type { Feature, FeatureCollection, MultiPolygon, Point, Polygon } from 'geojson'
import type { Change, ExceptionRequest } from '../../../server/proposals/change.schemas'
import type { GridPropertiesBody, HistoryPropertiesBody } from '../../../server/grids/grids.schemas'
import type { DiffProperties, ProposalDiff } from '../../../server/proposals/proposals.schemas'
import type { RegionResponse, RegionSummaryResponse } from '../../../server/regions/regions.schemas'
import type {
  PartitionChangeView,
  PartitionExplanationView,
  PartitionGridProperties,
  PartitionResponse as PartitionResponseBody,
  PartitionSummaryView,
} from '../../../server/partition/partition.schemas'

// Shapes of the server's JSON (see the API section of docs/design.md).

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

/** `GET /grids` feature properties and `GET /grids/{code}/history` versions: the server's schema types. */
export type GridProps = GridPropertiesBody
export type Fit = GridProps['fit']
export type { GridKind } from '../../../server/grids/kinds'

export type GridFeature = Feature<MultiPolygon | Polygon, GridProps>
export type GridCollection = FeatureCollection<MultiPolygon | Polygon, GridProps>

/** A split/merge link of a grid code (`GET /grids/{code}/history`, `lineage`). */
export type LineageLink = HistoryPropertiesBody['lineage']['parents'][number]
export type GridVersionProps = HistoryPropertiesBody

export type GridHistory = FeatureCollection<MultiPolygon | Polygon, GridVersionProps>

// ---- validation and proposals ---------------------------------------------------------------

// The report shape is the server's own type (type-only import: nothing of the server is bundled).
export type {
  IssueCode,
  Severity,
  ValidationIssue,
  ValidationReport,
  ValidationSummary,
} from '../../../server/validation/report.schemas'

/** Proposal shapes: the server's own schema types. */
export type {
  ProposalAct,
  ProposalEvent,
  ProposalState,
  ProposalStep,
  ProposalSummary,
  ProposalView as Proposal,
  StepAction,
} from '../../../server/proposals/proposals.schemas'

/** `GET /proposals/{id}/diff`: the server's schema type, with its geometries as GeoJSON types. */
export type { DiffChange, DiffProperties } from '../../../server/proposals/proposals.schemas'
export type DiffCollection = FeatureCollection<MultiPolygon | Polygon | null, DiffProperties> & Pick<ProposalDiff, 'proposal' | 'applied'>

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

/** The import wizard (upload → preview → commit) and the export: the server's schema types. */
export type {
  CommitRequest,
  CommitResponse,
  CrsStatus,
  ExportQuery,
  FieldMap,
  ImportChoices,
  ImportProblem,
  ImportType,
  PreviewResponse,
  ReferenceKind,
  UploadResponse,
} from '../../../server/import/upload.schemas'
export type { FormatName } from '../../../server/io/formats.schemas'

/** `GET /reference?region=`: the region's reference layers (the export menu lists them). */
export type { ReferenceLayerList } from '../../../server/reference/reference.schemas'

// ---- auto-partition ----------------------------------------------------------------------------

/** `POST /partition` (docs/partition.md): the server's schema types, with the grids' geometries as GeoJSON types. */
export type { PartitionRequest } from '../../../server/partition/partition.schemas'
export type PartitionGridProps = PartitionGridProperties
export type PartitionSummary = PartitionSummaryView
export type PartitionExplanation = PartitionExplanationView
export type PartitionChange = PartitionChangeView
export type PartitionResponse = Omit<PartitionResponseBody, 'features'> & {
  features: Feature<Polygon | MultiPolygon, PartitionGridProps>[]
}
