import { randomBytes } from 'node:crypto'
import type { Db } from '../db/database.js'

/**
 * The JWT signing secret: JWT_SECRET when set (required in production), otherwise one generated
 * on first start and kept in the database, so tokens survive restarts and are shared by every
 * API node on the same database.
 */
export async function resolveSigningSecret(db: Db, configured: string | undefined): Promise<string> {
  if (configured) return configured
  const generated = randomBytes(32).toString('base64url')
  await db
    .insertInto('app_meta')
    .values({ key: 'jwt_secret', value: JSON.stringify(generated) })
    .onConflict((conflict) => conflict.column('key').doNothing())
    .execute()
  const row = await db.selectFrom('app_meta').select('value').where('key', '=', 'jwt_secret').executeTakeFirstOrThrow()
  return row.value as string
}
