import { type Kysely, type RawBuilder, sql } from 'kysely'
import type { Database } from '../db/database.js'
import { isWithinScope } from '../regions/region-codes.js'
import { compareCodes, type IndexedGrid, roundDistanceM } from './index/indexed-grid.js'
import type { LookupOptions, LookupResult } from './lookup-result.js'

// The PostGIS path of a lookup, set-based: many points per SQL statement, as unnest() of two
// float8 arrays WITH ORDINALITY, ST_Covers against the grid rows in force on the day. A single
// point (GET /lookup?as_of=) is a set of one; a batch with a past as_of queues its points in a
// PostgisPointGroup and sends them POSTGIS_GROUP at a time.
// Rule for a point covered by several grids (as the index, see grid-index.ts): micro before
// comprehensive, then the shortest code, then the smallest code; dedicated grids listed apart.
// Outside every grid: the nearest non-dedicated grid — 8 candidates by planar distance (the GiST
// index's <->), then the true geodesic distance decides.

/** What PostGIS answers for one point (the caller adds the query and the region chain). */
export type PostgisAnswer = Pick<LookupResult, 'grid' | 'dedicated' | 'nearest'>

/** Points per SQL statement. */
export const POSTGIS_GROUP = 500

type CoveringRow = IndexedGrid & { i: number }
type NearestRow = { i: number; code: string; name: string; region_code: string; distance_m: number }

/** The grid rows in force on `day` (alias g). */
const inForce = (day: RawBuilder<unknown>) => sql`g.valid_from <= ${day} AND (g.valid_to IS NULL OR g.valid_to > ${day})`
/** The points as rows p(x, y, i), i counting from 1. */
const pointRows = (xs: number[], ys: number[]) => sql`unnest(${xs}::float8[], ${ys}::float8[]) WITH ORDINALITY AS p(x, y, i)`
/** Point p as a geometry in the grids' SRID. */
const POINT = sql`ST_SetSRID(ST_MakePoint(p.x, p.y), 4490)`

/** Looks WGS84 points up in PostGIS on `options.asOf` (today when absent): one answer per point, in order. */
export async function lookupManyInPostgis(
  db: Kysely<Database>,
  points: readonly (readonly [number, number])[],
  options: LookupOptions,
): Promise<PostgisAnswer[]> {
  const answers: PostgisAnswer[] = []
  for (let start = 0; start < points.length; start += POSTGIS_GROUP) {
    for (const answer of await lookupGroup(db, points.slice(start, start + POSTGIS_GROUP), options)) answers.push(answer)
  }
  return answers
}

async function lookupGroup(
  db: Kysely<Database>,
  points: readonly (readonly [number, number])[],
  options: LookupOptions,
): Promise<PostgisAnswer[]> {
  if (points.length === 0) return []
  const day = options.asOf === undefined ? sql`current_date` : sql`${options.asOf}::date`
  const xs = points.map((point) => point[0])
  const ys = points.map((point) => point[1])
  const covering = await sql<CoveringRow>`
    SELECT p.i::int AS i, g.code, g.name, g.kind, g.region_code, g.households, g.attributes->>'grid_head' AS grid_head
    FROM ${pointRows(xs, ys)}
    JOIN grids g ON ${inForce(day)} AND ST_Covers(g.geom, ${POINT})
    ORDER BY p.i, (g.kind = 'micro') DESC, length(g.code), g.code`.execute(db)
  const answers: PostgisAnswer[] = points.map(() => ({ grid: null, dedicated: [], nearest: null }))
  for (const row of covering.rows) {
    const answer = answers[row.i - 1] as PostgisAnswer
    if (row.kind === 'dedicated') answer.dedicated.push({ code: row.code, name: row.name, kind: row.kind })
    else answer.grid ??= gridOf(row)
  }
  for (const answer of answers) if (answer.dedicated.length > 1) answer.dedicated.sort((a, b) => compareCodes(a.code, b.code))
  // Outside every (non-dedicated) grid: the nearest one.
  const outside = answers.flatMap((answer, k) => (answer.grid ? [] : [k]))
  if (outside.length === 0) return answers
  const near = await sql<NearestRow>`
    SELECT p.i::int AS i, n.code, n.name, n.region_code, n.distance_m
    FROM ${pointRows(
      outside.map((k) => xs[k] as number),
      outside.map((k) => ys[k] as number),
    )}
    CROSS JOIN LATERAL (
      SELECT code, name, region_code, distance_m FROM (
        SELECT g.code, g.name, g.region_code,
               ST_Distance(ST_SetSRID(g.geom, 4326)::geography, ST_SetSRID(${POINT}, 4326)::geography) AS distance_m
        FROM grids g
        WHERE ${inForce(day)} AND g.kind <> 'dedicated'
        ORDER BY g.geom <-> ${POINT}
        LIMIT 8
      ) candidates
      ORDER BY distance_m, length(code), code
      LIMIT 1
    ) n`.execute(db)
  for (const row of near.rows) {
    const answer = answers[outside[row.i - 1] as number] as PostgisAnswer
    if (isWithinScope(options.scope, row.region_code))
      answer.nearest = { code: row.code, name: row.name, distance_m: roundDistanceM(Number(row.distance_m)) }
  }
  return answers
}

function gridOf(row: CoveringRow): IndexedGrid {
  return {
    code: row.code,
    name: row.name,
    kind: row.kind,
    region_code: row.region_code,
    households: row.households === null ? null : Number(row.households),
    grid_head: typeof row.grid_head === 'string' && row.grid_head.trim() !== '' ? row.grid_head : null,
  }
}

/**
 * Points waiting for one set-based PostGIS lookup (one batch's rows the index cannot answer).
 * add() queues a point and sends the group when it holds `size` points; whoever is about to wait
 * for an answer calls flush() first, so a group smaller than `size` is never left waiting.
 */
export class PostgisPointGroup {
  private points: [number, number][] = []
  private waiters: { resolve: (answer: PostgisAnswer) => void; reject: (error: unknown) => void }[] = []
  private soon: NodeJS.Immediate | null = null

  constructor(
    private readonly db: Kysely<Database>,
    private readonly options: LookupOptions,
    private readonly size = POSTGIS_GROUP,
  ) {}

  /** Points queued and not yet sent. */
  get waiting(): number {
    return this.points.length
  }

  add(x: number, y: number): Promise<PostgisAnswer> {
    const answer = new Promise<PostgisAnswer>((resolve, reject) => this.waiters.push({ resolve, reject }))
    this.points.push([x, y])
    if (this.points.length >= this.size) this.flush()
    return answer
  }

  /** Sends the queued points, if any, as one lookup. */
  flush(): void {
    if (this.soon) clearImmediate(this.soon)
    this.soon = null
    if (this.points.length === 0) return
    const points = this.points
    const waiters = this.waiters
    this.points = []
    this.waiters = []
    lookupManyInPostgis(this.db, points, this.options).then(
      (answers) => {
        for (let k = 0; k < waiters.length; k++) waiters[k]?.resolve(answers[k] as PostgisAnswer)
      },
      (error: unknown) => {
        for (const waiter of waiters) waiter.reject(error)
      },
    )
  }

  /** Flushes on the next turn of the event loop: for points queued outside the reading loop (e.g. address rows). */
  flushSoon(): void {
    this.soon ??= setImmediate(() => this.flush())
  }
}
