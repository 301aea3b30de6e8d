import type { Kysely } from 'kysely'
import type { Database } from '../db/database.js'
import { type NewUser, upsertUser } from './users.repository.js'

// The demo accounts the README lists (Quick start), one per role, scoped inside the demo county 990101.
// Never seeded in production mode (server.ts checks NODE_ENV before calling this).
export const DEMO_ACCOUNTS: Omit<NewUser, 'password'>[] = [
  { username: 'admin', display_name: '系统管理员', role: 'admin', region_prefix: '' },
  { username: 'city', display_name: '示范市网格中心', role: 'city', region_prefix: '9901' },
  { username: 'county', display_name: '示范县网格中心', role: 'county', region_prefix: '990101' },
  { username: 'township', display_name: '东湖街道网格中心', role: 'township', region_prefix: '990101001' },
  // 白沙镇 holds the demo's deliberate faults (a gap, an overlap, an oversized grid) to fix in the editor.
  { username: 'baisha', display_name: '白沙镇网格中心', role: 'township', region_prefix: '990101004' },
  { username: 'dept', display_name: '县公安局', role: 'department', region_prefix: '990101' },
]

export async function seedDemoUsers(db: Kysely<Database>, password: string): Promise<string[]> {
  for (const account of DEMO_ACCOUNTS) await upsertUser(db, { ...account, password })
  return DEMO_ACCOUNTS.map((account) => account.username)
}
