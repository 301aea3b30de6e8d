import { badRequest } from '../http/errors.js'
import type { FieldInfo, FieldType, IoFeature, PropertyValue } from './types.js'
import { geometryTypeOf } from './wkb-runs.js'

// Field types and geometry types of a layer whose file does not declare them (GeoJSON, KML, CSV, XLSX),
// and the coercion writers need when a declared type and a value disagree.

const ISO_DATE = /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])$/

/** A value's own type: integers and fractions apart, a Date or an ISO date text (YYYY-MM-DD) a date, other text a string. */
export function typeOfValue(value: PropertyValue | Date): FieldType {
  if (typeof value === 'boolean') return 'boolean'
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number'
  if (value instanceof Date || (typeof value === 'string' && ISO_DATE.test(value))) return 'date'
  return 'string'
}

/**
 * The narrowest type that holds every non-null value of a column, for every format that does not
 * declare its fields (GeoJSON, KML, CSV, XLSX): one type throughout → that type, integers and
 * fractions → number, any other mix → string. `ownType` lets a table read numbers from its text.
 */
export function typeOfValues<Value extends PropertyValue | Date>(
  values: readonly Value[],
  ownType: (value: Value) => FieldType = typeOfValue,
): FieldType {
  let type: FieldType | null = null
  for (const value of values) {
    if (value === null) continue
    const own = ownType(value)
    if (type === null || type === own) type = own
    else if ((type === 'integer' && own === 'number') || (type === 'number' && own === 'integer')) type = 'number'
    else return 'string'
  }
  return type ?? 'string'
}

/** Fields in first-seen order, typed from the values. */
export function fieldsOfFeatures(features: readonly IoFeature[]): FieldInfo[] {
  const columns = new Map<string, PropertyValue[]>()
  for (const feature of features) {
    for (const [name, value] of Object.entries(feature.properties)) {
      const column = columns.get(name)
      if (column) column.push(value)
      else columns.set(name, [value])
    }
  }
  return [...columns].map(([name, values]) => ({ name, type: typeOfValues(values) }))
}

/** The distinct GeoJSON geometry types of the features, in first-seen order. */
export const geometryTypesOf = (features: readonly IoFeature[]) => [
  ...new Set(features.map(geometryTypeOf).filter((type) => type !== null)),
]

/** The value as its field's type says (a number in a string field becomes its text); null stays null. */
export function valueAs(type: FieldType, value: PropertyValue | undefined): PropertyValue {
  if (value === null || value === undefined) return null
  switch (type) {
    case 'string':
    case 'date':
      return String(value)
    case 'integer':
    case 'number': {
      const number = typeof value === 'number' ? value : Number(value)
      return Number.isFinite(number) ? number : null
    }
    case 'boolean':
      return typeof value === 'boolean' ? value : value === 'true' || value === 1
  }
}

/** The layer to read: the requested one, else the first; an unknown name is refused with the list. */
export function chooseLayer(file: string, layerNames: readonly string[], requested: string | undefined): string {
  const chosen = requested ?? layerNames[0]
  if (chosen === undefined || !layerNames.includes(chosen)) {
    throw badRequest('io_layer_not_found', { file, layer: requested ?? '', layers: layerNames.join(', ') })
  }
  return chosen
}

/** Refuses a layer with no records: nothing to import, and most likely the wrong layer or sheet. */
export function refuseEmptyLayer(file: string, layer: string, count: number): void {
  if (count === 0) throw badRequest('io_layer_empty', { file, layer })
}
