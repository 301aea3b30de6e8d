import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { assertInScope } from '../auth/scope.js'
import type { Db } from '../db/database.js'
import { AppError } from '../http/errors.js'
import { GridKind } from '../grids/kinds.js'
import { errorResponses } from '../http/schemas.js'
import { profileForRegion } from '../profiles/profiles.js'
import { prefixOfCode } from '../regions/region-codes.js'
import { findRegionName } from '../regions/regions.repository.js'
import { findCodeRecord, findLatestGrid } from './codes.repository.js'
import { type CodeProblem, type DecodedCode, LAYOUT_IDS, decodeCode } from './layouts.js'
import { findDirectLineage, findLineage } from './lineage.repository.js'

// GET /codes/{code}: a grid code decoded into its parts, with its status over all history, the
// grid that carries it and its lineage; GET /codes/{code}/lineage walks the lineage recursively.
// Any authenticated role may ask, for codes whose region lies in the caller's scope.
//
// Which layout decodes a code: the one it was allocated under (grid_codes.layout), else the
// `layout` query parameter, else the layout of the rule profile of its region, else the first
// layout of that length (cn-stat-15 before bj-db11-15, which share 15 digits).

const LayoutSchema = Type.Union(
  LAYOUT_IDS.map((id) => Type.Literal(id)),
  { description: 'code layout to decode an unregistered code with (registered codes use their own)' },
)

const CodeParams = Type.Object({ code: Type.String({ description: 'grid code' }) })

const CodeInfo = Type.Object({
  code: Type.String(),
  layout: Type.String(),
  parts: Type.Object({
    province: Type.String(),
    city: Type.String(),
    county: Type.String(),
    township: Type.String(),
    community: Type.String(),
    sequence: Type.String(),
    micro: Type.Optional(Type.String()),
    object: Type.Optional(Type.String({ description: 'object-class code (cjt349-20)' })),
  }),
  kind: GridKind,
  status: Type.Union([Type.Literal('active'), Type.Literal('retired'), Type.Literal('unknown')], {
    description: 'unknown: the code was never given',
  }),
  retired_on: Type.Union([Type.String(), Type.Null()]),
  parent: Type.Union([Type.String(), Type.Null()], { description: 'parent grid code of a micro-grid' }),
  region: Type.Union([Type.Object({ code: Type.String(), name: Type.String() }), Type.Null()]),
  grid: Type.Union([
    Type.Object({ name: Type.String(), valid_from: Type.String(), valid_to: Type.Union([Type.String(), Type.Null()]) }),
    Type.Null(),
  ]),
  lineage: Type.Object({ parents: Type.Array(Type.String()), children: Type.Array(Type.String()) }),
})

const LineageEdgeSchema = Type.Object({
  parent: Type.String(),
  child: Type.String(),
  relation: Type.Union([Type.Literal('split'), Type.Literal('merge')]),
  proposal_id: Type.Union([Type.Integer(), Type.Null()]),
  effective_date: Type.String(),
  depth: Type.Integer({ description: '1 = touches the code asked about' }),
})

const LineageResponse = Type.Object({
  code: Type.String(),
  direction: Type.Union([Type.Literal('ancestors'), Type.Literal('descendants')]),
  codes: Type.Array(Type.String(), { description: 'codes reached, nearest generation first' }),
  edges: Type.Array(LineageEdgeSchema),
})

/** A 400 naming what is wrong with a code: error code grid_code_<reason>. */
export function malformedCode(problem: CodeProblem): AppError {
  return new AppError(400, `grid_code_${problem.reason}`, problem.params, { reason: problem.reason })
}

/** Decodes a code with the layout rules above; 400 when malformed. */
export async function decodeForRequest(db: Db, code: string, requestedLayout?: string) {
  const first = decodeCode(code, [requestedLayout])
  if (!first.ok) throw malformedCode(first.problem)
  const record = await findCodeRecord(db, code)
  const profileLayout = profileForRegion(first.value.regionCode).codeLayout
  const decoded = decodeCode(code, [record?.layout, requestedLayout, profileLayout])
  if (!decoded.ok) throw malformedCode(decoded.problem)
  return { decoded: decoded.value, record }
}

function scopeOf(decoded: DecodedCode, registeredRegion: string | undefined): string {
  return prefixOfCode(registeredRegion ?? decoded.regionCode)
}

export const codesRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  app.addHook('onRequest', app.authenticate)

  app.get(
    '/codes/:code',
    {
      schema: {
        tags: ['codes'],
        summary: 'Decode a grid code: parts, kind, status (active / retired / unknown), grid and lineage',
        security: [{ bearer: [] }],
        params: CodeParams,
        querystring: Type.Object({ layout: Type.Optional(LayoutSchema) }),
        response: { 200: CodeInfo, ...errorResponses },
      },
    },
    async (request) => {
      const { code } = request.params
      const { decoded, record } = await decodeForRequest(db, code, request.query.layout)
      assertInScope(request, scopeOf(decoded, record?.region_code))
      const regionCode = record?.region_code ?? decoded.regionCode
      const [regionName, grid, lineage] = await Promise.all([
        findRegionName(db, regionCode),
        findLatestGrid(db, code),
        findDirectLineage(db, code),
      ])
      return {
        code,
        layout: decoded.layout,
        parts: decoded.parts,
        kind: record?.kind ?? decoded.kind,
        status: record?.status ?? ('unknown' as const),
        retired_on: record?.retired_on ?? null,
        parent: decoded.parentCode ?? null,
        region: regionName === undefined ? null : { code: regionCode, name: regionName },
        grid: grid ? { name: grid.name, valid_from: grid.valid_from, valid_to: grid.valid_to } : null,
        lineage,
      }
    },
  )

  app.get(
    '/codes/:code/lineage',
    {
      schema: {
        tags: ['codes'],
        summary: 'Lineage of a grid code through splits and merges, walked recursively',
        security: [{ bearer: [] }],
        params: CodeParams,
        querystring: Type.Object({
          direction: Type.Union([Type.Literal('ancestors'), Type.Literal('descendants')], {
            description: 'ancestors: the codes this one came from; descendants: the codes that came from it',
          }),
        }),
        response: { 200: LineageResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { code } = request.params
      const { direction } = request.query
      const { decoded, record } = await decodeForRequest(db, code)
      assertInScope(request, scopeOf(decoded, record?.region_code))
      const edges = await findLineage(db, code, direction)
      const codes = [...new Set(edges.map((e) => (direction === 'ancestors' ? e.parent : e.child)))]
      return { code, direction, codes, edges }
    },
  )
}
