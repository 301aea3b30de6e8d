import { type Static, Type } from 'typebox'

// The file formats gridwork reads and writes (no server imports: the web page imports these too).
export const FormatName = Type.Union([
  Type.Literal('geojson'),
  Type.Literal('shp'),
  Type.Literal('gpkg'),
  Type.Literal('kml'),
  Type.Literal('fgb'),
  Type.Literal('csv'),
  Type.Literal('xlsx'),
])
export type FormatName = Static<typeof FormatName>
export const FORMAT_NAMES: readonly FormatName[] = FormatName.anyOf.map((literal) => literal.const)
