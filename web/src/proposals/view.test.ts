import { describe, expect, it } from 'vitest'
import type { Polygon } from 'geojson'
import type { DiffCollection, DiffProperties, Me, Proposal, ProposalEvent, ValidationIssue, ValidationSummary } from '../api/types'
import {
  actNeedsDocument,
  actRequest,
  availableActs,
  changeRows,
  commentPins,
  emptyActInput,
  formatArea,
  gridChangeRows,
  onlyVerticesAdded,
  proposalMeta,
  timelineRows,
  validationView,
} from './view'

const me = (role: string): Me => ({
  username: role,
  display_name: role,
  role,
  region_prefix: '990101',
  home_region: '990101000000',
  notice_languages: ['zh'],
})

const event = (id: number, extra: Partial<ProposalEvent> = {}): ProposalEvent => ({
  id,
  at: '2026-06-30T08:00:00Z',
  username: 'township',
  role: 'township',
  action: 'edited',
  from_state: null,
  to_state: null,
  comment: null,
  document_no: null,
  effective_date: null,
  location: null,
  ...extra,
})

const proposal = (extra: Partial<Proposal> = {}): Proposal => ({
  id: 7,
  region_code: '990101001002',
  title: '拆分网格',
  state: 'submitted',
  step: 1,
  stale: false,
  profile_id: 'national',
  created_by: 'township',
  created_at: '2026-06-30T08:00:00Z',
  updated_at: '2026-06-30T08:00:00Z',
  initial_division: false,
  reason: '户数较多',
  changes: [],
  exceptions: [],
  validation: null,
  document_no: null,
  effective_date: null,
  applied_at: null,
  version: 2,
  steps: [
    { role: 'township', action: 'propose', status: 'done' },
    { role: 'county', action: 'review', status: 'current' },
    { role: 'city', action: 'file', status: 'pending' },
  ],
  events: [],
  ...extra,
})

describe('availableActs', () => {
  it('offers the current step its act and a return, to its role or an admin', () => {
    expect(availableActs(proposal(), me('county'))).toEqual(['approve', 'reject'])
    expect(availableActs(proposal(), me('admin'))).toEqual(['approve', 'reject'])
    expect(availableActs(proposal(), me('township'))).toEqual([])
    expect(availableActs(proposal(), null)).toEqual([])
  })

  it('offers a draft or a returned proposal to the first step, a filed one to nobody', () => {
    expect(availableActs(proposal({ state: 'draft' }), me('township'))).toEqual(['submit'])
    expect(availableActs(proposal({ state: 'returned' }), me('county'))).toEqual([])
    expect(availableActs(proposal({ state: 'filed' }), me('admin'))).toEqual([])
  })

  it('files at a filing step', () => {
    const steps = proposal().steps.map((s) => ({ ...s, status: s.action === 'file' ? ('current' as const) : ('done' as const) }))
    expect(availableActs(proposal({ steps }), me('city'))).toEqual(['file', 'reject'])
  })
})

describe('detail rows', () => {
  it('numbers pinned comments in timeline order, the same on the map', () => {
    const p = proposal({
      events: [
        event(1, { action: 'drafted' }),
        event(2, { action: 'commented', comment: '北侧', location: { type: 'Point', coordinates: [113, 28] } }),
        event(3, { action: 'returned', to_state: 'returned', comment: '请调整' }),
        event(4, { action: 'commented', comment: '', location: { type: 'Point', coordinates: [114, 29] } }),
      ],
    })
    const rows = timelineRows(p)
    expect(rows.map((r) => r.pin?.number ?? null)).toEqual([null, '1', null, '2'])
    expect(rows[2]).toMatchObject({ toState: 'returned', comment: '请调整', document: null })
    expect(rows[3]?.comment).toBeNull()
    expect(commentPins(p).map((f) => [f.properties.number, f.properties.comment, f.geometry.coordinates])).toEqual([
      ['1', '北侧', [113, 28]],
      ['2', '', [114, 29]],
    ])
    expect(commentPins(null)).toEqual([])
  })

  it('joins 文号 and 生效日期 of an event', () => {
    const rows = timelineRows(
      proposal({
        events: [event(1, { document_no: '示政〔2026〕1号', effective_date: '2026-07-01' }), event(2, { effective_date: '2026-07-01' })],
      }),
    )
    expect(rows.map((r) => r.document)).toEqual(['示政〔2026〕1号 · 2026-07-01', '2026-07-01'])
  })

  it('lists the grids each change names', () => {
    const p = proposal({
      changes: [
        { op: 'merge', grids: ['990101001002001', '990101001002002'], reason: '合并' },
        { op: 'retire', grid: '990101001002003' },
      ],
    })
    expect(changeRows(p)).toEqual([
      { op: 'merge', targets: '990101001002001、990101001002002', reason: '合并' },
      { op: 'retire', targets: '990101001002003', reason: null },
    ])
  })

  it('says whether the change was validated, and how it came out', () => {
    expect(validationView(proposal())).toEqual({ kind: 'none' })
    const summary: ValidationSummary = {
      features: 2,
      errors: 1,
      warnings: 0,
      by_code: {},
      gap_area_m2: 0,
      overlap_area_m2: 0,
      outside_area_m2: 0,
      grids_out_of_range: 0,
      assigned_ids: [],
      profile: 'national',
      coverage_path: 'edge-match',
    }
    expect(validationView(proposal({ validation: { valid: true, issues: [], summary } }))).toEqual({ kind: 'valid' })
    const issue: ValidationIssue = { code: 'gap', severity: 'error', message: '空隙', feature_ids: [] }
    expect(validationView(proposal({ validation: { valid: false, issues: [issue], summary } }))).toEqual({
      kind: 'issues',
      issues: [issue],
    })
  })

  it('names the region under the title', () => {
    expect(proposalMeta(proposal(), (code) => (code === '990101001002' ? '银杉社区' : code))).toBe(
      '#7 · 银杉社区 (990101001002) · township',
    )
  })
})

describe('actRequest', () => {
  it('needs a reason to return', () => {
    expect(actRequest('reject', { ...emptyActInput(), comment: '  ' }, null)).toEqual({ error: 'act.reasonRequired' })
    expect(actRequest('reject', { ...emptyActInput(), comment: ' 请调整 ', document_no: 'x' }, null)).toEqual({
      body: { comment: '请调整' },
    })
  })

  it('sends 文号 and 生效日期 to approve or file, with the pin', () => {
    const input = { comment: '', document_no: ' 示政〔2026〕1号 ', effective_date: '2026-07-01' }
    expect(actRequest('file', input, [113, 28])).toEqual({
      body: { location: { type: 'Point', coordinates: [113, 28] }, document_no: '示政〔2026〕1号', effective_date: '2026-07-01' },
    })
    expect(actRequest('approve', emptyActInput(), null)).toEqual({ body: {} })
  })
})

describe('the grids a proposal touches', () => {
  // 0.01° high at the equator (about 1.11 km), `width` degrees wide from `x`.
  const box = (x: number, width: number): Polygon => ({
    type: 'Polygon',
    coordinates: [
      [
        [x, 0],
        [x + width, 0],
        [x + width, 0.01],
        [x, 0.01],
        [x, 0],
      ],
    ],
  })
  const square = (x: number) => box(x, 0.01)
  const half = (x: number) => box(x, 0.005)
  const feature = (id: string, geometry: Polygon, properties: DiffProperties): DiffCollection['features'][number] => ({
    type: 'Feature',
    id,
    geometry,
    properties,
  })

  it('pairs before and after by code, names new grids, and takes missing households from the page', () => {
    const rows = gridChangeRows(
      {
        features: [
          feature('a:removed', square(0), { code: '990101001002001', version: 1, name: '第二网格', households: null, change: 'removed' }),
          feature('b:before', square(1), {
            code: '990101001002002',
            version: 1,
            name: '第三网格',
            households: 120,
            change: 'changed_before',
          }),
          feature('b:after', half(1), { code: '990101001002002', version: 2, name: '第三网格', households: 60, change: 'changed_after' }),
          feature('new-1:added', half(0), {
            code: null,
            id: 'new-1',
            version: null,
            name: '第二网格（1）',
            households: 80,
            change: 'added',
          }),
        ],
      },
      (code) => (code === '990101001002001' ? 150 : null),
    )
    expect(
      rows.map((r) => [r.code, r.before?.name ?? null, r.before?.households ?? null, r.after?.name ?? null, r.after?.households ?? null]),
    ).toEqual([
      ['990101001002001', '第二网格', 150, null, null],
      ['990101001002002', '第三网格', 120, '第三网格', 60],
      [null, null, null, '第二网格（1）', 80],
    ])
    const [, changed] = rows
    expect(formatArea(changed?.before?.areaM2 ?? null)).toBe('1.24 km²')
    expect(formatArea(changed?.after?.areaM2 ?? null)).toBe('0.62 km²')
    expect(formatArea(5000)).toBe('5000 m²')
    expect(formatArea(null)).toBe('—')
    expect(gridChangeRows(null)).toEqual([])
  })

  it('marks a neighbour that only received vertices on its own edges as aligned, not changed', () => {
    const before = square(1)
    const ring = before.coordinates[0] ?? []
    // A corner of the edited neighbour put on this grid's bottom edge (as the server's noding does).
    const inserted: Polygon = { type: 'Polygon', coordinates: [[...ring.slice(0, 1), [1.004, 0], ...ring.slice(1)]] }
    const moved: Polygon = { type: 'Polygon', coordinates: [[...ring.slice(0, 1), [1.004, 0.0001], ...ring.slice(1)]] }
    const props = (change: 'changed_before' | 'changed_after'): DiffProperties => ({
      code: '990101001002002',
      version: change === 'changed_before' ? 1 : 2,
      name: '第三网格',
      households: 120,
      change,
    })
    const rowFor = (after: Polygon) =>
      gridChangeRows({
        features: [feature('b:before', before, props('changed_before')), feature('b:after', after, props('changed_after'))],
      })[0]
    expect(onlyVerticesAdded(before, inserted)).toBe(true)
    expect(rowFor(inserted)?.aligned).toBe(true)
    // 11 m off the edge: a real change of boundary.
    expect(rowFor(moved)?.aligned).toBe(false)
    expect(rowFor(half(1))?.aligned).toBe(false)
  })

  it('names the grids of each change, and the new grid a merge makes', () => {
    const p = proposal({
      changes: [{ op: 'merge', grids: ['990101001002001', '990101001002002'], properties: { name: '合并网格' } }],
    })
    const names: Record<string, string> = { '990101001002001': '第一网格' }
    expect(changeRows(p, (code) => names[code] ?? null)).toEqual([
      { op: 'merge', targets: '990101001002001、990101001002002', reason: null, names: '第一网格、990101001002002', newName: '合并网格' },
    ])
  })
})

describe('what an act asks for', () => {
  const chain = (statuses: ['done' | 'current' | 'pending', 'done' | 'current' | 'pending', 'done' | 'current' | 'pending']) =>
    proposal({
      steps: [
        { role: 'township', action: 'propose', status: statuses[0] },
        { role: 'county', action: 'approve', status: statuses[1] },
        { role: 'city', action: 'file', status: statuses[2] },
      ],
    })

  it('asks for 文号 and 生效日期 only at the step that applies the change', () => {
    expect(actNeedsDocument(chain(['done', 'current', 'pending']), 'approve')).toBe(true)
    expect(actNeedsDocument(chain(['done', 'done', 'current']), 'file')).toBe(false)
    expect(actNeedsDocument(chain(['done', 'current', 'pending']), 'reject')).toBe(false)
    // A review is sent as `approve` but applies nothing; a filing applies where nobody approves.
    expect(actNeedsDocument(proposal(), 'approve')).toBe(false)
    expect(
      actNeedsDocument(
        proposal({
          steps: [
            { role: 'township', action: 'propose', status: 'done' },
            { role: 'county', action: 'file', status: 'current' },
          ],
        }),
        'file',
      ),
    ).toBe(true)
  })

  it('refuses an applying act without its 文号 or a YYYY-MM-DD date', () => {
    const typed = { comment: '', document_no: '示范县网字〔2026〕12号', effective_date: '2026-07-01' }
    expect(actRequest('approve', { ...typed, document_no: ' ' }, null, true)).toEqual({ error: 'act.documentRequired' })
    expect(actRequest('approve', { ...typed, effective_date: '2026/7/1' }, null, true)).toEqual({ error: 'act.dateRequired' })
    expect(actRequest('approve', typed, null, true)).toEqual({
      body: { document_no: '示范县网字〔2026〕12号', effective_date: '2026-07-01' },
    })
  })
})
