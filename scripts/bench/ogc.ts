import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { sql } from 'kysely'
import { buildApp } from '../../server/app.js'
import { seedDemoUsers } from '../../server/auth/demo-users.js'
import type { DatabaseHandle } from '../../server/db/connect.js'

// ogc.items_per_s: every grid of a county read through the OGC API's items pages (the largest
// page, 10,000, following next links, as `ogr2ogr -oo PAGE_SIZE=10000` reads them) over HTTP on
// loopback, client and server in this process: every page written by the server, sent, and read
// to its last byte by the client, which parses only the page's head (count and links), not its
// features. (app.inject was the client before: it copied each ~11 MB body byte by byte and
// decoded it into a string, ~40 % of the figure and none of it the server's.) Baseline: PostGIS
// writing the same grids as GeoJSON (`ST_AsGeoJSON(…, 15)` of every grid in force, one query),
// the work any server in front of PostGIS starts from.

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
    await app.listen({ host: '127.0.0.1', port: 0 })
    const { port } = app.server.address() as AddressInfo
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
    const started = performance.now()
    let url: string | undefined = '/ogc/collections/grids/items?limit=10000'
    let features = 0
    let pages = 0
    try {
      while (url) {
        const head = await pageHead(agent, port, url, headers)
        features += head.numberReturned
        pages++
        const next = head.links.find((link) => link.rel === 'next')?.href
        url = next === undefined ? undefined : new URL(next).pathname + new URL(next).search
      }
    } finally {
      agent.destroy()
    }
    const ms = performance.now() - started
    const baselineStarted = performance.now()
    await sql`SELECT ST_AsGeoJSON(ST_ForcePolygonCCW(geom), 15, 0) FROM grids WHERE valid_to IS NULL`.execute(database.kysely)
    return { indexGrids, features, ms, pages, baselineMs: performance.now() - baselineStarted }
  } finally {
    await app.close()
  }
}

interface PageHead {
  numberReturned: number
  links: { rel: string; href: string }[]
}

const FEATURES = Buffer.from(',"features":[')

/** GETs a page and reads its body to the end (checked against Content-Length); parses its head only. */
function pageHead(agent: http.Agent, port: number, path: string, headers: Record<string, string>): Promise<PageHead> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path, headers, agent }, (response) => {
      const chunks: Buffer[] = []
      let bytes = 0
      response.on('data', (chunk: Buffer) => {
        if (chunks.length < 4) chunks.push(chunk) // the head is in the first few KB
        bytes += chunk.length
      })
      response.on('error', reject)
      response.on('end', () => {
        const start = Buffer.concat(chunks)
        const at = start.indexOf(FEATURES)
        if (response.statusCode !== 200 || at < 0) {
          reject(new Error(`${path}: ${response.statusCode} ${start.subarray(0, 200).toString()}`))
          return
        }
        if (bytes !== Number(response.headers['content-length'])) {
          reject(new Error(`${path}: read ${bytes} bytes of ${response.headers['content-length']}`))
          return
        }
        resolve(JSON.parse(`${start.subarray(0, at).toString()}}`) as PageHead)
      })
    })
    request.on('error', reject)
  })
}
