import { type TSchema, Type } from 'typebox'

// Schemas shared by several routes. TypeBox gives request validation, OpenAPI and TS types.

export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'stable machine-readable code, e.g. region_not_found' }),
      message: Type.String({ description: 'plain-language message in the caller’s language (zh-CN default)' }),
      details: Type.Optional(Type.Unknown()),
    }),
  },
  { $id: 'ErrorResponse' },
)

export const errorResponses = {
  400: Type.Ref('ErrorResponse'),
  401: Type.Ref('ErrorResponse'),
  403: Type.Ref('ErrorResponse'),
  404: Type.Ref('ErrorResponse'),
} as const

export const GeoJsonGeometry = Type.Unknown({ description: 'GeoJSON geometry (RFC 7946, lon/lat)' })

export function FeatureCollectionOf<T extends TSchema>(properties: T) {
  return Type.Object({
    type: Type.Literal('FeatureCollection'),
    features: Type.Array(
      Type.Object({
        type: Type.Literal('Feature'),
        id: Type.Optional(Type.String()),
        geometry: Type.Union([GeoJsonGeometry, Type.Null()]),
        properties,
      }),
    ),
  })
}

export const DateString = Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description: 'YYYY-MM-DD' })
