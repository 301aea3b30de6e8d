import type { ValidateFunction } from 'ajv'

// Ajv's coercion turns the text "Infinity" into Infinity for an integer or number member, and
// then skips minimum/maximum for it (with strictNumbers its limit checks only run on finite
// numbers), so "/proposals/Infinity" passed { type: integer, maximum } and reached SQL. Query
// strings and path parameters are flat, so one look at their members after validation suffices.

/** Wraps a coercing validator so a member coerced to a non-finite number fails as a type error. */
export function finiteNumbersOnly(validate: ValidateFunction): ValidateFunction {
  const wrapped = ((data: unknown, context?: Parameters<ValidateFunction>[1]) => {
    if (!validate(data, context)) {
      wrapped.errors = validate.errors
      return false
    }
    const members = data !== null && typeof data === 'object' ? Object.entries(data) : []
    const [name] = members.find(([, value]) => typeof value === 'number' && !Number.isFinite(value)) ?? []
    if (name === undefined) {
      wrapped.errors = null
      return true
    }
    const declared = (validate.schema as { properties?: Record<string, { type?: unknown }> }).properties?.[name]?.type
    const type = typeof declared === 'string' ? declared : 'number'
    wrapped.errors = [{ instancePath: `/${name}`, schemaPath: '', keyword: 'type', params: { type }, message: `must be ${type}` }]
    return false
  }) as ValidateFunction
  return Object.assign(wrapped, { schema: validate.schema, schemaEnv: validate.schemaEnv })
}
