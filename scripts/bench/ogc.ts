import { sql } from 'kysely'
import { buildApp } from '../../server/app.js'
import { seedDemoUsers } from '../../server/auth/demo-users.js'
import type { DatabaseHandle } from '../../server/db/connect.js'

// ogc.items_per_s: every grid of a county read through the OGC API's items pages (the largest
// page, 10,000, following next links, as `ogr2ogr -oo PAGE_SIZE=10000` reads them), in the
// server's process (app.inject: no socket), the pages' text written, not parsed by the client. Baseline: PostGIS writing the same grids as GeoJSON
// (`ST_AsGeoJSON(…, 15)` of every grid in force, one query), the work any server in front of
// PostGIS starts from.

const PASSWORD = 'bench-password'

export interface OgcItemsRun {
  /** Grids in the lookup index the pages are written from. */
  indexGrids: number
  features: number
  ms: number
  pages: number
  baselineMs: number
}

export async function ogcItemsRun(database: DatabaseHandle): Promise<OgcItemsRun> {
  await seedDemoUsers(database.kysely, PASSWORD)
  let indexGrids = 0
  const app = await buildApp({ database, signingSecret: 'bench-signing-secret-of-at-least-32-chars' })
  try {
    await app.ready()
    await app.gridIndex.settled()
    const loaded = app.gridIndex.current()
    if (!loaded) throw new Error(`the grid index did not build: ${String(app.gridIndex.lastError)}`)
    indexGrids = loaded.index.size
    const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'admin', password: PASSWORD } })
    const headers = { authorization: `Bearer ${login.json().token}` }
    const started = performance.now()
    let url: string | undefined = '/ogc/collections/grids/items?limit=10000'
    let features = 0
    let pages = 0
    while (url) {
      const response = await app.inject({ method: 'GET', url, headers })
      if (response.statusCode !== 200) throw new Error(`${url}: ${response.statusCode} ${response.body.slice(0, 200)}`)
      // The page's head only (the server writes it before the features): the figure is the
      // server's, as the baseline is PostGIS writing the text, not a client parsing it.
      const head = JSON.parse(`${response.body.slice(0, response.body.indexOf(',"features":['))}}`) as {
        numberReturned: number
        links: { rel: string; href: string }[]
      }
      features += head.numberReturned
      pages++
      const next = head.links.find((link) => link.rel === 'next')?.href
      url = next === undefined ? undefined : new URL(next).pathname + new URL(next).search
    }
    const ms = performance.now() - started
    const baselineStarted = performance.now()
    await sql`SELECT ST_AsGeoJSON(ST_ForcePolygonCCW(geom), 15, 0) FROM grids WHERE valid_to IS NULL`.execute(database.kysely)
    return { indexGrids, features, ms, pages, baselineMs: performance.now() - baselineStarted }
  } finally {
    await app.close()
  }
}
