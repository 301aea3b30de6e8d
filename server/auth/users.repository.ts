import type { Kysely } from 'kysely'
import type { Database, Role } from '../db/database.js'
import { hashPassword } from './passwords.js'

export function findUser(db: Kysely<Database>, username: string) {
  return db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst()
}

export interface NewUser {
  username: string
  display_name: string
  password: string
  role: Role
  region_prefix: string
}

/** Creates the user, or resets its password, name, role and scope if it exists. */
export async function upsertUser(db: Kysely<Database>, user: NewUser): Promise<void> {
  const password_hash = await hashPassword(user.password)
  const { password: _password, ...fields } = user
  await db
    .insertInto('users')
    .values({ ...fields, password_hash })
    .onConflict((conflict) =>
      conflict.column('username').doUpdateSet({
        password_hash,
        display_name: fields.display_name,
        role: fields.role,
        region_prefix: fields.region_prefix,
      }),
    )
    .execute()
}
