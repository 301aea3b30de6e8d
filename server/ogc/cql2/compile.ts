import type { Geometry, Position } from 'geojson'
import { type RawBuilder, sql } from 'kysely'
import { badRequest } from '../../http/errors.js'
import { isIsoDate } from '../../http/query-params.js'
import { mapGeometry } from '../../io/read.js'
import { CRS84, type OutputCrs } from '../ogc-crs.js'
import { type Expr, geometryInvalid, type Operand } from './ast.js'

// A CQL2 syntax tree as a SQL condition (a Kysely fragment, every value a bound parameter) over
// one collection's columns. Property names are checked against the collection's queryables and
// operand types against each other here, so nothing reaches PostgreSQL that it would refuse:
// a bad filter is a 400, never a 500.

export type QueryableType = 'string' | 'integer' | 'date' | 'geometry'

/** A property a filter may name: its type and the SQL expression that reads it. */
export interface Queryable {
  type: QueryableType
  sql: RawBuilder<unknown>
}

/** The system geometry literals are in (filter-crs), with its axis order and proj4 transforms. */
export type FilterCrs = OutputCrs

type ValueType = 'string' | 'number' | 'boolean' | 'date' | 'timestamp' | 'geometry'
interface Typed {
  sql: RawBuilder<unknown>
  type: ValueType
  /** How an error shows the operand: the property's name or the literal. */
  shown: string
}

const TYPE_OF: Record<QueryableType, ValueType> = { string: 'string', integer: 'number', date: 'date', geometry: 'geometry' }

/** RFC 3339 date-time, as TIMESTAMP('…') takes it (and the ISO day GDAL writes as '2026-01-01T'). */
const TIMESTAMP = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$/i

export function compileFilter(expr: Expr, queryables: Record<string, Queryable>, crs: FilterCrs): RawBuilder<boolean> {
  const operand = (node: Operand): Typed => {
    switch (node.kind) {
      case 'property': {
        const queryable = queryables[node.name]
        if (!queryable) throw badRequest('ogc_filter_property_unknown', { name: node.name, queryables: Object.keys(queryables).join(', ') })
        return { sql: queryable.sql, type: TYPE_OF[queryable.type], shown: node.name }
      }
      case 'string':
        return { sql: sql`${node.value}::text`, type: 'string', shown: `'${node.value}'` }
      case 'number':
        return { sql: sql`${String(node.value)}::numeric`, type: 'number', shown: String(node.value) }
      case 'boolean':
        return { sql: sql`${node.value}::boolean`, type: 'boolean', shown: String(node.value).toUpperCase() }
      case 'date':
        if (!isIsoDate(node.value)) throw badRequest('ogc_filter_date_invalid', { value: node.value })
        return { sql: sql`${node.value}::date`, type: 'date', shown: `DATE('${node.value}')` }
      case 'timestamp':
        if (!TIMESTAMP.test(node.value) || Number.isNaN(Date.parse(node.value)) || !isIsoDate(node.value.slice(0, 10)))
          throw badRequest('ogc_filter_date_invalid', { value: node.value })
        return { sql: sql`${node.value}::timestamptz`, type: 'timestamp', shown: `TIMESTAMP('${node.value}')` }
      case 'geometry':
        return { sql: geometrySql(node.geometry, crs), type: 'geometry', shown: node.geometry.type }
      case 'bbox':
        return { sql: boxSql(node.bbox, crs), type: 'geometry', shown: `BBOX(${node.bbox.join(',')})` }
    }
  }

  /** A string literal compared with a date is read as one: GDAL writes DATE('2026-01-01') as '2026-01-01T'. */
  const asTemporal = (node: Operand): Operand => {
    if (node.kind !== 'string') return node
    const day = node.value.replace(/T$/i, '')
    if (isIsoDate(day)) return { kind: 'date', value: day }
    if (TIMESTAMP.test(node.value)) return { kind: 'timestamp', value: node.value }
    return node
  }
  const temporal = (type: ValueType) => type === 'date' || type === 'timestamp'

  /** Operands of one comparison, of one type: a date against a timestamp is taken at 00:00 UTC. */
  const comparable = (nodes: Operand[], operator: string): Typed[] => {
    const hasTemporal = nodes.some(
      (node) => node.kind === 'date' || node.kind === 'timestamp' || (node.kind === 'property' && queryables[node.name]?.type === 'date'),
    )
    const typed = nodes.map((node) => operand(hasTemporal ? asTemporal(node) : node))
    const first = typed[0] as Typed
    for (const other of typed.slice(1)) {
      const same = other.type === first.type || (temporal(other.type) && temporal(first.type))
      if (!same || first.type === 'geometry' || (first.type === 'boolean' && operator !== '=' && operator !== '<>'))
        throw badRequest('ogc_filter_type', { operator, left: `${first.shown} (${first.type})`, right: `${other.shown} (${other.type})` })
    }
    if (!typed.some((item) => item.type === 'timestamp')) return typed
    return typed.map((item) => (item.type === 'date' ? { ...item, sql: sql`(${item.sql}::timestamp AT TIME ZONE 'UTC')` } : item))
  }

  const compile = (node: Expr): RawBuilder<boolean> => {
    switch (node.op) {
      case 'and':
      case 'or':
        return sql<boolean>`(${sql.join(node.args.map(compile), node.op === 'and' ? sql` AND ` : sql` OR `)})`
      case 'not':
        // NOT of an unknown (a null property compared) is unknown, as SQL and CQL2 both say.
        return sql<boolean>`(NOT ${compile(node.arg)})`
      case 'literal':
        return sql<boolean>`${node.value}::boolean`
      case 'isNull':
        return sql<boolean>`(${operand(node.arg).sql} IS NULL)`
      case 'like': {
        // The pattern is a string literal (CQL2's patternExpression). Its wildcards are SQL's (% and
        // _), escaped by a backslash, PostgreSQL's default escape; a lone backslash at its end,
        // which PostgreSQL refuses (a 500), stands for itself.
        const pattern =
          node.pattern.kind === 'string' ? { ...node.pattern, value: escapeTrailingBackslash(node.pattern.value) } : node.pattern
        const [value, literal] = comparable([node.value, pattern], 'LIKE')
        if (value?.type !== 'string' || pattern.kind !== 'string')
          throw badRequest('ogc_filter_type', {
            operator: 'LIKE',
            left: `${value?.shown} (${value?.type})`,
            right: `${literal?.shown} (${literal?.type})`,
          })
        return sql<boolean>`(${value.sql} ${sql.raw(node.caseInsensitive ? 'ILIKE' : 'LIKE')} ${literal?.sql})`
      }
      case 'between': {
        const [value, low, high] = comparable([node.value, node.low, node.high], 'BETWEEN')
        if (value?.type === 'boolean')
          throw badRequest('ogc_filter_type', { operator: 'BETWEEN', left: `${value.shown} (boolean)`, right: 'number' })
        return sql<boolean>`(${value?.sql} BETWEEN ${low?.sql} AND ${high?.sql})`
      }
      case 'in': {
        const [value, ...list] = comparable([node.value, ...node.list], 'IN')
        return sql<boolean>`(${value?.sql} IN (${sql.join(list.map((item) => item.sql))}))`
      }
      case 's_intersects': {
        const [left, right] = [operand(node.left), operand(node.right)]
        for (const side of [left, right])
          if (side.type !== 'geometry')
            throw badRequest('ogc_filter_type', { operator: 'S_INTERSECTS', left: `${side.shown} (${side.type})`, right: 'geometry' })
        return sql<boolean>`ST_Intersects(${left.sql}, ${right.sql})`
      }
      default: {
        const [left, right] = comparable([node.left, node.right], node.op)
        return sql<boolean>`(${left?.sql} ${sql.raw(node.op)} ${right?.sql})`
      }
    }
  }
  return compile(expr)
}

/** EPSG code of a supported system's URI (CRS84 is taken as 4490: CGCS2000 and WGS 84 agree to a metre). */
const srid = (crs: FilterCrs) => (crs.uri === CRS84 ? 4490 : Number(crs.uri.slice(crs.uri.lastIndexOf('/') + 1)))
const swap = (p: readonly number[]): [number, number] => [p[1] as number, p[0] as number]

/**
 * Positions (in the system's axis order) that PostGIS can take to lon/lat: proj4 (ogc-crs.ts) must
 * give a lon/lat in range and the same position back within a metre. Far outside a zone the
 * transverse Mercator has no inverse, and PostGIS's ST_Transform fails with "Point outside of
 * projection domain" where proj4 gives Infinity (e.g. 20,000 km east of the meridian).
 */
function inDomain(positions: readonly Position[], crs: FilterCrs): boolean {
  return positions.every((position) => {
    const [lon, lat] = crs.toLonLat(position)
    if (!(Math.abs(lon) <= 180 && Math.abs(lat) <= 90)) return false
    const back = crs.fromLonLat?.([lon, lat]) ?? [lon, lat]
    return Math.hypot(back[0] - (position[0] as number), back[1] - (position[1] as number)) < 1
  })
}

/** Every position of a geometry (checkGeometry has made each one 2 numbers). */
function positionsOf(geometry: Geometry): Position[] {
  if (geometry.type === 'GeometryCollection') return geometry.geometries.flatMap(positionsOf)
  const numbers = (geometry.coordinates as unknown[]).flat(3) as number[]
  const positions: Position[] = []
  for (let i = 0; i < numbers.length; i += 2) positions.push([numbers[i] as number, numbers[i + 1] as number])
  return positions
}

/** A geometry literal in `crs` (its axis order: 4490 lat,lon; zones northing,easting) as a 4490 geometry. */
function geometrySql(geometry: Geometry, crs: FilterCrs): RawBuilder<unknown> {
  if (!inDomain(positionsOf(geometry), crs)) throw geometryInvalid(JSON.stringify(geometry))
  // EPSG's axis order for 4490 and the zones is not PostGIS's x,y: swapped into lon,lat / easting,northing.
  const xy = crs.uri === CRS84 ? geometry : (mapGeometry(geometry, swap) as Geometry)
  return toStorage(sql`ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(xy)}::text), ${srid(crs)}::int)`, crs)
}

/** BBOX(x1, y1, x2, y2) in `crs`'s axis order, as a 4490 polygon (a projected box's edges followed in 16 steps). */
function boxSql(bbox: [number, number, number, number], crs: FilterCrs): RawBuilder<unknown> {
  const [p0, q0, p1, q1] = bbox
  const corners: Position[] = [
    [p0, q0],
    [p1, q0],
    [p1, q1],
    [p0, q1],
  ]
  if (!(p0 <= p1 && q0 <= q1) || !inDomain(corners, crs)) throw geometryInvalid(`BBOX(${bbox.join(',')})`)
  const [a0, b0, a1, b1] = crs.uri === CRS84 ? bbox : [q0, p0, q1, p1]
  const box = sql`ST_MakeEnvelope(${a0}::float8, ${b0}::float8, ${a1}::float8, ${b1}::float8, ${srid(crs)}::int)`
  return srid(crs) === 4490 ? box : toStorage(sql`ST_Segmentize(${box}, ${Math.max(a1 - a0, b1 - b0, 1) / 16}::float8)`, crs)
}

const toStorage = (geometry: RawBuilder<unknown>, crs: FilterCrs) => (srid(crs) === 4490 ? geometry : sql`ST_Transform(${geometry}, 4490)`)

/** A pattern ending in an odd run of backslashes gets one more: its last backslash then stands for itself. */
function escapeTrailingBackslash(pattern: string): string {
  const run = /\\*$/.exec(pattern)?.[0].length ?? 0
  return run % 2 === 1 ? `${pattern}\\` : pattern
}
