import { type Static, Type } from 'typebox'
import { GeoJsonGeometry } from '../http/schemas.js'
import { GridKind } from './kinds.js'

// Response shapes of /grids (the web client imports the types; no server code comes with them).

export const GridProperties = Type.Object({
  code: Type.String(),
  name: Type.String(),
  kind: GridKind,
  region_code: Type.String({ description: 'village/community (or township) the grid belongs to' }),
  parent_code: Type.Union([Type.String(), Type.Null()]),
  households: Type.Union([Type.Integer(), Type.Null()]),
  population: Type.Union([Type.Integer(), Type.Null()]),
  count_date: Type.Union([Type.String(), Type.Null()]),
  valid_from: Type.String(),
  valid_to: Type.Union([Type.String(), Type.Null()]),
  version: Type.Integer(),
  attributes: Type.Record(Type.String(), Type.Unknown()),
  fit: Type.Union([Type.Literal('below'), Type.Literal('within'), Type.Literal('above'), Type.Literal('unknown')], {
    description: 'household count against the range that applies',
  }),
  households_min: Type.Integer(),
  households_max: Type.Integer(),
})

export const GridFeature = Type.Object({
  type: Type.Literal('Feature'),
  id: Type.String(),
  geometry: GeoJsonGeometry,
  properties: GridProperties,
})

const VersionProposal = Type.Object(
  {
    id: Type.Integer(),
    title: Type.String(),
    document_no: Type.Union([Type.String(), Type.Null()], { description: '批准文号' }),
    effective_date: Type.Union([Type.String(), Type.Null()], { description: 'YYYY-MM-DD' }),
    approved_by: Type.Union([Type.String(), Type.Null()], {
      description: "username on the proposal's approve step, or its file step when the chain has no approve step",
    }),
    approved_at: Type.Union([Type.String(), Type.Null()], { description: 'ISO 8601 timestamp of that step' }),
  },
  { description: 'the proposal this version came from' },
)

const LineageLink = Type.Object({
  code: Type.String(),
  relation: Type.Union([Type.Literal('split'), Type.Literal('merge')]),
  effective_date: Type.String(),
  proposal_id: Type.Union([Type.Integer(), Type.Null()]),
})

export const HistoryProperties = Type.Object({
  ...GridProperties.properties,
  created_at: Type.String(),
  created_by: Type.Union([Type.String(), Type.Null()]),
  proposal: Type.Union([VersionProposal, Type.Null()], { description: 'null for versions not made by a proposal (imports, seed data)' }),
  lineage: Type.Object(
    {
      parents: Type.Array(LineageLink, { description: 'codes this grid was split or merged from' }),
      children: Type.Array(LineageLink, { description: 'codes this grid was split or merged into' }),
    },
    { description: 'split/merge lineage of the code (the same on every version)' },
  ),
})

export type GridPropertiesBody = Static<typeof GridProperties>
export type HistoryPropertiesBody = Static<typeof HistoryProperties>
