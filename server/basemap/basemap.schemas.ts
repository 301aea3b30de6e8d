import { type Static, Type } from 'typebox'

// What the page learns about the local basemap (GRIDWORK_BASEMAP) before adding it under its layers.

export const BasemapInfo = Type.Object({
  format: Type.Union([Type.Literal('pmtiles'), Type.Literal('mbtiles')]),
  tiles: Type.Union([Type.Literal('raster'), Type.Literal('vector')]),
  minzoom: Type.Integer(),
  maxzoom: Type.Integer(),
  bounds: Type.Union([Type.Tuple([Type.Number(), Type.Number(), Type.Number(), Type.Number()]), Type.Null()]),
  vector_layers: Type.Array(Type.String(), { description: 'vector tiles: the layer ids, drawn with a generic style' }),
  url: Type.String({ description: 'pmtiles: the archive (byte ranges); mbtiles: a tile URL template {z}/{x}/{y}' }),
})
export type BasemapInfo = Static<typeof BasemapInfo>

export const BasemapInfoResponse = Type.Object({ basemap: Type.Union([BasemapInfo, Type.Null()]) })
export type BasemapInfoResponse = Static<typeof BasemapInfoResponse>

export const BASEMAP_ARCHIVE_PATH = '/basemap/archive.pmtiles'
export const BASEMAP_TILE_PATH = '/basemap/tiles/{z}/{x}/{y}'
