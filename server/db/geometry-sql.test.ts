import { describe, expect, it } from 'vitest'
import { boxPolygon } from '../testing/shapes.js'
import { BULK_STATEMENT_VERTICES, ewkbRuns } from './geometry-sql.js'

// The bulk statements split a county's geometry into runs of BULK_STATEMENT_VERTICES: every item
// must come back once, in order, whichever run it fell into.

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
})
