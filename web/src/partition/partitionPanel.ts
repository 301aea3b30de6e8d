import type { MultiPolygon, Polygon } from 'geojson'
import { api } from '../api/client'
import type { BBox, GridFeature, PartitionGridProps, PartitionRequest, PartitionResponse, RegionProps } from '../api/types'
import { t } from '../i18n'
import { geometryBBox } from '../map/geometry'
import type { GridMap } from '../map/gridMap'
import { h } from '../ui/dom'
import { errorMessage } from '../ui/errors'
import type { Session } from '../workspace/state'
import { createPartitionPreviewLayer } from './previewLayer'
import {
  changeCounts,
  changesNothing,
  communitiesOf,
  defaultForm,
  draftRequestOf,
  explanationOf,
  gridRows,
  mayAutoPartition,
  type PartitionForm,
  requestOf,
  retiredCodes,
  shortName,
  summaryRows,
} from './view'

// 自动划分 in the editor tab: pick a community of the editor's township, set the household range
// (and, under 高级, a seed), run it → the proposal as a preview on the map with its figures, the
// explanations in the UI's language and the list of grids; 生成草稿 saves the same answer (same
// seed) as a draft proposal and opens it, 取消 clears the preview.

export interface PartitionPanelContext {
  gridMap: GridMap
  session(): Session | null
  /** The township the editor is on (its communities are offered). */
  township(): RegionProps | null
  /** Today's grids of a community, as loaded for the map. */
  gridsOf(community: string): GridFeature[]
  /** Opens a proposal the way the proposals tab does. */
  openProposal(id: number): void
}

export interface PartitionPanel {
  element: HTMLElement
  /** The editor's township or the community picked in the tree changed. */
  setTarget(township: RegionProps | null, community: RegionProps | null): void
  /**
   * The map's grids changed (in viewport mode they load once the picked community is in view):
   * an untouched form takes its defaults from them again.
   */
  gridsLoaded(): void
  /** The editor tab was opened (true) or left: the preview is shown only there. */
  setActive(active: boolean): void
  relabel(): void
  /** Signed out: forget everything. */
  clear(): void
}

type Phase = { kind: 'idle' } | { kind: 'running' } | { kind: 'creating' }

export function createPartitionPanel(ctx: PartitionPanelContext): PartitionPanel {
  const element = h('details', { class: 'panel partition-panel', 'data-testid': 'partition-panel' })
  const preview = createPartitionPreviewLayer(() => ctx.gridMap.map)
  let community: RegionProps | null = null
  let form: PartitionForm = defaultForm([])
  let phase: Phase = { kind: 'idle' }
  let answer: PartitionResponse | null = null
  /** The request the preview answers (生成草稿 sends it again with the answer's seed). */
  let previewed: PartitionRequest | null = null
  let error: string | null = null
  /** Why 生成草稿 failed: shown beside its button, where the clerk is looking. */
  let draftError: string | null = null
  let active = false

  /** The clerk has changed the form: grids loading later no longer reset it. */
  let formTouched = false

  function pickCommunity(next: RegionProps | null): void {
    if (next?.code === community?.code) return
    community = next
    form = defaultForm(next ? ctx.gridsOf(next.code).map((g) => g.properties) : [])
    formTouched = false
    clearPreview()
  }

  function clearPreview(): void {
    answer = null
    previewed = null
    error = null
    draftError = null
    preview.remove()
    render()
  }

  const communityBoundary = (code: string): Polygon | MultiPolygon | null =>
    (ctx.session()?.regions.features.find((f) => f.properties.code === code)?.geometry as Polygon | MultiPolygon | null) ?? null

  /**
   * A grid's label on the map: the name it keeps or gets ("第二网格"), else its number, over its
   * households. Not both: a kept grid's old name and its new coding number differ ("7 · 第八网格").
   */
  const mapLabel = (grid: PartitionGridProps) =>
    `${shortName(grid.name, community?.name ?? null) ?? t('partition.gridNumber', { number: grid.number })}\n${t('partition.households', { count: grid.households })}`

  function drawPreview(): void {
    if (!answer || !community) return
    preview.show(answer.features, communityBoundary(community.code), mapLabel)
    preview.setVisible(active)
  }

  /** Frames the preview clear of the map's legend (bottom left) and controls (right). */
  function frame(bbox: BBox | null): void {
    if (!bbox) return
    const { clientWidth } = ctx.gridMap.map.getContainer()
    const side = clientWidth > 800 ? 260 : 40
    ctx.gridMap.map.fitBounds(bbox, { padding: { top: 40, bottom: 40, left: side, right: 60 }, maxZoom: 17, duration: 0 })
  }

  async function run(): Promise<void> {
    if (!community || phase.kind !== 'idle') return
    const built = requestOf(community.code, form)
    if ('problem' in built) {
      error = t(built.problem)
      render()
      return
    }
    phase = { kind: 'running' }
    error = null
    draftError = null
    render()
    try {
      const result = await api.partition(built.body)
      answer = result
      previewed = built.body
      drawPreview()
      frame(geometryBBox(result) as BBox | null)
    } catch (err) {
      error = t('partition.failed', { message: errorMessage(err) })
    } finally {
      phase = { kind: 'idle' }
      render()
    }
  }

  async function createDraft(): Promise<void> {
    if (!answer || !previewed || phase.kind !== 'idle') return
    phase = { kind: 'creating' }
    draftError = null
    render()
    try {
      const result = await api.partition(draftRequestOf(previewed, answer))
      if (result.proposal_id === undefined) throw new Error(t('partition.noDraft'))
      phase = { kind: 'idle' }
      clearPreview()
      ctx.openProposal(result.proposal_id)
    } catch (err) {
      phase = { kind: 'idle' }
      draftError = t('partition.draftFailed', { message: errorMessage(err) })
      render()
    }
  }

  function renderForm(): HTMLElement {
    const session = ctx.session()
    const township = ctx.township()
    const options = session && township ? communitiesOf(session.regions, township.code) : []
    const select = h(
      'select',
      { 'data-testid': 'partition-community' },
      h('option', { value: '' }, t('partition.pickCommunity')),
      ...options.map((c) => h('option', { value: c.code, selected: c.code === community?.code }, c.name)),
    )
    select.addEventListener('change', () => pickCommunity(options.find((c) => c.code === select.value) ?? null))

    const busy = phase.kind !== 'idle'
    const keep = h('input', { type: 'checkbox', 'data-testid': 'partition-keep', checked: form.keepExisting })
    keep.addEventListener('change', () => {
      form = { ...form, keepExisting: keep.checked }
      formTouched = true
    })
    const number = (value: string, testid: string, label: string) => {
      const input = h('input', { type: 'text', inputmode: 'numeric', value, 'data-testid': testid, 'aria-label': label, size: '5' })
      return input
    }
    const min = number(form.min, 'partition-min', t('partition.min'))
    const max = number(form.max, 'partition-max', t('partition.max'))
    const seed = number(form.seed, 'partition-seed', t('partition.seed'))
    for (const input of [min, max, seed])
      input.addEventListener('input', () => {
        form = { ...form, min: min.value, max: max.value, seed: seed.value }
        formTouched = true
      })

    const runButton = h(
      'button',
      { type: 'submit', class: 'primary', 'data-testid': 'partition-run', disabled: !community || busy },
      t(answer ? 'partition.runAgain' : 'partition.run'),
    )
    const el = h(
      'form',
      { class: 'partition-form', novalidate: true },
      h('label', {}, h('span', { class: 'field-label' }, t('partition.community')), select),
      h('label', { class: 'check' }, keep, h('span', {}, t('partition.keepExisting'))),
      h(
        'div',
        { class: 'range-row' },
        h('span', { class: 'field-label' }, t('partition.range')),
        min,
        h('span', {}, '–'),
        max,
        h('span', { class: 'unit' }, t('partition.householdsUnit')),
      ),
      h('p', { class: 'panel-note' }, t('partition.rangeHint')),
      h(
        'details',
        { class: 'advanced', open: form.seed !== '' },
        h('summary', {}, t('partition.advanced')),
        h('label', {}, h('span', { class: 'field-label' }, t('partition.seed')), seed),
        h('p', { class: 'panel-note' }, t('partition.seedHint')),
      ),
      h('div', { class: 'button-row' }, runButton),
    )
    el.addEventListener('submit', (e) => {
      e.preventDefault()
      void run()
    })
    return el
  }

  function renderSummary(a: PartitionResponse): HTMLElement {
    const rows = summaryRows(a.summary)
    return h(
      'dl',
      { class: 'partition-summary', 'data-testid': 'partition-summary', 'data-grids': String(a.summary.grids) },
      ...rows.flatMap((row) => [
        h('dt', { title: t(`${row.key}Hint`, { defaultValue: '' }) }, t(row.key)),
        h('dd', { class: row.warn ? 'warn-value' : '', 'data-key': row.key }, row.value),
      ]),
    )
  }

  function renderExplanations(a: PartitionResponse): HTMLElement | null {
    const names = new Map(a.features.map((f) => [f.properties.number, f.properties.name]))
    const naming = {
      gridLabel: (n: number) => shortName(names.get(n) ?? null, community?.name ?? null) ?? t('partition.gridNumber', { number: n }),
      separator: t('partition.listSeparator'),
      more: (total: number) => t('partition.listMore', { count: total }),
    }
    if (!a.explanations.length) return h('p', { class: 'ok', 'data-testid': 'partition-all-in-range' }, t('partition.allInRange'))
    return h(
      'div',
      {},
      h('h4', {}, t('partition.explanations')),
      h(
        'ul',
        { class: 'partition-explanations', 'data-testid': 'partition-explanations' },
        ...a.explanations.map((e) => {
          const own = explanationOf(e, naming)
          return h('li', { 'data-code': e.code }, own ? t(own.key, own.params) : e.message)
        }),
      ),
    )
  }

  function renderGrids(a: PartitionResponse): HTMLElement {
    const rows = gridRows(a)
    const counts = changeCounts(rows)
    const retired = retiredCodes(a.changes)
    const table = h(
      'table',
      { class: 'partition-grids', 'data-testid': 'partition-grids' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', {}, t('partition.list.number')),
          h('th', {}, t('partition.list.name')),
          h('th', {}, t('partition.list.households')),
          h('th', {}, t('partition.list.change')),
        ),
      ),
      h(
        'tbody',
        {},
        ...rows.map((row) =>
          h(
            'tr',
            { 'data-number': String(row.number), 'data-change': row.change, class: row.inRange ? '' : 'out-of-range' },
            h('td', {}, String(row.number)),
            h('td', { class: 'name' }, row.name ?? '—'),
            h(
              'td',
              { class: 'num' },
              String(row.households),
              row.inRange ? null : h('span', { class: 'flag' }, ` ${t('partition.outOfRange')}`),
            ),
            h(
              'td',
              { class: `change change-${row.change}`, title: row.code ? t('partition.list.takesCode', { code: row.code }) : '' },
              t(`partition.change.${row.change}`),
            ),
          ),
        ),
      ),
    )
    return h(
      'div',
      {},
      h('h4', {}, t('partition.list.title')),
      h('p', { class: 'panel-note', 'data-testid': 'partition-counts' }, t('partition.list.counts', counts)),
      table,
      retired.length ? h('p', { class: 'panel-note' }, t('partition.list.retired', { codes: retired.join('、') })) : null,
    )
  }

  function renderAnswer(a: PartitionResponse): HTMLElement {
    const nothing = changesNothing(a)
    const create = h(
      'button',
      { type: 'button', class: 'primary', 'data-testid': 'partition-create-draft', disabled: phase.kind !== 'idle' || nothing },
      t('partition.createDraft'),
    )
    create.addEventListener('click', () => void createDraft())
    const cancel = h(
      'button',
      { type: 'button', class: 'secondary', 'data-testid': 'partition-cancel', disabled: phase.kind !== 'idle' },
      t('partition.cancel'),
    )
    cancel.addEventListener('click', () => clearPreview())
    return h(
      'div',
      { class: 'partition-answer', 'data-testid': 'partition-answer' },
      h('h4', {}, t('partition.summary.title')),
      renderSummary(a),
      h(
        'ul',
        { class: 'partition-legend' },
        h('li', {}, h('span', { class: 'swatch proposed' }), t('partition.legend.proposed')),
        h('li', {}, h('span', { class: 'swatch out' }), t('partition.legend.outOfRange')),
        h('li', {}, h('span', { class: 'swatch today' }), t('partition.legend.today')),
      ),
      renderExplanations(a),
      // The decision right under the figures and notes it rests on; the list of grids follows.
      h('div', { class: 'button-row' }, create, cancel),
      draftError ? h('p', { class: 'form-error', role: 'alert', 'data-testid': 'partition-draft-error' }, draftError) : null,
      h(
        'p',
        { class: 'panel-note', 'data-testid': 'partition-draft-note' },
        t(nothing ? 'partition.nothingToDraft' : 'partition.draftNote'),
      ),
      renderGrids(a),
    )
  }

  function render(): void {
    const session = ctx.session()
    element.hidden = !session || !mayAutoPartition(session.me.role)
    const children: (HTMLElement | null)[] = [
      h('summary', { 'data-testid': 'partition-open' }, h('span', { class: 'summary-title' }, t('partition.title'))),
      h('p', { class: 'panel-note' }, t('partition.intro')),
    ]
    if (!ctx.township()) children.push(h('p', { class: 'panel-note' }, t('validation.pickTownship')))
    else children.push(renderForm())
    if (phase.kind !== 'idle')
      children.push(
        h(
          'div',
          { class: 'progress', 'data-testid': 'partition-progress' },
          h('span', { class: 'spinner', 'aria-hidden': 'true' }),
          t(phase.kind === 'running' ? 'partition.running' : 'partition.creating'),
        ),
      )
    if (error) children.push(h('p', { class: 'form-error', role: 'alert', 'data-testid': 'partition-error' }, error))
    if (answer) children.push(renderAnswer(answer))
    element.replaceChildren(...children.filter((c): c is HTMLElement => !!c))
    element.setAttribute('aria-busy', String(phase.kind !== 'idle'))
  }

  render()
  return {
    element,
    setTarget(township, picked) {
      const inTownship = picked && township && picked.parent_code === township.code ? picked : null
      if (inTownship) pickCommunity(inTownship)
      else if (community && community.parent_code !== township?.code) pickCommunity(null)
      else render()
    },
    gridsLoaded() {
      if (!community || formTouched || answer || phase.kind !== 'idle') return
      form = defaultForm(ctx.gridsOf(community.code).map((g) => g.properties))
      render()
    },
    setActive(next) {
      active = next
      preview.setVisible(next)
    },
    relabel() {
      render()
      drawPreview() // the map labels carry words too
    },
    clear() {
      community = null
      form = defaultForm([])
      phase = { kind: 'idle' }
      element.open = false
      clearPreview()
    },
  }
}
