import type { Polygon } from 'geojson'
import { describe, expect, it } from 'vitest'
import type { GridCollection, GridFeature, RegionCollection } from '../api/types'
import { searchHits } from './search'

const square = (x: number): Polygon => ({
  type: 'Polygon',
  coordinates: [
    [
      [x, 0],
      [x + 1, 0],
      [x + 1, 1],
      [x, 1],
      [x, 0],
    ],
  ],
})

const grid = (code: string, name: string, head: string | null, x: number): GridFeature =>
  ({ type: 'Feature', geometry: square(x), properties: { code, name, attributes: head ? { grid_head: head } : {} } }) as GridFeature

const grids: GridCollection = {
  type: 'FeatureCollection',
  features: [
    grid('990101004001001', '白沙社区第一网格', '王芳', 0),
    grid('990101004001002', '白沙社区第二网格', '李强', 1),
    grid('990101001002001', '明珠社区第一网格', '王伟', 2),
  ],
}
const regions: RegionCollection = {
  type: 'FeatureCollection',
  features: [
    {
      type: 'Feature',
      geometry: square(5),
      properties: { code: '990101004001', name: '白沙社区', level: 5, parent_code: '990101004000', urban_rural: null },
    },
  ],
}

describe('the header search', () => {
  it('finds grids by code, name and grid head, and communities by name, best first', () => {
    expect(searchHits('990101004001002', grids, regions).map((h) => [h.kind, h.code, h.via])).toEqual([['grid', '990101004001002', 'code']])
    expect(searchHits('白沙社区', grids, regions).map((h) => [h.kind, h.code])).toEqual([
      ['region', '990101004001'],
      ['grid', '990101004001001'],
      ['grid', '990101004001002'],
    ])
    const byHead = searchHits('王', grids, regions)
    expect(byHead.map((h) => [h.code, h.via, h.gridHead])).toEqual([
      ['990101001002001', 'grid_head', '王伟'],
      ['990101004001001', 'grid_head', '王芳'],
    ])
    expect(byHead[0]?.bbox).toEqual([2, 0, 3, 1])
  })

  it('finds nothing for an empty or unknown query', () => {
    expect(searchHits('  ', grids, regions)).toEqual([])
    expect(searchHits('青石', grids, regions)).toEqual([])
  })
})
