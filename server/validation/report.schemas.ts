import { type Static, Type } from 'typebox'

// The validation report: one JSON shape used everywhere — POST /api/v1/validate, proposals,
// imports and the web editor's error layer. Results are values with a reason code, never thrown
// strings (cf. Terra Draw): every issue says what is wrong, where, and to which features.
// The web client imports the types; this module has no server imports.
//
// Code lists are enums rather than unions of literals: a report stored with a proposal is
// answered as it was stored, and an enum is written out as it is where a union must match.

export const IssueCode = Type.Enum([
  'invalid_geometry',
  'duplicate_id',
  'overlap',
  'gap',
  'outside_parent',
  'not_contiguous',
  'households_below_min',
  'households_above_max',
  'households_missing',
  'micro_gap',
  'micro_overlap',
  'micro_outside_parent',
  'dedicated_outside',
  'crosses_region',
  'invalid_kind',
  'parent_grid_missing',
])
export type IssueCode = Static<typeof IssueCode>

export const InvalidGeometryReason = Type.Enum([
  'not_a_feature',
  'wrong_geometry_type',
  'empty_geometry',
  'coordinates_not_numbers',
  'out_of_range_coordinate',
  'too_few_points',
  'unclosed_ring',
  'self_intersection',
  'ring_self_intersection',
  'hole_outside_shell',
  'nested_holes',
  'disconnected_interior',
  'nested_shells',
  'invalid_coordinate',
  'other',
])
export type InvalidGeometryReason = Static<typeof InvalidGeometryReason>

export const Severity = Type.Union([Type.Literal('error'), Type.Literal('warning')])
export type Severity = Static<typeof Severity>

const CountRange = Type.Object({ min: Type.Number(), max: Type.Number() })

/** Facts behind a household issue (sizing.ts). */
export const SizingDetails = Type.Object(
  {
    households: Type.Union([Type.Number(), Type.Null()]),
    population: Type.Union([Type.Number(), Type.Null()]),
    count_date: Type.Union([Type.String(), Type.Null()]),
    range: Type.With(CountRange, { description: "the range the count was checked against (the exception's own range when it has one)" }),
    basis: Type.Union([Type.Literal('urban'), Type.Literal('rural')]),
    basis_assumed: Type.Boolean({ description: 'the urban/rural class was unknown and urban was assumed' }),
    profile: Type.String({ description: 'rule profile id' }),
    source: Type.String({ description: 'article the range comes from, e.g. "003 §8"' }),
    people_range: Type.Optional(
      Type.With(CountRange, { description: 'the people alternative that was also tried, when the profile has one' }),
    ),
    exception: Type.Optional(
      Type.Object(
        {
          grid: Type.String(),
          reason: Type.String(),
          approver: Type.String({ description: 'office and document number' }),
          date: Type.String({ description: 'date of approval, YYYY-MM-DD' }),
          range: Type.Optional(
            Type.With(CountRange, { description: 'the range approved instead of the profile’s; without it any count is accepted' }),
          ),
        },
        { description: 'the approved exception that applied' },
      ),
    ),
    advisory: Type.Optional(Type.Literal(true, { description: 'the range is guidance only (no number in the regulation)' })),
  },
  { description: 'facts behind a household issue: count, count date, the range that applied and why' },
)
export type SizingDetails = Static<typeof SizingDetails>

const Text = Type.String()
const Ids = Type.Array(Type.String())
/**
 * The facts a message is rendered from: ids, formatted areas and places, counts, codes; never
 * words, so a stored report reads in any language (household issues take theirs from `details`).
 */
export const IssueParams = Type.Partial(
  Type.Object({
    feature: Type.With(Text, { description: 'the grid the issue is about' }),
    a: Type.With(Text, { description: 'first grid of an overlap' }),
    b: Type.With(Text, { description: 'second grid of an overlap' }),
    parent: Type.With(Text, { description: 'the parent grid named (micro and dedicated grids)' }),
    kind: Type.With(Text, { description: 'the kind as given' }),
    features: Type.With(Ids, { description: 'grids next to a gap' }),
    main: Type.With(Text, { description: 'the community a crossing grid lies mainly in' }),
    others: Type.With(Ids, { description: 'the other communities it reaches into' }),
    area: Type.With(Text, { description: 'area in m², three significant digits' }),
    place: Type.With(Text, { description: 'lon, lat to 5 decimals' }),
    sliver_tolerance: Type.Number({ description: 'the sliver tolerance (m²) the finding is below; only for sliver warnings' }),
    count: Type.Number(),
    parts: Type.Number(),
    path: Type.With(Text, { description: 'where in the coordinates the structure fault is' }),
    longitude: Type.Number(),
    latitude: Type.Number(),
    type: Type.With(Text, { description: 'the geometry type given' }),
  }),
  { description: 'the parameters of the message; stored reports keep these, and the message is rendered for each reader' },
)
export type IssueParams = Static<typeof IssueParams>

export const ValidationIssue = Type.Object({
  code: IssueCode,
  severity: Severity,
  message: Type.String({
    description:
      "plain-language sentence in the reader's language (Accept-Language), naming the feature(s) and the place; rendered from code and params",
  }),
  feature_ids: Type.Array(Type.String(), {
    description: 'ids of the features involved (feature.id, properties.id, properties.code, or assigned)',
  }),
  geometry: Type.Optional(
    Type.Unknown({ description: 'where: the overlap/gap/outside part, or the fault location as a Point (RFC 7946, lon/lat)' }),
  ),
  area_m2: Type.Optional(Type.Number()),
  reason: Type.Optional(Type.With(InvalidGeometryReason, { description: 'invalid_geometry only' })),
  details: Type.Optional(SizingDetails),
  params: Type.Optional(IssueParams),
})
export type ValidationIssue = Static<typeof ValidationIssue>

export const ValidationSummary = Type.Object({
  features: Type.Integer(),
  errors: Type.Integer(),
  warnings: Type.Integer(),
  by_code: Type.Partial(Type.Record(IssueCode, Type.Integer()), { description: 'number of issues by code' }),
  gap_area_m2: Type.Number(),
  overlap_area_m2: Type.Number(),
  outside_area_m2: Type.Number(),
  grids_out_of_range: Type.Integer(),
  assigned_ids: Type.Array(Type.String(), {
    description: 'ids assigned to features that came without one, in input order ("#1", "#2", …)',
  }),
  profile: Type.String(),
  coverage_path: Type.Union([Type.Literal('edge-match'), Type.Literal('overlay'), Type.Literal('none')], {
    description: "which coverage check ran: 'edge-match' (clean coverage proven in JS) or 'overlay' (PostGIS)",
  }),
})
export type ValidationSummary = Static<typeof ValidationSummary>

export const ValidationReport = Type.Object(
  {
    valid: Type.Boolean(),
    issues: Type.Array(ValidationIssue),
    summary: ValidationSummary,
  },
  { description: 'validation report' },
)
export type ValidationReport = Static<typeof ValidationReport>
