import type { Kysely } from 'kysely'
import type { Database } from '../db/database.js'

// Every write is recorded: who, in which role and region, what, and the before/after state.
// The table refuses UPDATE and DELETE (trigger in the initial migration).
export interface Actor {
  username: string
  role: string
  region_prefix: string
}

/** The actor for work done by the system itself (seeding, command-line imports). */
export const systemActor = (name: string): Actor => ({ username: name, role: 'system', region_prefix: '' })

export interface AuditEntry {
  action: string
  entity: string
  entityId?: string | null
  regionCode?: string
  before?: unknown
  after?: unknown
}

export async function recordAudit(db: Kysely<Database>, actor: Actor, entry: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      username: actor.username,
      role: actor.role,
      region_code: entry.regionCode ?? actor.region_prefix,
      action: entry.action,
      entity: entry.entity,
      entity_id: entry.entityId ?? null,
      before: entry.before === undefined ? null : JSON.stringify(entry.before),
      after: entry.after === undefined ? null : JSON.stringify(entry.after),
    })
    .execute()
}

export interface AuditFilter {
  /** Region code prefix ('' = everything): entries whose region_code starts with it. */
  regionPrefix: string
  /** First day included, 'YYYY-MM-DD' (a Beijing-time day, UTC+8). */
  from?: string | undefined
  /** Last day included, 'YYYY-MM-DD' (a Beijing-time day, UTC+8). */
  to?: string | undefined
  action?: string | undefined
  entity?: string | undefined
  /** Only entries older than this id (the cursor of the previous page). */
  beforeId?: number | undefined
  limit: number
}

/** China has one time zone and no daylight saving: a day starts at 00:00 +08:00. */
const dayStart = (day: string) => `${day}T00:00:00+08:00`
const nextDay = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10)

/**
 * Audit entries newest first (by id, which is also the keyset cursor), at most `limit + 1` rows:
 * the caller uses the extra row to tell whether another page follows.
 */
export function findAuditEntries(db: Kysely<Database>, filter: AuditFilter) {
  let query = db
    .selectFrom('audit_log')
    .select(['id', 'at', 'username', 'role', 'region_code', 'action', 'entity', 'entity_id', 'before', 'after'])
    .where('region_code', 'like', `${filter.regionPrefix}%`)
  if (filter.from !== undefined) query = query.where('at', '>=', new Date(dayStart(filter.from)))
  if (filter.to !== undefined) query = query.where('at', '<', new Date(dayStart(nextDay(filter.to))))
  if (filter.action !== undefined) query = query.where('action', '=', filter.action)
  if (filter.entity !== undefined) query = query.where('entity', '=', filter.entity)
  if (filter.beforeId !== undefined) query = query.where('id', '<', filter.beforeId)
  return query
    .orderBy('id', 'desc')
    .limit(filter.limit + 1)
    .execute()
}
