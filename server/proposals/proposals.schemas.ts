import { type Static, Type } from 'typebox'
import { GridKind } from '../grids/kinds.js'
import { GeoJsonGeometry } from '../http/schemas.js'
import { ValidationReport } from '../validation/report.schemas.js'
import { Change, ExceptionRequest } from './change.schemas.js'

// What /proposals answers: a list row, a whole proposal with its steps and timeline, and the diff
// (the web client imports the types; no server code comes with them). A proposal answers its
// stored changes and report through these schemas, and a union is written out only when the value
// matches one of its members: add members as optional and keep retired codes, or stored
// proposals can no longer be read.

export const ProposalState = Type.Union([
  Type.Literal('draft'),
  Type.Literal('submitted'),
  Type.Literal('reviewed'),
  Type.Literal('approved'),
  Type.Literal('filed'),
  Type.Literal('returned'),
])
export type ProposalState = Static<typeof ProposalState>

/** The acts a proposal's endpoints perform (`POST /proposals/{id}/{act}`). */
export const ProposalAct = Type.Union([Type.Literal('submit'), Type.Literal('approve'), Type.Literal('file'), Type.Literal('reject')])
export type ProposalAct = Static<typeof ProposalAct>

export const StepAction = Type.Union([Type.Literal('propose'), Type.Literal('review'), Type.Literal('approve'), Type.Literal('file')])
export type StepAction = Static<typeof StepAction>

const Timestamp = Type.String({ description: 'ISO 8601 timestamp' })
const DayOrNull = Type.Union([Type.String(), Type.Null()], { description: 'YYYY-MM-DD' })
const TextOrNull = Type.Union([Type.String(), Type.Null()])

/** Members of a proposal in the list and in the whole proposal. */
const ProposalHeader = {
  id: Type.Integer(),
  region_code: Type.String({ description: 'the township or community the change set is for' }),
  title: Type.String(),
  state: ProposalState,
  step: Type.Integer({ description: 'index of the step of the chain that acts next' }),
  stale: Type.Boolean({ description: 'grids of the township changed since the draft was evaluated: re-base it' }),
  profile_id: Type.String(),
  created_by: Type.String(),
  created_at: Timestamp,
  updated_at: Timestamp,
  initial_division: Type.Boolean({ description: 'the first division of the area (some profiles chain it differently)' }),
}

export const ProposalSummary = Type.Object(
  { ...ProposalHeader, waiting_for_me: Type.Boolean({ description: "the next step is the caller's to take" }) },
  { description: 'a proposal in the list, newest first' },
)
export type ProposalSummary = Static<typeof ProposalSummary>

export const ProposalList = Type.Object({ proposals: Type.Array(ProposalSummary) })
export type ProposalList = Static<typeof ProposalList>

export const ProposalStep = Type.Object({
  role: Type.String(),
  action: StepAction,
  source: Type.Optional(Type.String({ description: 'article the step comes from' })),
  status: Type.Union([Type.Literal('done'), Type.Literal('current'), Type.Literal('pending')]),
})
export type ProposalStep = Static<typeof ProposalStep>

export const ProposalEvent = Type.Object({
  id: Type.Integer(),
  at: Timestamp,
  username: Type.String(),
  role: Type.String(),
  action: Type.String({ description: 'create, update, comment, or the step action taken' }),
  from_state: TextOrNull,
  to_state: TextOrNull,
  comment: TextOrNull,
  document_no: TextOrNull,
  effective_date: DayOrNull,
  location: Type.Union([Type.Object({ type: Type.Literal('Point'), coordinates: Type.Array(Type.Number()) }), Type.Null()], {
    description: 'GeoJSON Point the comment is pinned to',
  }),
})
export type ProposalEvent = Static<typeof ProposalEvent>

export const ProposalView = Type.Object(
  {
    ...ProposalHeader,
    reason: Type.String(),
    changes: Type.Array(Change),
    exceptions: Type.Array(ExceptionRequest),
    validation: Type.Union([ValidationReport, Type.Null()], {
      description: 'the township as it would be after the change, as last evaluated',
    }),
    document_no: Type.Union([Type.String(), Type.Null()], { description: '批准文号, set by the applying step' }),
    effective_date: Type.Union([Type.String(), Type.Null()], { description: 'YYYY-MM-DD, set by the applying step' }),
    applied_at: Type.Union([Timestamp, Type.Null()]),
    version: Type.Integer({ description: 'send it back when editing (optimistic locking)' }),
    steps: Type.Array(ProposalStep),
    events: Type.Array(ProposalEvent),
  },
  { description: 'one proposal: state, steps, changes, validation, timeline' },
)
export type ProposalView = Static<typeof ProposalView>

export const DiffChange = Type.Union([
  Type.Literal('added'),
  Type.Literal('removed'),
  Type.Literal('changed_before'),
  Type.Literal('changed_after'),
])
export type DiffChange = Static<typeof DiffChange>

export const DiffProperties = Type.Object({
  code: Type.Union([Type.String(), Type.Null()], { description: 'null for a grid the proposal creates (its code comes at approval)' }),
  id: Type.Optional(Type.String({ description: 'not applied: the grid code, or new-N for a new grid' })),
  version: Type.Union([Type.Integer(), Type.Null()]),
  name: Type.Optional(Type.String()),
  kind: Type.Optional(GridKind),
  region_code: Type.Optional(Type.String()),
  households: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  count_date: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  attributes: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  change: DiffChange,
})
export type DiffProperties = Static<typeof DiffProperties>

export const DiffFeature = Type.Object({
  type: Type.Literal('Feature'),
  id: Type.String(),
  geometry: Type.Union([GeoJsonGeometry, Type.Null()]),
  properties: DiffProperties,
})
export type DiffFeature = Static<typeof DiffFeature>

export const ProposalDiff = Type.Object(
  {
    type: Type.Literal('FeatureCollection'),
    proposal: Type.Integer(),
    applied: Type.Boolean({ description: 'true: the grids as written; false: as they would be after the change' }),
    features: Type.Array(DiffFeature),
  },
  { description: 'added, removed and changed geometry of a proposal' },
)
export type ProposalDiff = Static<typeof ProposalDiff>
