import { isGridKind } from '../grids/kinds.js'
import { type AppError, badRequest } from '../http/errors.js'
import { isIsoDate } from '../http/query-params.js'
import {
  type Change,
  GRID_CODE,
  MAX_GRID_HOUSEHOLDS,
  MAX_GRID_NAME_LENGTH,
  MAX_GRID_POPULATION,
  MEMBERS_NEEDED,
  NEW_GRID_ID,
  REGION_CODE,
} from './change.schemas.js'

// What a change may say about a grid, checked when the change is made (POST/PUT /proposals),
// so a proposal that could never be applied is never stored. The TypeBox schemas (change.schemas.ts)
// document the properties and checks their types at the route; checkChangeShape re-checks every change where
// it is evaluated, with a message naming the change number, so changes stored before these rules
// existed are refused the same way (400) rather than failing in the database at the applying step.

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
      return typeof value === 'string' && REGION_CODE.test(value)
        ? null
        : badRequest('proposal_change_region_code', { change, field, value: shown(value) })
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
      return value === null || (typeof value === 'string' && isIsoDate(value))
        ? null
        : badRequest('proposal_change_date', { change, field, value: shown(value) })
    case 'attributes':
      return isPlainObject(value) ? null : badRequest('proposal_change_object', { change, field })
    default:
      return null
  }
}

/** Checks a change's members and properties (not yet against the township); 400 naming the change. */
export function checkChangeShape(change: unknown, index: number): asserts change is Change {
  const number = index + 1
  if (!isPlainObject(change)) throw badRequest('proposal_change_object', { change: number, field: `changes.${index}` })
  const op = String(change.op)
  const needs = MEMBERS_NEEDED.get(op)
  if (!needs) throw badRequest('proposal_op_unknown', { op, change: number })
  for (const member of needs) {
    if (change[member] === undefined || change[member] === null)
      throw badRequest('proposal_change_missing', { change: number, op, field: member })
  }
  for (const member of ['grid', 'reason'] as const) {
    if (change[member] !== undefined && typeof change[member] !== 'string')
      throw badRequest('proposal_change_text', { change: number, field: member })
  }
  // A new grid's shape is the change that made it; until approval only its attributes may change.
  if (op !== 'update' && typeof change.grid === 'string' && NEW_GRID_ID.test(change.grid))
    throw badRequest('proposal_new_grid_update_only', { change: number, op, grid: change.grid })
  if (change.grids !== undefined && !(Array.isArray(change.grids) && change.grids.every((code) => typeof code === 'string'))) {
    throw badRequest('proposal_change_grid_list', { change: number })
  }
  if (change.properties === undefined) return
  if (!isPlainObject(change.properties)) throw badRequest('proposal_change_object', { change: number, field: 'properties' })
  for (const [key, value] of Object.entries(change.properties)) {
    const problem = propertyProblem(key, value, number)
    if (problem) throw problem
  }
}
