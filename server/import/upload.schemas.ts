import { type Static, Type } from 'typebox'
import { DateString } from '../http/schemas.js'
import { FormatName } from '../io/formats.schemas.js'
import { ValidationReport } from '../validation/report.schemas.js'

// The import wizard's API (upload → preview → commit) and the export endpoint, as schemas: the
// routes serialise with them, OpenAPI documents them and the web page imports the types.
// No server imports beyond other schema modules (the web type check includes this file).

export const ImportType = Type.Union([Type.Literal('regions'), Type.Literal('grids'), Type.Literal('buildings'), Type.Literal('reference')])
export type ImportType = Static<typeof ImportType>
export const IMPORT_TYPES: readonly ImportType[] = ImportType.anyOf.map((literal) => literal.const)

export const ReferenceKind = Type.Union([Type.Literal('road'), Type.Literal('water'), Type.Literal('building'), Type.Literal('other')])
export type ReferenceKind = Static<typeof ReferenceKind>
export const REFERENCE_KINDS: readonly ReferenceKind[] = ReferenceKind.anyOf.map((literal) => literal.const)

/** The fields gridwork knows, per import type; the field map says which column of the file holds each. */
export const MAPPED_FIELDS = {
  regions: ['code', 'name', 'urban_rural', 'level'],
  grids: ['code', 'name', 'households', 'population', 'kind', 'grid_head', 'count_date'],
  buildings: ['households', 'address', 'name'],
  reference: ['name', 'class'],
} as const satisfies Record<ImportType, readonly string[]>

export const FieldMap = Type.Record(Type.String(), Type.Union([Type.String(), Type.Null()]), {
  description:
    'gridwork field → column of the file, e.g. {"code": "网格编码", "households": "户数"}; null: no column on purpose (the person cleared it), remembered so the next suggestion leaves it cleared',
})
export type FieldMap = Static<typeof FieldMap>

const column = (field: string) =>
  Type.Optional(Type.Union([Type.String(), Type.Null()], { description: `the column holding ${field}; null: cleared on purpose` }))
/** A field map as answered: every field any import type maps (MAPPED_FIELDS), each optional; assignable to FieldMap. */
export const FieldMapAnswer = Type.Object(
  {
    code: column('code'),
    name: column('name'),
    households: column('households'),
    population: column('population'),
    kind: column('kind'),
    grid_head: column('grid_head'),
    count_date: column('count_date'),
    urban_rural: column('urban_rural'),
    level: column('level'),
    address: column('address'),
    class: column('class'),
  },
  { description: 'the field map used: remembered for this region and type, or suggested from the column names' },
)

export const UploadFile = Type.Object({ name: Type.String(), size: Type.Integer() })

export const UploadResponse = Type.Object({
  id: Type.String({ description: 'upload id; the files stay on the server until committed or 24 h old' }),
  files: Type.Array(UploadFile),
})
export type UploadResponse = Static<typeof UploadResponse>

/** What the wizard sends to preview and to commit (commit adds the reference layer and the first day in force). */
export const ImportChoices = Type.Object({
  type: ImportType,
  region: Type.String({ description: 'grids: the county/township they belong to; regions: the parent; others: the county' }),
  layer: Type.Optional(Type.String({ description: 'the layer to read when the file has several' })),
  encoding: Type.Optional(Type.String({ description: 'gbk, gb18030, utf-8…; overrides .cpg and detection' })),
  crs: Type.Optional(Type.String({ description: 'EPSG:NNNN, gcj02 or bd09; required when the file names none' })),
  map: Type.Optional(FieldMap),
  mode: Type.Optional(
    Type.Union([Type.Literal('draft'), Type.Literal('direct')], {
      description:
        'grids on a region that has grids: draft proposal (default; a code in force there names that grid); direct is for an initial division only (codes must be new)',
    }),
  ),
})
export type ImportChoices = Static<typeof ImportChoices>

export const CommitRequest = Type.Intersect([
  ImportChoices,
  Type.Object({
    reference: Type.Optional(Type.Object({ name: Type.String({ minLength: 1, maxLength: 60 }), kind: ReferenceKind })),
    valid_from: Type.Optional(Type.With(DateString, { description: 'grids written directly: first day in force (default today)' })),
  }),
])
export type CommitRequest = Static<typeof CommitRequest>

const Message = Type.Object({ code: Type.String(), message: Type.String() })

export const ImportProblem = Type.Object({
  feature: Type.Integer({ description: '1-based feature number; 0 for the file as a whole' }),
  field: Type.Union([Type.String(), Type.Null()]),
  code: Type.String(),
  message: Type.String({ description: 'names the file, the feature and the field, in the caller’s language' }),
})
export type ImportProblem = Static<typeof ImportProblem>

export const CrsStatus = Type.Union([
  Type.Object({ status: Type.Literal('known'), code: Type.String({ description: 'EPSG:NNNN, gcj02 or bd09' }), name: Type.String() }),
  Type.Object({
    status: Type.Literal('unknown'),
    found: Type.Union([Type.String(), Type.Null()], { description: 'what the file says (a .prj text), null when nothing' }),
  }),
  Type.Object(
    { status: Type.Literal('none') },
    { description: 'no feature has a geometry (a code list of regions): no coordinate system applies, none is asked for' },
  ),
])
export type CrsStatus = Static<typeof CrsStatus>

export const PreviewResponse = Type.Object({
  format: FormatName,
  layers: Type.Array(Type.String()),
  layer: Type.String(),
  geometry_types: Type.Array(Type.String()),
  feature_count: Type.Integer(),
  fields: Type.Array(
    Type.Object({
      name: Type.String(),
      type: Type.String(),
      samples: Type.Array(Type.String({ description: 'decoded values of the first features' })),
    }),
  ),
  encoding: Type.Union([Type.Object({ name: Type.String(), source: Type.String() }), Type.Null()]),
  crs: CrsStatus,
  map: FieldMapAnswer,
  notes: Type.Array(Message),
  problems: Type.Array(ImportProblem),
  features: Type.Unknown({ description: 'GeoJSON FeatureCollection in lon/lat for the map preview (at most 5,000 features)' }),
  report: Type.Union([ValidationReport, Type.Null()], { description: 'grids: the validation report the region would have' }),
})
export type PreviewResponse = Static<typeof PreviewResponse>

export const CommitResponse = Type.Object({
  type: ImportType,
  imported: Type.Integer(),
  proposal_id: Type.Union([Type.Integer(), Type.Null()], { description: 'grids imported as a draft proposal: the first one' }),
  proposal_ids: Type.Array(Type.Integer(), { description: 'grids imported as drafts: one proposal per township, in file order' }),
  codes: Type.Array(Type.String()),
  message: Type.String(),
})
export type CommitResponse = Static<typeof CommitResponse>

export const EXPORT_LAYERS_FIXED = ['grids', 'issues'] as const
export const ExportQuery = Type.Object({
  region: Type.String(),
  layer: Type.String({ description: 'grids, issues, or reference:NAME' }),
  format: FormatName,
  crs: Type.Optional(Type.String({ description: 'EPSG:4490 (default) or a CGCS2000 Gauss-Krüger zone EPSG:4491–4554' })),
  as_of: Type.Optional(Type.With(DateString, { description: 'the grids in force on that day (default today)' })),
  encoding: Type.Optional(Type.Union([Type.Literal('gbk'), Type.Literal('utf-8')])),
})
export type ExportQuery = Static<typeof ExportQuery>
