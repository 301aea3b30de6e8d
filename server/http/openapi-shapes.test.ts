import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp } from '../testing/app.js'

// The OpenAPI document describes what the API answers from the same TypeBox schemas that
// serialise the answers: a proposal and a validation report with their real members, and no
// answer under /api/v1 that is an open record where its shape is known.

type Schema = Record<string, unknown> & { properties?: Record<string, Schema>; anyOf?: Schema[]; items?: Schema }
type Operation = { responses?: Record<string, { content?: Record<string, { schema: Schema }> }> }

let t: Awaited<ReturnType<typeof createTestApp>>
let spec: { paths: Record<string, Record<string, Operation>> }
beforeAll(async () => {
  t = await createTestApp()
  spec = (await t.http().get('/openapi.json').expect(200)).body
})
afterAll(async () => t?.close())

const answer = (path: string, method: string): Schema => {
  const schema = spec.paths[path]?.[method]?.responses?.['200']?.content?.['application/json']?.schema
  if (!schema) throw new Error(`no 200 answer documented for ${method} ${path}`)
  return schema
}
const keys = (schema: Schema | undefined) => Object.keys(schema?.properties ?? {})
/** The non-null member of a nullable schema (OpenAPI 3.0 writes null as { nullable, enum: [null] }). */
const nonNull = (schema: Schema | undefined) => schema?.anyOf?.find((member) => !Array.isArray(member.enum)) ?? schema

describe('OpenAPI: proposal and validation report answers', () => {
  const REPORT = ['valid', 'issues', 'summary']
  const ISSUE = ['code', 'severity', 'message', 'feature_ids', 'geometry', 'area_m2', 'reason', 'details', 'params']
  const SUMMARY = [
    'features',
    'errors',
    'warnings',
    'by_code',
    'gap_area_m2',
    'overlap_area_m2',
    'outside_area_m2',
    'grids_out_of_range',
    'assigned_ids',
    'profile',
    'coverage_path',
  ]

  it('POST /validate answers the report with its issue and summary members', () => {
    const report = answer('/api/v1/validate', 'post')
    expect(keys(report)).toEqual(REPORT)
    expect(keys(report.properties?.issues?.items)).toEqual(ISSUE)
    expect(keys(report.properties?.summary)).toEqual(SUMMARY)
    expect(keys(report.properties?.summary?.properties?.by_code)).toContain('households_above_max')
    expect(keys(report.properties?.issues?.items?.properties?.details)).toEqual(
      expect.arrayContaining(['households', 'range', 'basis', 'source']),
    )
  })

  it('every proposal action answers the whole proposal: changes by op, exceptions, report, steps, timeline', () => {
    const proposal = answer('/api/v1/proposals/{id}', 'get')
    expect(keys(proposal)).toEqual(
      expect.arrayContaining([
        'id',
        'state',
        'step',
        'stale',
        'version',
        'changes',
        'exceptions',
        'validation',
        'steps',
        'events',
        'applied_at',
        'initial_division',
      ]),
    )
    /** An op literal as OpenAPI writes it: a const, or a one-value enum. */
    const opOf = (change: Schema) => {
      const op = change.properties?.op
      return Array.isArray(op?.enum) ? op.enum[0] : op?.const
    }
    const ops = proposal.properties?.changes?.items?.anyOf?.map(opOf)
    expect(ops).toEqual(['create', 'reshape', 'split', 'merge', 'retire', 'update'])
    expect(keys(proposal.properties?.exceptions?.items)).toEqual(['code', 'feature_ids', 'reason'])
    expect(keys(nonNull(proposal.properties?.validation))).toEqual(REPORT)
    expect(keys(proposal.properties?.steps?.items)).toEqual(['role', 'action', 'source', 'status'])
    expect(keys(proposal.properties?.events?.items)).toEqual(expect.arrayContaining(['at', 'username', 'action', 'comment', 'location']))

    const actions: [string, string][] = [
      ['/api/v1/proposals', 'post'],
      ['/api/v1/proposals/{id}', 'put'],
      ['/api/v1/proposals/{id}/rebase', 'post'],
      ['/api/v1/proposals/{id}/comments', 'post'],
      ...['submit', 'approve', 'file', 'reject'].map((act): [string, string] => [`/api/v1/proposals/{id}/${act}`, 'post']),
    ]
    for (const [path, method] of actions) expect(answer(path, method), `${method} ${path}`).toEqual(proposal)
  })

  it('the list and the diff answer their rows and features', () => {
    expect(keys(answer('/api/v1/proposals', 'get').properties?.proposals?.items)).toEqual(
      expect.arrayContaining(['id', 'title', 'state', 'waiting_for_me']),
    )
    const diff = answer('/api/v1/proposals/{id}/diff', 'get')
    expect(keys(diff)).toEqual(['type', 'proposal', 'applied', 'features'])
    expect(keys(diff.properties?.features?.items?.properties?.properties)).toEqual(expect.arrayContaining(['code', 'version', 'change']))
  })
})

describe('OpenAPI: no open records where the shape is known', () => {
  it('every object without members in an /api/v1 answer is a grid’s free-form attributes', () => {
    const open: string[] = []
    const visit = (node: unknown, where: string) => {
      if (Array.isArray(node)) {
        for (const [index, item] of node.entries()) visit(item, `${where}/${index}`)
        return
      }
      if (node === null || typeof node !== 'object') return
      const schema = node as Schema
      const isNull = Array.isArray(schema.enum) && schema.enum.every((value) => value === null)
      if (schema.type === 'object' && !schema.properties && !isNull) open.push(where)
      for (const [key, value] of Object.entries(schema)) visit(value, `${where}/${key}`)
    }
    for (const [path, operations] of Object.entries(spec.paths)) {
      if (!path.startsWith('/api/v1/')) continue
      for (const [method, operation] of Object.entries(operations)) {
        for (const [status, response] of Object.entries(operation.responses ?? {})) visit(response.content, `${method} ${path} ${status}`)
      }
    }
    expect(open.length).toBeGreaterThan(0)
    expect(open.filter((where) => !where.endsWith('/properties/attributes'))).toEqual([])
  })
})
