import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { recordAudit } from '../audit/audit.repository.js'
import type { Db } from '../db/database.js'
import { AppError } from '../http/errors.js'
import { errorResponses } from '../http/schemas.js'
import { codeOfPrefix } from '../regions/region-codes.js'
import { profileForRegion } from '../profiles/profiles.js'
import { findRegionName } from '../regions/regions.repository.js'
import { Me, type MeResponse } from './account.js'
import type { TokenClaims } from './auth.plugin.js'
import { FailedLoginAudit } from './login-audit.js'
import { type LoginOutcome, LoginThrottle } from './login-throttle.js'
import { prepareDummyHash, verifyPassword } from './passwords.js'
import { findUser } from './users.repository.js'

export const authRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  const throttle = new LoginThrottle()
  const failures = new FailedLoginAudit(db, app.log)
  app.addHook('onClose', async () => {
    await failures.stop()
  })
  void prepareDummyHash()

  app.post(
    '/auth/login',
    {
      schema: {
        tags: ['auth'],
        summary:
          'Log in; returns a Bearer token (valid 12 hours). After 5 failed logins for an account (20 from an address) further tries wait, doubling from 15 s: 429 with Retry-After',
        body: Type.Object({
          username: Type.String({ minLength: 1, maxLength: 64 }),
          password: Type.String({ minLength: 1, maxLength: 256 }),
        }),
        response: { 200: Type.Object({ token: Type.String(), user: Me }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { username, password } = request.body
      const address = request.ip
      const wait = throttle.begin(username, address)
      if (wait > 0) {
        // Refused before the password is looked at: during a lock-out the right one is refused too.
        failures.refused(username, address)
        reply.header('retry-after', String(wait))
        throw new AppError(429, 'login_throttled', { after: wait })
      }
      let outcome: LoginOutcome = 'aborted'
      let user: Awaited<ReturnType<typeof findUser>>
      try {
        user = await findUser(db, username)
        // One scrypt run whatever the account: unknown and disabled ones cost what a wrong password costs.
        const matches = await verifyPassword(password, user?.password_hash)
        if (!user || user.disabled || !matches) {
          outcome = 'failed'
          await failures.failed(username, address)
          throw new AppError(401, 'login_failed')
        }
        outcome = 'succeeded'
      } finally {
        throttle.end(username, address, outcome)
      }
      const homeRegion = await homeRegionOf(db, user.region_prefix)
      const claims: TokenClaims = {
        sub: user.username,
        role: user.role,
        region_prefix: user.region_prefix,
        scope_name: homeRegion ? ((await findRegionName(db, homeRegion)) ?? user.region_prefix) : '',
      }
      await recordAudit(
        db,
        { username, role: user.role, region_prefix: user.region_prefix },
        { action: 'login', entity: 'user', entityId: username },
      )
      const token = await app.jwt.sign(claims)
      return { token, user: accountView(user, homeRegion) }
    },
  )

  app.get(
    '/me',
    {
      onRequest: app.authenticate,
      schema: { tags: ['auth'], summary: 'The logged-in account', security: [{ bearer: [] }], response: { 200: Me, ...errorResponses } },
    },
    async (request) => {
      const claims = request.user as TokenClaims
      const user = await findUser(db, claims.sub)
      if (!user || user.disabled) throw new AppError(401, 'token_invalid')
      return accountView(user, await homeRegionOf(db, user.region_prefix))
    },
  )
}

function accountView(
  user: { username: string; display_name: string; role: string; region_prefix: string },
  homeRegion: string | null,
): MeResponse {
  return {
    username: user.username,
    display_name: user.display_name,
    role: user.role,
    region_prefix: user.region_prefix,
    home_region: homeRegion,
    notice_languages: [...profileForRegion(homeRegion ?? user.region_prefix).noticeLanguages],
  }
}

/** The region an account opens on: its scope's region, or for '' the first top-level region. */
async function homeRegionOf(db: Db, prefix: string): Promise<string | null> {
  if (prefix) return codeOfPrefix(prefix)
  const root = await db.selectFrom('regions').select('code').where('parent_code', 'is', null).orderBy('code').executeTakeFirst()
  return root?.code ?? null
}
