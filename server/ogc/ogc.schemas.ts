import { Type } from 'typebox'

// Response shapes of the OGC API – Features endpoints (for the OpenAPI document; the standard's
// own schemas say the same).

export const Link = Type.Object({
  href: Type.String(),
  rel: Type.String(),
  type: Type.Optional(Type.String()),
  title: Type.Optional(Type.String()),
})

export const LandingPage = Type.Object({ title: Type.String(), description: Type.String(), links: Type.Array(Link) })

export const Conformance = Type.Object({ conformsTo: Type.Array(Type.String()) })

export const Collection = Type.Object({
  id: Type.String(),
  title: Type.String(),
  itemType: Type.Literal('feature'),
  crs: Type.Array(Type.String()),
  storageCrs: Type.Optional(Type.String({ description: 'the system the data is stored in (OGC API – Features Part 2)' })),
  extent: Type.Optional(
    Type.Object({
      spatial: Type.Object({ bbox: Type.Array(Type.Array(Type.Number())), crs: Type.String() }),
      temporal: Type.Optional(Type.Object({ interval: Type.Array(Type.Array(Type.Union([Type.String(), Type.Null()]))) })),
    }),
  ),
  links: Type.Array(Link),
})

export const Collections = Type.Object({ links: Type.Array(Link), collections: Type.Array(Collection) })

const Feature = Type.Object({
  type: Type.Literal('Feature'),
  id: Type.String(),
  geometry: Type.Unknown({ description: 'GeoJSON geometry, lon/lat (CRS84), null for a region without a boundary yet' }),
  properties: Type.Record(Type.String(), Type.Unknown()),
  links: Type.Optional(Type.Array(Link)),
})

export const OgcFeature = Feature

export const FeatureCollection = Type.Object({
  type: Type.Literal('FeatureCollection'),
  features: Type.Array(Feature),
  numberMatched: Type.Integer(),
  numberReturned: Type.Integer(),
  links: Type.Array(Link),
  notes: Type.Optional(Type.Array(Type.String(), { description: 'what the server changed in the request, e.g. a limit over the maximum' })),
})

export const OgcException = Type.Object({ code: Type.String(), description: Type.String() })
