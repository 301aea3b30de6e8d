import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { boxPolygon } from '../testing/shapes.js'
import { openTestDatabase } from '../testing/database.js'
import type { DatabaseHandle } from './connect.js'
import { BULK_STATEMENT_VERTICES, ewkbRuns, interiorPoints } from './geometry-sql.js'

// The bulk statements split a county's geometry into runs of BULK_STATEMENT_VERTICES: every item
// must come back once, in order, whichever run it fell into.

let database: DatabaseHandle
beforeAll(async () => {
  database = await openTestDatabase()
})
afterAll(async () => database?.close())

/** A square of 41 positions (each side cut ten times) with its lower-left corner at (x, y). */
function square(x: number, y: number) {
  const ring = boxPolygon(x, y, x + 0.001, y + 0.001).coordinates[0] as number[][]
  const positions: number[][] = []
  for (let side = 0; side < 4; side++) {
    const [ax, ay] = ring[side] as [number, number]
    const [bx, by] = ring[side + 1] as [number, number]
    for (let i = 0; i < 10; i++) positions.push([ax + ((bx - ax) * i) / 10, ay + ((by - ay) * i) / 10])
  }
  positions.push(positions[0] as number[])
  return { type: 'Polygon' as const, coordinates: [positions] }
}

describe('bulk geometry statements', () => {
  const count = Math.ceil((BULK_STATEMENT_VERTICES * 1.5) / 41)
  const squares = Array.from({ length: count }, (_, i) => square(117 + (i % 100) * 0.001, 31 + Math.floor(i / 100) * 0.001))

  it('splits the geometries into runs under the vertex budget, keeping their order', () => {
    const runs = [...ewkbRuns(squares, (geometry) => geometry)]
    expect(runs).toHaveLength(2)
    expect(runs.flat().map((entry) => entry.item)).toEqual(squares)
    for (const run of runs) expect(run.length * 41).toBeLessThanOrEqual(BULK_STATEMENT_VERTICES)
  })

  it('gives each geometry its interior point, in order, across runs', async () => {
    const points = await interiorPoints(database.kysely, squares)
    expect(points).toHaveLength(count)
    points.forEach(([x, y], i) => {
      const [[x0, y0]] = (squares[i] as ReturnType<typeof square>).coordinates[0] as [[number, number]]
      expect(x).toBeGreaterThan(x0)
      expect(x).toBeLessThan(x0 + 0.001)
      expect(y).toBeGreaterThan(y0)
      expect(y).toBeLessThan(y0 + 0.001)
    })
  }, 60_000)
})
