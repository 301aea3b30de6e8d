import { ensurePgliteTemplate } from './database.js'

// Vitest global setup: build the PGlite template once, before test files run in parallel.
export default async function setup(): Promise<void> {
  if (!process.env.DATABASE_URL) await ensurePgliteTemplate()
}
