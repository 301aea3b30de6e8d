import iconv from 'iconv-lite'
import type { Random } from '../demo/random.js'

// Bad inputs for every operation of the OpenAPI document: for each query and path parameter a
// list of hostile values; for each JSON body a plausible valid body (from examples by field name,
// else from the schema) with one member at a time replaced by a hostile JSON fragment, removed,
// or joined by an unknown member, plus whole bodies that are not UTF-8, not JSON or nested
// 10,000 deep. Which fragments a member gets is drawn from a seeded PRNG, so runs repeat exactly.

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE'

export interface FuzzCase {
  method: Method
  /** Path with query, already percent-encoded as sent. */
  url: string
  body?: string | Buffer
  contentType?: string
  /** What is bad about it, for the report. */
  label: string
}

interface JsonSchema {
  type?: string | string[]
  properties?: Record<string, JsonSchema>
  required?: string[]
  items?: JsonSchema | JsonSchema[]
  anyOf?: JsonSchema[]
  enum?: unknown[]
  const?: unknown
  minimum?: number
  default?: unknown
}

interface Parameter {
  in: 'query' | 'path' | 'header'
  name: string
  required?: boolean
  schema?: JsonSchema
}

export interface Operation {
  method: Method
  path: string
  parameters: Parameter[]
  body?: JsonSchema
  /** Content types the body may have. */
  consumes: string[]
}

interface OpenApi {
  paths: Record<string, Record<string, { parameters?: Parameter[]; requestBody?: { content?: Record<string, { schema?: JsonSchema }> } }>>
}

export function operationsOf(openapi: OpenApi): Operation[] {
  const operations: Operation[] = []
  for (const [path, methods] of Object.entries(openapi.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      const content = operation.requestBody?.content ?? {}
      operations.push({
        method: method.toUpperCase() as Method,
        path,
        parameters: operation.parameters ?? [],
        body: content['application/json']?.schema,
        consumes: Object.keys(content),
      })
    }
  }
  return operations
}

/** Query/path values, as sent (already percent-encoded). */
export const BAD_PARAMETER_VALUES: ReadonlyArray<readonly [string, string]> = [
  ['NUL', '%00'],
  ['NUL inside', 'a%00b'],
  ['broken percent-encoding', '%E0%A4%A'],
  ['encoded lone surrogate', '%ED%A0%80'],
  ['GBK bytes', '%B0%D7%C9%B3'],
  ['1e308', '1e308'],
  ['2^63', '9223372036854775808'],
  ['2^53+1', '9007199254740993'],
  ['-0', '-0'],
  ['-1', '-1'],
  ['NaN', 'NaN'],
  ['Infinity', 'Infinity'],
  ['1.5', '1.5'],
  ['year 0', '0000-01-01'],
  ['Feb 30', '2026-02-30'],
  ['year 10000', '10000-01-01'],
  ['empty', ''],
  ['very long', 'x'.repeat(4000)],
  ['LIKE wildcards', '%25_%5C'],
  ['quote and comment', "'%3B--"],
  ['Chinese', encodeURIComponent('白沙镇')],
]

/** JSON fragments every body member gets (the kinds of input that reached PostgreSQL or overflowed). */
const ALWAYS_JSON_VALUES: ReadonlyArray<readonly [string, string]> = [
  ['NUL in text', '"a\\u0000b"'],
  ['lone surrogate', '"\\ud800x"'],
  ['1e999 (Infinity)', '1e999'],
  ['2^63', '9223372036854775808'],
  ['nested 60 deep', `${'['.repeat(60)}1${']'.repeat(60)}`],
]

/** JSON fragments of which each body member gets a seeded sample. */
const BAD_JSON_VALUES: ReadonlyArray<readonly [string, string]> = [
  ['number', '42'],
  ['boolean', 'true'],
  ['null', 'null'],
  ['empty array', '[]'],
  ['empty object', '{}'],
  ['text', '"text"'],
  ['empty text', '""'],
  ['1e308', '1e308'],
  ['-1e308', '-1e308'],
  ['2147483648 (int4 + 1)', '2147483648'],
  ['-0', '-0'],
  ['-5', '-5'],
  ['1.5', '1.5'],
  ['"NaN"', '"NaN"'],
  ['year 0', '"0000-01-01"'],
  ['Feb 30', '"2026-02-30"'],
  ['year 99999', '"99999-12-31"'],
  ['nested 10,000 deep', `${'['.repeat(10_000)}${']'.repeat(10_000)}`],
  ['objects 10,000 deep', `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`],
  ['50,000-character text', `"${'网'.repeat(50_000)}"`],
  ['list of 10,000 numbers', `[${Array.from({ length: 10_000 }, (_, i) => i).join(',')}]`],
  ['LineString', '{"type":"LineString","coordinates":[[113.005,28.005],[113.006,28.006]]}'],
  ['Point out of range', '{"type":"Point","coordinates":[1e308,-1e308]}'],
  ['Polygon of NaN text', '{"type":"Polygon","coordinates":[[["NaN",0],[1,0],[1,1],["NaN",0]]]}'],
]

/** A bit of everything a request might need, by member name (covers fields typed as unknown). */
const SQUARE = {
  type: 'Polygon',
  coordinates: [
    [
      [113.0, 28.0],
      [113.005, 28.0],
      [113.005, 28.005],
      [113.0, 28.005],
      [113.0, 28.0],
    ],
  ],
}
const EXAMPLES: Record<string, unknown> = {
  username: 'county',
  password: 'not-the-password',
  region: '990101001000',
  region_prefix: '990101',
  parent: '990101001000',
  title: '网格调整',
  reason: '户数超标',
  comment: '请核对',
  document_no: '示范〔2026〕1号',
  effective_date: '2026-12-01',
  count_date: '2026-06-30',
  name: '测试网格',
  department: '县公安局',
  geometry: SQUARE,
  location: { type: 'Point', coordinates: [113.005, 28.005] },
  line: {
    type: 'LineString',
    coordinates: [
      [113.005, 27.99],
      [113.005, 28.03],
    ],
  },
  features: {
    type: 'FeatureCollection',
    features: [{ type: 'Feature', id: 'a', properties: { name: 'a', households: 300 }, geometry: SQUARE }],
  },
  changes: [
    {
      op: 'update',
      grid: '990101001001001',
      properties: { name: '桂花一格', households: 300, population: 800, count_date: '2026-06-30' },
      reason: '更新',
    },
    { op: 'create', geometry: SQUARE, properties: { name: '新网格', kind: 'comprehensive', region_code: '990101001001' } },
  ],
  exceptions: [{ code: 'households_above_max', feature_ids: ['990101001001001'], reason: '待调整' }],
  version: 1,
  profile: 'cn-default',
  crs: 'wgs84',
  sliver_tolerance_m2: 1,
}

/** A plausible valid value for a schema member. */
export function exampleOf(name: string, schema: JsonSchema | undefined): unknown {
  if (name in EXAMPLES) return structuredClone(EXAMPLES[name])
  if (!schema) return 'x'
  if (schema.default !== undefined) return schema.default
  if (schema.const !== undefined) return schema.const
  if (schema.enum) return schema.enum[0]
  const branch = schema.anyOf?.find((s) => s.type !== 'null')
  if (branch) return exampleOf(name, branch)
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type
  switch (type) {
    case 'object': {
      const value: Record<string, unknown> = {}
      for (const [key, member] of Object.entries(schema.properties ?? {})) value[key] = exampleOf(key, member)
      return value
    }
    case 'array':
      return [exampleOf(name, Array.isArray(schema.items) ? schema.items[0] : schema.items)]
    case 'integer':
    case 'number':
      return schema.minimum ?? 1
    case 'boolean':
      return true
    default:
      return 'x'
  }
}

const MARKER = 'FUZZ-MARKER-7f3a9c'

type Path = Array<string | number>

/** Members of a value to vary: every object member and the first element of each array, to `depth`. */
function memberPaths(value: unknown, depth: number, prefix: Path = []): Path[] {
  if (depth === 0 || value === null || typeof value !== 'object') return []
  const entries: Array<[string | number, unknown]> = Array.isArray(value)
    ? value.length > 0
      ? [[0, value[0]]]
      : []
    : Object.entries(value)
  return entries.flatMap(([key, member]) => [[...prefix, key], ...memberPaths(member, depth - 1, [...prefix, key])])
}

const REMOVE = Symbol('remove')

function withMember(value: unknown, path: Path, member: unknown): unknown {
  const copy = structuredClone(value) as Record<string | number, unknown>
  let parent = copy
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>
  const last = path.at(-1) as string | number
  if (member === REMOVE) {
    if (Array.isArray(parent)) parent.splice(last as number, 1)
    else delete parent[last]
  } else parent[last] = member
  return copy
}

/** JSON text of `value` with the member at `path` replaced by a raw JSON fragment. */
function withRawMember(value: unknown, path: Path, fragment: string): string {
  return JSON.stringify(withMember(value, path, MARKER)).replace(`"${MARKER}"`, () => fragment)
}

const pathLabel = (path: Path) => path.join('.')

const valueAt = (value: unknown, path: Path) => path.reduce<unknown>((at, key) => (at as Record<string | number, unknown>)[key], value)

/** Fragments for what a member holds: every date gets impossible dates, every number odd numbers. */
function fragmentsForKind(value: unknown): ReadonlyArray<readonly [string, string]> {
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)) {
    return [
      ['year 0', '"0000-01-01"'],
      ['Feb 30', '"2026-02-30"'],
      ['year 99999', '"99999-12-31"'],
    ]
  }
  if (typeof value === 'number') {
    return [
      ['-5', '-5'],
      ['1.5', '1.5'],
      ['1e308', '1e308'],
      ['-0', '-0'],
    ]
  }
  return []
}

/** Bodies for one JSON operation: per member a few fixed and `perMember` drawn hostile fragments, removal, plus whole-body cases. */
export function bodyCases(operation: Operation, url: string, random: Random, perMember: number, base?: unknown): FuzzCase[] {
  const valid = base ?? exampleOf('body', operation.body)
  const json = 'application/json'
  const at = (label: string, body: string | Buffer, contentType = json): FuzzCase => ({
    method: operation.method,
    url,
    body,
    contentType,
    label,
  })
  const cases: FuzzCase[] = [
    at('valid example', JSON.stringify(valid)),
    at('GBK-encoded body', iconv.encode(JSON.stringify(valid), 'gbk')),
    at('Latin-1 bytes', Buffer.from([0x7b, 0x22, 0xe9, 0x22, 0x3a, 0x31, 0x7d])),
    at('not JSON', '{"a": '),
    at('empty body', ''),
    at('JSON null', 'null'),
    at('JSON array', '[]'),
    at('JSON text', '"body"'),
    at('nested 10,000 deep', `${'['.repeat(10_000)}${']'.repeat(10_000)}`),
    at('__proto__ member', JSON.stringify(valid).replace(/^\{/, '{"__proto__":{"polluted":1},')),
    at('unknown member', JSON.stringify({ ...(valid as object), fuzz_extra: 1 })),
    at('wrong content type', JSON.stringify(valid), 'text/plain'),
    at('CSV body', 'lng,lat\n113.005,28.005\n', 'text/csv'),
  ]
  for (const path of memberPaths(valid, 6)) {
    cases.push(at(`${pathLabel(path)} removed`, JSON.stringify(withMember(valid, path, REMOVE))))
    const drawn = random.shuffle(BAD_JSON_VALUES).slice(0, perMember)
    for (const [label, fragment] of [...ALWAYS_JSON_VALUES, ...fragmentsForKind(valueAt(valid, path)), ...drawn]) {
      cases.push(at(`${pathLabel(path)} = ${label}`, withRawMember(valid, path, fragment)))
    }
  }
  return cases
}

/** URL of an operation with path parameters filled in and the given query. */
export function urlOf(operation: Operation, pathValues: Record<string, string>, query: Record<string, string> = {}): string {
  const path = operation.path.replace(/\{(\w+)\}/g, (_, name: string) => pathValues[name] ?? 'x')
  const pairs = Object.entries(query).map(([name, value]) => `${name}=${value}`)
  return pairs.length > 0 ? `${path}?${pairs.join('&')}` : path
}

/**
 * One case per parameter and hostile value (path values substituted raw, as they would be typed),
 * the other parameters as in `baseQuery` so the varied one reaches as far as it can.
 */
export function parameterCases(
  operation: Operation,
  pathValues: Record<string, string>,
  baseQuery: Record<string, string>,
  body?: string,
): FuzzCase[] {
  const cases: FuzzCase[] = []
  const withBody = body === undefined ? {} : { body, contentType: 'application/json' }
  for (const parameter of operation.parameters) {
    if (parameter.in !== 'query' && parameter.in !== 'path') continue
    for (const [label, value] of BAD_PARAMETER_VALUES) {
      const url =
        parameter.in === 'path'
          ? urlOf(operation, { ...pathValues, [parameter.name]: value === '' ? '%20' : value }, baseQuery)
          : urlOf(operation, pathValues, { ...baseQuery, [parameter.name]: value })
      cases.push({ method: operation.method, url, label: `${parameter.in} ${parameter.name} = ${label}`, ...withBody })
    }
    if (parameter.in === 'query') {
      const repeated = urlOf(operation, pathValues, { ...baseQuery, [parameter.name]: `a&${parameter.name}=b` })
      cases.push({ method: operation.method, url: repeated, label: `query ${parameter.name} repeated`, ...withBody })
    }
  }
  return cases
}
