import { type Static, Type } from 'typebox'
import { GridKind } from '../grids/kinds.js'
import { DateString } from '../http/schemas.js'

// A proposal's changes and exception requests: the request members of POST/PUT /proposals and
// the shapes a proposal answers with (the web client imports the types; no server code comes
// with them). change-rules.ts checks each change against the same limits with messages that name
// the change.

/** Most households one grid may record (a grid is a few hundred; this only stops nonsense). */
export const MAX_GRID_HOUSEHOLDS = 100_000
/** Most people one grid may record. */
export const MAX_GRID_POPULATION = 1_000_000
export const MAX_GRID_NAME_LENGTH = 100

export const REGION_CODE = /^[0-9]{12}$/
export const GRID_CODE = /^[0-9]{12,24}$/
/** A grid this proposal creates, until approval gives it a code (changes.ts numbers them in change order). */
export const NEW_GRID_ID = /^new-[1-9][0-9]{0,5}$/
/** What an `update` may address: a grid in force, or a grid the proposal creates. */
const UPDATE_TARGET = /^(?:[0-9]{12,24}|new-[1-9][0-9]{0,5})$/

const count = (max: number, what: string) =>
  Type.Union([Type.Integer({ minimum: 0, maximum: max, description: `${what}, 0–${max}` }), Type.Null()])

export const ChangeProperties = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_GRID_NAME_LENGTH, pattern: '\\S' })),
    kind: Type.Optional(Type.With(GridKind, { description: 'create: default comprehensive' })),
    region_code: Type.Optional(
      Type.String({
        pattern: REGION_CODE.source,
        description: "create: the village/community (12 digits) in the proposal's township; default: the one holding most of the grid",
      }),
    ),
    parent_code: Type.Optional(
      Type.Union([Type.String({ pattern: GRID_CODE.source }), Type.Null()], {
        description: 'create: the grid a dedicated or micro grid lies in',
      }),
    ),
    households: Type.Optional(count(MAX_GRID_HOUSEHOLDS, 'households')),
    population: Type.Optional(count(MAX_GRID_POPULATION, 'population')),
    count_date: Type.Optional(Type.Union([DateString, Type.Null()], { description: 'day the households were counted' })),
    attributes: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'e.g. grid_head' })),
  },
  // Other keys are kept (as attributes), so the answer must not drop them either.
  { additionalProperties: true, description: 'grid properties; other keys are kept as attributes' },
)
/** Grid properties a change may set; other keys become attributes (TypeBox does not derive that index). */
export type ChangeProperties = Static<typeof ChangeProperties> & { [attribute: string]: unknown }

const GridCode = Type.String({ pattern: GRID_CODE.source, description: 'grid code' })
const GridCodes = Type.Array(GridCode, { maxItems: 1000 })
const UpdateTarget = Type.String({
  pattern: UPDATE_TARGET.source,
  description: 'grid code, or new-N for a grid this proposal creates (its name, households, grid head before approval)',
})
const Polygonal = Type.Unknown({ description: 'GeoJSON Polygon or MultiPolygon (create, reshape)' })
const Line = Type.Unknown({ description: 'GeoJSON LineString (split)' })
const Reason = Type.Optional(Type.String({ maxLength: 4000 }))
const ONE_CHANGE = 'one change: create | reshape | split (by a line) | merge | retire | update (attributes)'

export const Change = Type.Union(
  [
    Type.Object({ op: Type.Literal('create'), geometry: Polygonal, properties: Type.Optional(ChangeProperties), reason: Reason }),
    Type.Object({ op: Type.Literal('reshape'), grid: GridCode, geometry: Polygonal, reason: Reason }),
    Type.Object({ op: Type.Literal('split'), grid: GridCode, line: Line, reason: Reason }),
    Type.Object({ op: Type.Literal('merge'), grids: GridCodes, properties: Type.Optional(ChangeProperties), reason: Reason }),
    Type.Object({ op: Type.Literal('retire'), grid: GridCode, reason: Reason }),
    Type.Object({ op: Type.Literal('update'), grid: UpdateTarget, properties: ChangeProperties, reason: Reason }),
  ],
  { description: ONE_CHANGE },
)
export type Change = Static<typeof Change>
export type ChangeOp = Change['op']

/** Members each op needs besides `op`, from the schema above. */
export const MEMBERS_NEEDED: ReadonlyMap<string, readonly string[]> = new Map(
  Change.anyOf.map((variant) => [variant.properties.op.const, variant.required.filter((member) => member !== 'op')]),
)

/**
 * A change as a request may send it: every member optional, so that checkChangeShape, not the
 * schema, says which member a change lacks, naming the change.
 */
export const ChangeRequest = Type.Object(
  {
    op: Type.Index(Change, Type.Literal('op')),
    grid: Type.Optional(UpdateTarget),
    grids: Type.Optional(GridCodes),
    geometry: Type.Optional(Polygonal),
    line: Type.Optional(Line),
    properties: Type.Optional(ChangeProperties),
    reason: Reason,
  },
  { description: ONE_CHANGE },
)
export type ChangeRequest = Static<typeof ChangeRequest>

/** An exception asked for an error the proposal keeps (same code, same grids), with the reason. */
export const ExceptionRequest = Type.Object({
  code: Type.String({ maxLength: 100, description: 'issue code the exception is for, e.g. households_above_max' }),
  feature_ids: Type.Array(Type.String({ maxLength: 100 }), { maxItems: 1000 }),
  reason: Type.String({ minLength: 1, maxLength: 4000 }),
})
export type ExceptionRequest = Static<typeof ExceptionRequest>
