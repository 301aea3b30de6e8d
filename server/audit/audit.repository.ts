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
