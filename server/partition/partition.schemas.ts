import { type Static, Type } from 'typebox'
import { GeoJsonGeometry } from '../http/schemas.js'

// POST /api/v1/partition as schemas: the route validates and documents with them, the web page
// imports the types. Geometry members are checked in the service (partition-input.ts), which
// names the feature and the type it got in the caller's language; the schemas check the rest.

/** Longest time budget a request may ask for: the partition runs on the server's one thread. */
export const MAX_PARTITION_TIME_BUDGET_MS = 30_000

/** Coordinate systems the partition accepts: longitude/latitude in degrees only. */
export const PARTITION_CRS = ['EPSG:4490', 'EPSG:4326'] as const

const Count = (description: string) => Type.Integer({ minimum: 0, maximum: 1_000_000, description })

const FeatureOf = <P extends ReturnType<typeof Type.Object>>(geometry: string, properties: P) =>
  Type.Object({
    type: Type.Literal('Feature'),
    id: Type.Optional(Type.Union([Type.String(), Type.Number()])),
    geometry: Type.Unknown({ description: `GeoJSON ${geometry} (lon/lat)` }),
    properties,
  })

const CollectionOf = <P extends ReturnType<typeof Type.Object>>(geometry: string, properties: P, description: string) =>
  Type.Object({ type: Type.Literal('FeatureCollection'), features: Type.Array(FeatureOf(geometry, properties)) }, { description })

export const HouseholdRangeBody = Type.Object(
  {
    min: Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'fewest households of a grid' }),
    max: Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'most households of a grid' }),
  },
  { additionalProperties: false, description: "households a grid may have; default the region's rule profile" },
)

export const PartitionRequest = Type.Object(
  {
    region: Type.Optional(
      Type.String({ description: '12-digit code of a community (village) or of a township (its 9 digits padded with 000)' }),
    ),
    boundary: Type.Optional(Type.Unknown({ description: 'GeoJSON Polygon or MultiPolygon (lon/lat); instead of region' })),
    buildings: Type.Optional(
      CollectionOf(
        'Point, Polygon or MultiPolygon',
        Type.Object({
          households: Count('households living in the building'),
          population: Type.Optional(Count('people living in the building (kept, not used by the partition)')),
        }),
        'buildings (points or footprints) with their households; with region, replaces the recorded ones (at most 5,000)',
      ),
    ),
    units: Type.Optional(
      CollectionOf(
        'Polygon or MultiPolygon',
        Type.Object({ households: Count('households in the unit') }),
        'instead of buildings: the units themselves (census blocks, 小区) with their households; every grid is a union of whole units (at most 5,000)',
      ),
    ),
    roads: Type.Optional(
      CollectionOf(
        'LineString or MultiLineString',
        Type.Object({}),
        'roads, rivers and other lines grids should follow; with region, replaces the recorded ones',
      ),
    ),
    existing: Type.Optional(
      CollectionOf(
        'Polygon or MultiPolygon',
        Type.Object({ code: Type.String({ minLength: 1, maxLength: 64 }), name: Type.Optional(Type.String({ maxLength: 200 })) }),
        "today's grids: the partition starts from them and changes only what it must",
      ),
    ),
    keep_existing: Type.Optional(Type.Boolean({ description: "with region: start from the region's grids in force today" })),
    range: Type.Optional(HouseholdRangeBody),
    target: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'households a grid aims at; default mid-range' })),
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 4_294_967_295, description: 'same input and seed, same answer' })),
    time_budget_ms: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: MAX_PARTITION_TIME_BUDGET_MS,
        description: 'the best answer found by then is returned (default 10,000)',
      }),
    ),
    create_draft: Type.Optional(Type.Boolean({ description: 'with region: save the grids as a draft proposal' })),
    crs: Type.Optional(
      Type.String({
        description:
          'EPSG:4490 (default) or EPSG:4326: longitude/latitude in degrees; or a projected system (a CGCS2000 Gauss-Krüger zone EPSG:4491–4554, a UTM zone): the answer is then in it too',
      }),
    ),
  },
  { additionalProperties: false },
)
export type PartitionRequest = Static<typeof PartitionRequest>

export const PartitionGridProperties = Type.Object({
  number: Type.Integer({ description: '1-based, in coding order: rows north → south, west → east in a row' }),
  name: Type.Union([Type.String(), Type.Null()], {
    description: 'with region: 社区第N网格 for a new grid, the old name for a kept one; null for a bare boundary',
  }),
  households: Type.Integer(),
  units: Type.Integer({ description: 'atomic units (building cells, blocks) in the grid' }),
  area_m2: Type.Number(),
  polsby_popper: Type.Number({ description: 'compactness 4πA/P², 1 for a circle' }),
  in_range: Type.Boolean(),
  contiguous: Type.Boolean(),
  existing_code: Type.Union([Type.String(), Type.Null()], { description: "the code of today's grid this one takes over" }),
  unchanged: Type.Union([Type.Boolean(), Type.Null()], { description: "exactly today's grid; null without existing grids" }),
})
export type PartitionGridProperties = Static<typeof PartitionGridProperties>

export const PartitionSummaryView = Type.Object({
  grids: Type.Integer(),
  in_range_pct: Type.Number(),
  mean_polsby_popper: Type.Number(),
  road_boundary_share: Type.Union([Type.Number(), Type.Null()], { description: 'share of the lines between grids on roads' }),
  households_moved_pct: Type.Union([Type.Number(), Type.Null()]),
  unchanged_grids_pct: Type.Union([Type.Number(), Type.Null()]),
  ms: Type.Number(),
  seed: Type.Integer(),
  time_budget_reached: Type.Boolean(),
})
export type PartitionSummaryView = Static<typeof PartitionSummaryView>

/** The facts of an explanation, as data: each code has some of these (docs/partition.md lists which). */
export const ExplanationParams = Type.Object(
  {
    grid: Type.Optional(Type.Integer({ description: 'the grid explained (its number)' })),
    grids: Type.Optional(Type.Array(Type.Integer(), { description: 'range_infeasible: the grids of the part' })),
    households: Type.Optional(Type.Integer()),
    min: Type.Optional(Type.Integer()),
    max: Type.Optional(Type.Integer()),
    unit: Type.Optional(Type.String({ description: 'unit_above_max: the unit over the maximum' })),
    units: Type.Optional(
      Type.Union([Type.Array(Type.String()), Type.Integer()], {
        description: 'component_too_small: the units of the part; range_infeasible: how many',
      }),
    ),
    budget_ms: Type.Optional(Type.Integer({ description: 'time_budget_reached: the budget' })),
    node: Type.Optional(Type.Tuple([Type.Number(), Type.Number()], { description: 'boundary_node_kept: [lon, lat]' })),
  },
  { description: 'the facts, as data' },
)

/** The explanation codes the partition gives (server/partition/types.ts); the web words each itself. */
export const EXPLANATION_CODES = [
  'unit_above_max',
  'component_too_small',
  'range_infeasible',
  'grid_out_of_range',
  'time_budget_reached',
  'boundary_node_kept',
] as const

export const PartitionExplanationView = Type.Object({
  code: Type.String({ description: EXPLANATION_CODES.join(', ') }),
  params: ExplanationParams,
  message: Type.String({ description: "the explanation in the caller's language" }),
})
export type PartitionExplanationView = Static<typeof PartitionExplanationView>

export const PartitionChangeView = Type.Object({
  number: Type.Union([Type.Integer(), Type.Null()], { description: 'the new grid; null for a retired one' }),
  code: Type.Union([Type.String(), Type.Null()], { description: "today's grid; null for a new one" }),
  change: Type.Union([Type.Literal('unchanged'), Type.Literal('reshaped'), Type.Literal('new'), Type.Literal('retired')]),
  reason: Type.Optional(
    Type.Object(
      {
        code: Type.Union([Type.Literal('out_of_range'), Type.Literal('beside_redrawn')]),
        households: Type.Optional(Type.Integer({ description: 'out_of_range: the households counted in it now' })),
        message: Type.String({ description: "the reason in the caller's language" }),
      },
      { description: 'why a grid of today changes: out of range after the recount, or beside one that is' },
    ),
  ),
})
export type PartitionChangeView = Static<typeof PartitionChangeView>

export const PartitionResponse = Type.Object({
  type: Type.Literal('FeatureCollection'),
  features: Type.Array(Type.Object({ type: Type.Literal('Feature'), geometry: GeoJsonGeometry, properties: PartitionGridProperties })),
  summary: PartitionSummaryView,
  explanations: Type.Array(PartitionExplanationView),
  changes: Type.Optional(
    Type.Array(PartitionChangeView, {
      description: 'with a region (what its draft does to the grids stored today) or with existing grids: what happens to each grid',
    }),
  ),
  proposal_id: Type.Optional(Type.Integer({ description: 'with create_draft: the draft proposal' })),
  crs: Type.Optional(
    Type.String({ description: 'with a projected crs in the request: the coordinate system of the geometries (EPSG code)' }),
  ),
})
export type PartitionResponse = Static<typeof PartitionResponse>
