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

// Shape only: every handler taking a DateString also calls parseDate, whose message says what a
// real date is (year 0000 and 2026-02-30 pass this pattern and are refused there).
export const DateString = Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description: 'YYYY-MM-DD' })

/** Largest value of a PostgreSQL integer (int4) column. */
export const MAX_INT4 = 2_147_483_647

/** A row id in a path: a positive integer JavaScript and bigint columns both hold exactly. */
export const RowId = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })

/** A GeoJSON Point in lon/lat with finite coordinates in range. */
export const GeoJsonPoint = Type.Object(
  {
    type: Type.Literal('Point'),
    coordinates: Type.Tuple([Type.Number({ minimum: -180, maximum: 180 }), Type.Number({ minimum: -90, maximum: 90 })], {
      description: '[longitude, latitude]',
    }),
  },
  { additionalProperties: false, description: 'GeoJSON Point (lon/lat)' },
)
