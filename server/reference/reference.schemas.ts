import { type Static, Type } from 'typebox'
import { ReferenceKind } from '../import/upload.schemas.js'

// The reference-layer API as schemas: the routes serialise with them, OpenAPI documents them and
// the web page imports the types. No server imports beyond other schema modules.

/** Features returned by one bbox request at most (docs/limits.md). */
export const REFERENCE_FEATURE_CAP = 5_000

/**
 * The first zoom of a layer's vector tiles (empty below), for the server's tiles and the web map's
 * source alike: footprints are many and small, worth drawing from where a building is a few pixels wide.
 */
export const referenceTileMinZoom = (kind: ReferenceKind): number => (kind === 'building' ? 13 : 0)

export const ReferenceLayer = Type.Object({
  id: Type.Integer(),
  region_code: Type.String({ description: 'the region prefix the layer belongs to (county 990101, or wider)' }),
  name: Type.String(),
  kind: ReferenceKind,
  feature_count: Type.Integer(),
  created_at: Type.String({ format: 'date-time' }),
  created_by: Type.String(),
})
export type ReferenceLayer = Static<typeof ReferenceLayer>

export const ReferenceLayerList = Type.Object({ layers: Type.Array(ReferenceLayer) })
export type ReferenceLayerList = Static<typeof ReferenceLayerList>

export const ReferenceListQuery = Type.Object({
  region: Type.Optional(Type.String({ description: '12-digit region code or a 2/4/6/9-digit prefix; default: your own scope' })),
})

export const ReferenceIdParams = Type.Object({ id: Type.String({ description: 'reference layer id' }) })

export const ReferenceFeaturesQuery = Type.Object({
  bbox: Type.String({ description: 'minLng,minLat,maxLng,maxLat' }),
  zoom: Type.Optional(Type.String({ description: 'map zoom 0–24: geometry is simplified to about a pixel at that zoom' })),
})

export const ReferenceFeatureProperties = Type.Object({
  name: Type.Union([Type.String(), Type.Null()]),
  class: Type.Union([Type.String(), Type.Null()], { description: 'road class (县道, 乡道, 村道…) or another category' }),
})

export const ReferenceFeatureCollection = Type.Object({
  type: Type.Literal('FeatureCollection'),
  features: Type.Array(
    Type.Object({
      type: Type.Literal('Feature'),
      id: Type.Integer(),
      geometry: Type.Unknown({ description: 'GeoJSON geometry (RFC 7946, lon/lat)' }),
      properties: ReferenceFeatureProperties,
    }),
  ),
  truncated: Type.Boolean({
    description: `true when the box holds more than ${REFERENCE_FEATURE_CAP} features (the longest are returned)`,
  }),
})
export type ReferenceFeatureCollection = Static<typeof ReferenceFeatureCollection>
