import { type Static, Type } from 'typebox'
import { CRS_NAMES } from '../geo/crs-names.js'
import { GridKind } from '../grids/kinds.js'

// The answer of GET /lookup, as a schema (serialisation, OpenAPI) and a type the web page imports
// (this module has no server imports, so the web type check does not pull in server code).

const AddressMatchSchema = Type.Object({ address: Type.String(), lng: Type.Number(), lat: Type.Number(), score: Type.Number() })

export const LookupResponse = Type.Object(
  {
    query: Type.Union(
      [
        Type.Object({
          lng: Type.Number(),
          lat: Type.Number(),
          crs: Type.Union(CRS_NAMES.map((name) => Type.Literal(name))),
          wgs84: Type.Array(Type.Number(), { minItems: 2, maxItems: 2, description: 'the point as WGS84/CGCS2000 lon, lat' }),
        }),
        Type.Null(),
      ],
      { description: 'the point looked up; null when an address query found no match' },
    ),
    grid: Type.Union([
      Type.Object({
        code: Type.String(),
        name: Type.String(),
        kind: GridKind,
        region_code: Type.String(),
        households: Type.Union([Type.Integer(), Type.Null()]),
        grid_head: Type.Union([Type.String(), Type.Null()], { description: '网格长 (attributes.grid_head)' }),
      }),
      Type.Null(),
    ]),
    dedicated: Type.Array(Type.Object({ code: Type.String(), name: Type.String(), kind: GridKind }), {
      description: 'dedicated grids (专属网格) that also contain the point',
    }),
    regions: Type.Array(Type.Object({ code: Type.String(), name: Type.String(), level: Type.Integer() }), {
      description: 'region chain of the grid, community first, up to the province',
    }),
    nearest: Type.Union([Type.Object({ code: Type.String(), name: Type.String(), distance_m: Type.Number() }), Type.Null()], {
      description: 'only when grid is null: the nearest grid and the distance to it in metres',
    }),
    source: Type.Union([Type.Literal('index'), Type.Literal('postgis')]),
    address: Type.Optional(
      Type.Object(
        {
          query: Type.String(),
          normalised: Type.String(),
          match: Type.Union([AddressMatchSchema, Type.Null()]),
          candidates: Type.Array(AddressMatchSchema),
        },
        { description: 'only for ?address=: the address match (its point is the one looked up)' },
      ),
    ),
  },
  { $id: 'LookupResponse' },
)
export type LookupResponseBody = Static<typeof LookupResponse>
