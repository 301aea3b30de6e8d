import { badRequest } from './errors.js'

// Text PostgreSQL cannot store: text and jsonb columns refuse U+0000, and a lone UTF-16
// surrogate is not text at all (jsonb refuses its \uD800 escape; pg would turn it into U+FFFD).
// Refused wherever input arrives — JSON bodies, query strings, path parameters — with a 400
// naming the field, instead of a database error later.

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** Why a string cannot be stored, or null when it can. */
export function unstorableReason(text: string): 'text_nul' | 'text_unpaired_surrogate' | null {
  if (text.includes('\u0000')) return 'text_nul'
  if (LONE_SURROGATE.test(text)) return 'text_unpaired_surrogate'
  return null
}

/** A value met in the walk, with how it was reached (the path is spelt out only for an error). */
interface Visit {
  value: unknown
  key: string | number | null
  parent: Visit | null
}

/** Names a member the way validation errors do: body.changes.0.name. */
function pathOf(visit: Visit, where: string): string {
  const keys: string[] = []
  for (let at: Visit | null = visit; at?.key != null; at = at.parent) {
    keys.push(typeof at.key === 'number' ? String(at.key) : JSON.stringify(at.key).slice(1, -1))
  }
  return [where, ...keys.reverse()].join('.')
}

/**
 * Throws a 400 naming a string (value or object key) in `value` that cannot be stored.
 * Walks without recursion, so deeply nested input cannot overflow the stack.
 */
export function assertStorableText(value: unknown, where: string): void {
  const pending: Visit[] = [{ value, key: null, parent: null }]
  while (pending.length > 0) {
    const visit = pending.pop() as Visit
    const item = visit.value
    if (typeof item === 'string') {
      const reason = unstorableReason(item)
      if (reason) throw badRequest(reason, { field: pathOf(visit, where) })
    } else if (Array.isArray(item)) {
      for (let i = item.length - 1; i >= 0; i--) pending.push({ value: item[i], key: i, parent: visit })
    } else if (item !== null && typeof item === 'object') {
      const keys = Object.keys(item)
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i] as string
        const member = { value: (item as Record<string, unknown>)[key], key, parent: visit }
        const reason = unstorableReason(key)
        if (reason) throw badRequest(reason, { field: pathOf(member, where) })
        pending.push(member)
      }
    }
  }
}

/** JSON text can carry U+0000 or a surrogate only as an escape; without one there is nothing to walk. */
const RISKY_ESCAPE = /\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})/

/** Whether JSON text may hold a string assertStorableText would refuse (cheap pre-check). */
export function mayHoldUnstorableText(json: string): boolean {
  return RISKY_ESCAPE.test(json)
}
