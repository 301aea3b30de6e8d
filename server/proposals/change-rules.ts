import { Type } from 'typebox'
import { GridKind, isGridKind } from '../grids/kinds.js'
import { type AppError, badRequest } from '../http/errors.js'
import { isIsoDate } from '../http/query-params.js'
import { DateString } from '../http/schemas.js'
import type { ChangeProperties } from './change-types.js'

// What a change may say about a grid, checked when the change is made (POST/PUT /proposals),
// so a proposal that could never be applied is never stored. The TypeBox schema documents the
// properties and checks their types at the route; checkChangeShape re-checks every change where
// it is evaluated, with a message naming the change number, so changes stored before these rules
// existed are refused the same way (400) rather than failing in the database at the applying step.

/** Most households one grid may record (a grid is a few hundred; this only stops nonsense). */
export const MAX_GRID_HOUSEHOLDS = 100_000
/** Most people one grid may record. */
export const MAX_GRID_POPULATION = 1_000_000
export const MAX_GRID_NAME_LENGTH = 100

const REGION_CODE = /^[0-9]{12}$/
const GRID_CODE = /^[0-9]{12,24}$/

const count = (max: number, what: string) =>
  Type.Union([Type.Integer({ minimum: 0, maximum: max, description: `${what}, 0–${max}` }), Type.Null()])

export const ChangePropertiesSchema = Type.Object(
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
      Type.Union([Type.String({ pattern: GRID_CODE.source }), Type.Null()], { description: 'create: the grid a dedicated or micro grid lies in' }),
    ),
    households: Type.Optional(count(MAX_GRID_HOUSEHOLDS, 'households')),
    population: Type.Optional(count(MAX_GRID_POPULATION, 'population')),
    count_date: Type.Optional(Type.Union([DateString, Type.Null()], { description: 'day the households were counted' })),
    attributes: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'e.g. grid_head' })),
  },
  { description: 'grid properties; other keys are kept as attributes' },
)

/** Members each op needs. */
const NEEDS: Record<string, readonly string[]> = {
  create: ['geometry'],
  reshape: ['grid', 'geometry'],
  split: ['grid', 'line'],
  merge: ['grids'],
  retire: ['grid'],
  update: ['grid', 'properties'],
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value)

/** A value as a short quoted text for a message. */
const shown = (value: unknown) => (JSON.stringify(value) ?? String(value)).slice(0, 60)

/** The problem with one property, or null. */
function propertyProblem(key: string, value: unknown, change: number): AppError | null {
  const field = `properties.${key}`
  switch (key) {
    case 'name':
      return typeof value === 'string' && value.trim() !== '' && value.length <= MAX_GRID_NAME_LENGTH
        ? null
        : badRequest('proposal_change_name', { change, field, max: MAX_GRID_NAME_LENGTH })
    case 'kind':
      return isGridKind(value) ? null : badRequest('proposal_change_kind', { change, field, value: shown(value) })
    case 'region_code':
      return typeof value === 'string' && REGION_CODE.test(value) ? null : badRequest('proposal_change_region_code', { change, field, value: shown(value) })
    case 'parent_code':
      return value === null || (typeof value === 'string' && GRID_CODE.test(value))
        ? null
        : badRequest('proposal_change_grid_code', { change, field, value: shown(value) })
    case 'households':
    case 'population': {
      const max = key === 'households' ? MAX_GRID_HOUSEHOLDS : MAX_GRID_POPULATION
      const ok = value === null || (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= max)
      return ok ? null : badRequest('proposal_change_count', { change, field, max, value: shown(value) })
    }
    case 'count_date':
      return value === null || (typeof value === 'string' && isIsoDate(value)) ? null : badRequest('proposal_change_date', { change, field, value: shown(value) })
    case 'attributes':
      return isPlainObject(value) ? null : badRequest('proposal_change_object', { change, field })
    default:
      return null
  }
}

/** Checks a change's members and properties (not yet against the township); 400 naming the change. */
export function checkChangeShape(change: unknown, index: number): void {
  const number = index + 1
  if (!isPlainObject(change)) throw badRequest('proposal_change_object', { change: number, field: `changes.${index}` })
  const op = String(change.op)
  const needs = NEEDS[op]
  if (!needs) throw badRequest('proposal_op_unknown', { op, change: number })
  for (const member of needs) {
    if (change[member] === undefined || change[member] === null) throw badRequest('proposal_change_missing', { change: number, op, field: member })
  }
  for (const member of ['grid', 'reason'] as const) {
    if (change[member] !== undefined && typeof change[member] !== 'string') throw badRequest('proposal_change_text', { change: number, field: member })
  }
  if (change.grids !== undefined && !(Array.isArray(change.grids) && change.grids.every((code) => typeof code === 'string'))) {
    throw badRequest('proposal_change_grid_list', { change: number })
  }
  if (change.properties === undefined) return
  if (!isPlainObject(change.properties)) throw badRequest('proposal_change_object', { change: number, field: 'properties' })
  for (const [key, value] of Object.entries(change.properties as ChangeProperties)) {
    const problem = propertyProblem(key, value, number)
    if (problem) throw problem
  }
}
