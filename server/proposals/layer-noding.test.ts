import type { Position } from 'geojson'
import { describe, expect, it } from 'vitest'
import { seededRandom } from '../demo/random.js'
import { SAME_POINT_DEGREES } from '../geo/segment.js'
import { type LayerGrid, nodeLayer } from './layer-noding.js'
import { nodeTownship, type PolygonGeometry } from './noding.js'

// nodeLayer (an import's noding, linear time) must give exactly what nodeTownship gives for the
// same layer with every file grid changed and every vertex given: compared coordinate for
// coordinate (tolerance 0) on random lattices of grids whose shared edges were cut differently on
// either side (T-junctions, on the line or within eps of it), whose corners were copied with
// sub-millimetre differences, with some grids in force and the rest from the file.

const EPS = SAME_POINT_DEGREES
const CELL = 1e-4

/** What nodeLayer did before it was made linear: nodeTownship over the whole layer. */
function oracle(grids: readonly LayerGrid[], inForce: readonly LayerGrid[]): PolygonGeometry[] {
  const all = [...inForce, ...grids].map((grid, i) => ({ ...grid, id: String(i), changed: i >= inForce.length }))
  const noded = nodeTownship(
    all.map(({ id, geometry, changed }) => ({ id, geometry, changed })),
    { before: all.map(({ id, geometry, region }) => ({ id, geometry, region })) },
  )
  return noded.slice(inForce.length).map((grid) => grid.geometry)
}

/** A columns × rows lattice of quads; each shared edge cut (or not) independently on each side. */
function randomLayer(seed: number, columns: number, rows: number) {
  const rng = seededRandom(seed)
  const corner = (i: number, j: number): Position => [
    117 + i * CELL + ((i * 7 + j * 3) % 5) * 1e-6,
    31 + j * CELL + ((i * 3 + j * 5) % 7) * 1e-6,
  ]
  // Each side of an edge: no cut, a cut on the line, a cut within eps of it, or a cut at another place.
  const cut = (a: Position, b: Position): Position[] => {
    const roll = rng()
    if (roll < 0.5) return []
    const f = roll < 0.75 ? 0.5 : 0.25 + rng() * 0.5
    const off = roll < 0.9 ? 0 : (rng() - 0.5) * EPS
    const dx = (b[0] as number) - (a[0] as number)
    const dy = (b[1] as number) - (a[1] as number)
    return [[(a[0] as number) + dx * f - dy * off * 1e4, (a[1] as number) + dy * f + dx * off * 1e4]]
  }
  // A corner copied into one grid a little off (within eps/2), now and then.
  const copy = (p: Position): Position =>
    rng() < 0.1 ? [(p[0] as number) + (rng() - 0.5) * EPS, (p[1] as number) + (rng() - 0.5) * EPS] : [...p]
  const grids: LayerGrid[] = []
  for (let j = 0; j < rows; j++)
    for (let i = 0; i < columns; i++) {
      const [a, b, c, d] = [corner(i, j), corner(i + 1, j), corner(i + 1, j + 1), corner(i, j + 1)] as Position[]
      const ring = [copy(a as Position), ...cut(a as Position, b as Position), copy(b as Position), ...cut(b as Position, c as Position)]
      ring.push(copy(c as Position), ...cut(c as Position, d as Position), copy(d as Position), ...cut(d as Position, a as Position))
      ring.push([...(ring[0] as Position)])
      grids.push({ geometry: { type: 'Polygon', coordinates: [ring] }, region: `99010100100${j % 2}` })
    }
  const inForce = grids.filter(() => rng() < 0.3)
  return { inForce, file: grids.filter((grid) => !inForce.includes(grid)) }
}

describe('noding an imported layer', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('gives what nodeTownship gives (seed %i)', (seed) => {
    const { inForce, file } = randomLayer(seed, 12, 10)
    const noded = nodeLayer(file, inForce)
    expect(noded).toEqual(oracle(file, inForce))
    // The layer had something to node: vertices were inserted and corners moved.
    const sizes = (geometries: PolygonGeometry[]) => geometries.map((g) => JSON.stringify(g).length)
    expect(sizes(noded)).not.toEqual(sizes(file.map((grid) => grid.geometry)))
  })

  it('inserts the neighbour’s cut into an edge and makes near corners one', () => {
    const square = (x: number, cutAt: Position[] = []): LayerGrid => ({
      region: '990101001001',
      geometry: {
        type: 'Polygon',
        coordinates: [[[x, 0], [x + 1, 0], ...cutAt, [x + 1, 1], [x, 1], [x, 0]]],
      },
    })
    // The left square's right edge is cut at (1, 0.5); the right square's left corner is 0.4 eps off.
    const left = square(0, [[1, 0.5]])
    const right: LayerGrid = {
      region: '990101001001',
      geometry: {
        type: 'Polygon',
        coordinates: [
          [
            [1 + 0.4 * EPS, 0],
            [2, 0],
            [2, 1],
            [1, 1],
            [1 + 0.4 * EPS, 0],
          ],
        ],
      },
    }
    const [, noded] = nodeLayer([left, right], [])
    expect(noded).toEqual({
      type: 'Polygon',
      coordinates: [
        [
          [1, 0],
          [2, 0],
          [2, 1],
          [1, 1],
          [1, 0.5],
          [1, 0],
        ],
      ],
    })
  })
})
