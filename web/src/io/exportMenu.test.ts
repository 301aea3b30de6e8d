import { describe, expect, it } from 'vitest'
import { exportQuery } from './exportMenu'

describe('export menu', () => {
  const base = { region: '990101001000', layer: 'grids', asOf: '2026-01-01', format: 'geojson' as const, crs: 'EPSG:4547', encoding: 'gbk' }

  it('sends the day only for grids as of a day, the encoding only for shapefiles and CSV', () => {
    expect(exportQuery(base)).toEqual({ region: '990101001000', layer: 'grids', format: 'geojson', crs: 'EPSG:4547' })
    expect(exportQuery({ ...base, layer: 'gridsAsOf', format: 'shp' })).toEqual({
      region: '990101001000',
      layer: 'grids',
      format: 'shp',
      crs: 'EPSG:4547',
      as_of: '2026-01-01',
      encoding: 'gbk',
    })
    expect(exportQuery({ ...base, layer: 'reference:主要道路', format: 'csv', encoding: 'utf-8' })).toMatchObject({
      layer: 'reference:主要道路',
      encoding: 'utf-8',
    })
  })
})
