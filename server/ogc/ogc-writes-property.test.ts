import type { Position } from 'geojson'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ringsOf } from '../../web/src/editor/shared-vertices.js'
import type { TokenClaims } from '../auth/auth.plugin.js'
import { seedDemoUsers } from '../auth/demo-users.js'
import type { DatabaseHandle } from '../db/connect.js'
import { seededRandom } from '../demo/random.js'
import { seedDemo } from '../demo/seed.js'
import { AppError } from '../http/errors.js'
import type { ChangeRequest } from '../proposals/change.schemas.js'
import type { AfterState, GridState } from '../proposals/changes.js'
import { newCoverageIssues } from '../proposals/exactness.js'
import type { PolygonGeometry } from '../proposals/noding.js'
import { updateProposal } from '../proposals/proposals.service.js'
import { openTestDatabase } from '../testing/database.js'
import { cornerDrag, exactReport, exceptionsFor, layerReport, movableCorners, walkChain } from '../testing/random-edits.js'
import type { ValidationReport } from '../validation/report.schemas.js'
import { draftView, itemOf } from './grid-drafts.js'
import { writeGrid } from './grid-writes.js'
import { CRS84, parseCrs } from './ogc-crs.js'

// Property, at sliver tolerance 0: whatever sequence of OGC writes (PUT of one grid with a shared
// corner or a shared edge moved, sometimes far, sometimes sent in a Gauss-Krüger zone) a township
// user sends, each is either refused whole (the draft unchanged) or leaves the draft's township
// with no gap, overlap or invalid geometry it did not have and with every shared vertex identical
// on both sides (no two vertices of different grids within 1e-8° that are not the same numbers).
// The draft is then filed: the layer in force has nothing new either.
// 东湖街道 is clean; 白沙镇 has deliberate faults (compared with its own report before the writes).
// OGC_SEED replays a failure; OGC_WRITES sets the number of writes per township; OGC_DEBUG=1 logs
// each write and what came of it.

const USERS: Record<string, TokenClaims> = {
  '990101001': { sub: 'township', role: 'township', region_prefix: '990101001', scope_name: '东湖街道' },
  '990101004': { sub: 'baisha', role: 'township', region_prefix: '990101004', scope_name: '白沙镇' },
}
const ZONE = parseCrs('http://www.opengis.net/def/crs/EPSG/0/4545', 'crs')
const WORLD = parseCrs(CRS84, 'crs')

let database: DatabaseHandle
beforeAll(async () => {
  database = await openTestDatabase()
  await seedDemoUsers(database.kysely, 'demo')
  await seedDemo(database.kysely)
}, 240_000)
afterAll(async () => database?.close())

type Rng = () => number
const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)] as T
const key = (p: Position) => `${p[0]},${p[1]}`

const mapGeometry = (geometry: PolygonGeometry, map: (p: Position) => Position): PolygonGeometry =>
  geometry.type === 'Polygon'
    ? { type: 'Polygon', coordinates: geometry.coordinates.map((ring) => ring.map(map)) }
    : { type: 'MultiPolygon', coordinates: geometry.coordinates.map((rings) => rings.map((ring) => ring.map(map))) }

/** One write as a client would send it: a grid and its new geometry (lon/lat). */
function randomWrite(rng: Rng, after: AfterState): { kind: string; grid: string; geometry: PolygonGeometry } | null {
  const edges = movableCorners(after)
  if (edges.length === 0) return null
  const edge = pick(rng, edges)
  const [a, b, grid] = edge
  const shape = after.grids.get(grid)?.geometry as PolygonGeometry
  const roll = rng()
  if (roll < 0.6) {
    // A corner drag as the editor makes it, but sent as one grid's new geometry only.
    const drag = cornerDrag(rng, after, edge)
    const mine = drag?.moved.find((moved) => moved.id === grid)
    return mine ? { kind: 'drag', grid, geometry: mine.geometry } : null
  }
  // A shared edge moved sideways (both its corners) by up to a tenth of its length, or a corner
  // thrown a fifth to two thirds of the grid's width (often a fold or an overlap: refused).
  const far = roll >= 0.85
  const [dx, dy] = [(b[0] as number) - (a[0] as number), (b[1] as number) - (a[1] as number)]
  const xs = ringsOf(shape)
    .flat()
    .map((p) => p[0] as number)
  const reach = far ? ((0.2 + 0.5 * rng()) * (Math.max(...xs) - Math.min(...xs))) / Math.hypot(dx, dy) : 0.1 * rng()
  const offset = [-dy * reach * (rng() < 0.5 ? 1 : -1), dx * reach * (rng() < 0.5 ? 1 : -1)]
  const moves = far ? [key(a)] : [key(a), key(b)]
  const movable = new Set(edges.map(([corner]) => key(corner)))
  if (!moves.every((corner) => movable.has(corner))) return null
  return {
    kind: far ? 'far' : 'edge',
    grid,
    geometry: mapGeometry(shape, (p) =>
      moves.includes(key(p)) ? [(p[0] as number) + (offset[0] as number), (p[1] as number) + (offset[1] as number)] : p,
    ),
  }
}

/** Pairs of vertices of different grids closer than 1e-8° that are not the same numbers: a shared boundary that is not exact. */
function nearMisses(after: AfterState): string[] {
  const CELL = 1e-6
  const cells = new Map<string, { p: Position; grid: string }[]>()
  const misses: string[] = []
  for (const grid of after.grids.values())
    for (const ring of ringsOf(grid.geometry as PolygonGeometry))
      for (const p of ring) {
        const [cx, cy] = [Math.floor((p[0] as number) / CELL), Math.floor((p[1] as number) / CELL)]
        for (let i = -1; i <= 1; i++)
          for (let j = -1; j <= 1; j++)
            for (const q of cells.get(`${cx + i},${cy + j}`) ?? []) {
              const close =
                Math.abs((p[0] as number) - (q.p[0] as number)) <= 1e-8 && Math.abs((p[1] as number) - (q.p[1] as number)) <= 1e-8
              if (q.grid !== grid.id && close && key(p) !== key(q.p)) misses.push(`${grid.id} ${key(p)} ~ ${q.grid} ${key(q.p)}`)
            }
        cells.set(`${cx},${cy}`, [...(cells.get(`${cx},${cy}`) ?? []), { p, grid: grid.id }])
      }
  return misses
}

const invalidGeometries = (report: ValidationReport) => report.issues.filter((issue) => issue.code === 'invalid_geometry')

async function runWrites(seed: number, township: string, writes: number) {
  const rng = seededRandom(seed)
  const user = USERS[township] as TokenClaims
  const base = await layerReport(database, township)
  let accepted = 0
  let refused = 0
  for (let attempt = 0; accepted + refused < writes && attempt < writes * 4; attempt++) {
    const view = await draftView(database.kysely, user, township)
    const write = randomWrite(rng, view.after)
    if (!write) continue
    const zoned = rng() < 0.3
    const geometry = zoned ? mapGeometry(write.geometry, (p) => (ZONE.fromLonLat as (q: readonly number[]) => Position)(p)) : write.geometry
    const context = { database, user, language: 'en' as const, crs: zoned ? ZONE : WORLD, ifMatch: undefined }
    const where = `seed ${seed}, ${township}, write ${accepted + refused + 1}: ${write.kind} (${write.grid}${zoned ? ', EPSG:4545' : ''})`
    try {
      // The properties as the client read them (a replace sets them all).
      const { properties } = itemOf(write.grid, view.after.grids.get(write.grid) as GridState)
      await writeGrid(context, { op: 'replace', id: write.grid, body: { type: 'Feature', geometry, properties } })
    } catch (error) {
      if (process.env.OGC_DEBUG) console.log(where, (error as AppError).code, JSON.stringify((error as AppError).params).slice(0, 300))
      // Refused (a new overlap or gap, a new grid's corner): the draft is as it was.
      if (!(error instanceof AppError) || error.statusCode >= 500) throw new Error(`${where}: ${String(error)}`)
      expect((await draftView(database.kysely, user, township)).draft?.version, where).toBe(view.draft?.version)
      refused++
      continue
    }
    accepted++
    if (process.env.OGC_DEBUG) console.log(where, 'accepted')
    const { after } = await draftView(database.kysely, user, township)
    const exact = await exactReport(database, township, [...after.grids.values()])
    expect(
      newCoverageIssues(base, exact).map((issue) => issue.message),
      where,
    ).toEqual([])
    expect(invalidGeometries(exact).length, where).toBe(invalidGeometries(base).length)
    expect(nearMisses(after), where).toEqual([])
  }
  return { accepted, refused, base }
}

describe('OGC writes keep the coverage exact', () => {
  it.each(Object.keys(USERS))(
    'random PUTs on %s: refused whole, or nothing new at tolerance 0; then filed, nothing new in force',
    async (township) => {
      const seed = Number(process.env.OGC_SEED ?? Date.now() % 1_000_000)
      const { accepted, refused, base } = await runWrites(seed, township, Number(process.env.OGC_WRITES ?? 25))
      // Most writes are the editor's own drags, and go through.
      expect(accepted, `seed ${seed}: ${accepted} accepted, ${refused} refused`).toBeGreaterThan(refused / 2)
      // The draft goes the whole chain (the applying step checks it at tolerance 0 again): the
      // layer in force then has nothing new either.
      const user = USERS[township] as TokenClaims
      const { draft } = await draftView(database.kysely, user, township)
      if (!draft) throw new Error(`seed ${seed}: no draft`)
      const exceptions = await exceptionsFor(database, township, draft.changes as ChangeRequest[])
      await updateProposal(database, user, draft.id, { version: draft.version, exceptions }, 'en')
      await walkChain(database, draft.id, township.padEnd(12, '0'))
      const live = await layerReport(database, township)
      expect(
        newCoverageIssues(base, live).map((issue) => issue.message),
        `seed ${seed}`,
      ).toEqual([])
    },
    600_000,
  )
})
