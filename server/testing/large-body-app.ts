import supertest from 'supertest'
import { buildApp } from '../app.js'
import { seedDemoUsers } from '../auth/demo-users.js'
import { TEST_PASSWORD, loadMiniCounty } from './app.js'
import { openTestDatabase } from './database.js'

// The mini-county test app with the production body limit (20 MB) instead of the tests' 1 MB, for
// requests that must reach the geometry limits (a shape over 50,000 vertices is ~1.3 MB of JSON).

export async function createLargeBodyApp(bodyLimitBytes = 20 * 1024 * 1024) {
  const database = await openTestDatabase()
  await seedDemoUsers(database.kysely, TEST_PASSWORD)
  await loadMiniCounty(database)
  const app = await buildApp({ database, signingSecret: 'test-signing-secret-of-at-least-32-chars', bodyLimitBytes })
  await app.ready()
  const http = () => supertest(app.server)
  const token = async (username: string) => {
    const response = await http().post('/api/v1/auth/login').send({ username, password: TEST_PASSWORD })
    if (response.status !== 200) throw new Error(`login ${username} failed: ${response.status} ${response.text}`)
    return response.body.token as string
  }
  return {
    app,
    database,
    http,
    tokens: { county: await token('county'), township: await token('township') },
    async close() {
      await app.close()
      await database.close()
    },
  }
}
