import type { Position } from 'geojson'
import { api } from '../api/client'
import type { LookupResult } from '../api/types'
import { t } from '../i18n'
import { h } from '../ui/dom'
import { createPickGuard } from '../workspace/pickGuard'
import { errorMessage } from '../ui/errors'

// "查询": for department staff — which grid is this address or point in. A point can be typed
// (in any of the four coordinate systems Chinese data comes in) or clicked on the map.

export const LOOKUP_CRS = ['wgs84', 'cgcs2000', 'gcj02', 'bd09'] as const

export interface LookupPanelContext {
  /** The next click on the map (WGS84/CGCS2000 lon/lat). */
  pickPoint(): Promise<Position | null>
  /** Marks the point asked about and flies there (null clears). */
  showPoint(point: Position | null): void
  /** Opens the grid's info panel. */
  selectGrid(code: string): void
  /** A lookup was sent: the returned function opens the answer's grid unless another was picked meanwhile. */
  beginLookup(): (code: string | null) => void
}

export interface LookupPanel {
  element: HTMLElement
  relabel(): void
  clear(): void
}

type State = { kind: 'idle' } | { kind: 'running' } | { kind: 'done'; result: LookupResult } | { kind: 'failed'; message: string }

export function createLookupPanel(ctx: LookupPanelContext): LookupPanel {
  const element = h('section', { class: 'panel lookup-panel', 'data-testid': 'lookup-panel' })
  const address = h('input', { type: 'search', 'data-testid': 'lookup-address', autocomplete: 'off' })
  const lng = h('input', { inputmode: 'decimal', 'data-testid': 'lookup-lng' })
  const lat = h('input', { inputmode: 'decimal', 'data-testid': 'lookup-lat' })
  const crs = h('select', { 'data-testid': 'lookup-crs' })
  let state: State = { kind: 'idle' }

  /** Every lookup (and clearing) takes a ticket: an answer to an earlier one is dropped. */
  const runs = createPickGuard()
  const run = async (ask: () => Promise<LookupResult>) => {
    const seq = runs.take()
    const answer = ctx.beginLookup()
    state = { kind: 'running' }
    render()
    let next: State
    try {
      const result = await ask()
      if (!runs.isLatest(seq)) return
      next = { kind: 'done', result }
      ctx.showPoint(result.query?.wgs84 ?? (result.address?.match ? [result.address.match.lng, result.address.match.lat] : null))
      answer(result.grid?.code ?? null)
    } catch (err) {
      if (!runs.isLatest(seq)) return
      next = { kind: 'failed', message: errorMessage(err) }
    }
    state = next
    render()
  }

  const askAddress = () => {
    const text = address.value.trim()
    if (!text) return
    void run(() => api.lookupAddress(text))
  }
  const askPoint = () => {
    const x = Number(lng.value)
    const y = Number(lat.value)
    if (lng.value.trim() === '' || lat.value.trim() === '' || !Number.isFinite(x) || !Number.isFinite(y)) {
      state = { kind: 'failed', message: t('lookup.badNumbers') }
      render()
      return
    }
    void run(() => api.lookupPoint(x, y, crs.value))
  }

  const renderResult = (result: LookupResult): HTMLElement => {
    const out = h('div', { class: 'lookup-result', 'data-testid': 'lookup-result', 'data-grid': result.grid?.code ?? '' })
    const match = result.address?.match
    if (result.address && !match && !result.address.candidates.length) {
      // Nothing near enough to offer: say so and why, never an empty list.
      const { query, normalised } = result.address
      out.append(
        h(
          'p',
          { class: 'form-error', 'data-testid': 'lookup-no-match' },
          t('lookup.noMatch', { query }),
          normalised && normalised !== query ? ` ${t('lookup.normalisedAs', { normalised })}` : '',
        ),
        h('p', { class: 'panel-note' }, t('lookup.noMatchWhy')),
      )
    } else if (result.address) {
      out.append(
        h(
          'p',
          { class: 'panel-note' },
          match ? t('lookup.addressMatch', { address: match.address, score: Math.round(match.score * 100) }) : t('lookup.addressUnsure'),
        ),
      )
      if (!match && result.address.candidates.length) {
        const list = h('ul', { class: 'candidates', 'data-testid': 'lookup-candidates' })
        for (const c of result.address.candidates) {
          const b = h('button', { type: 'button', class: 'link-button' }, `${c.address}（${Math.round(c.score * 100)}%）`)
          b.addEventListener('click', () => {
            address.value = c.address
            askAddress()
          })
          list.append(h('li', {}, b))
        }
        out.append(list)
      }
    }
    if (result.grid) {
      const g = result.grid
      const open = h('button', { type: 'button', class: 'link-button' }, t('lookup.showGrid'))
      open.addEventListener('click', () => ctx.selectGrid(g.code))
      out.append(
        h(
          'dl',
          { class: 'facts' },
          h('dt', {}, t('lookup.grid')),
          h('dd', { 'data-testid': 'lookup-grid-name' }, g.name),
          h('dt', {}, t('lookup.code')),
          h('dd', { 'data-testid': 'lookup-grid-code' }, g.code),
          h('dt', {}, t('lookup.gridHead')),
          h('dd', {}, g.grid_head ?? t('lookup.notShown')),
          h('dt', {}, t('lookup.households')),
          h('dd', {}, g.households === null ? '—' : String(g.households)),
        ),
        open,
      )
    } else if (result.nearest) {
      out.append(
        h(
          'p',
          { class: 'form-error', 'data-testid': 'lookup-outside' },
          t('lookup.outside', { name: result.nearest.name, code: result.nearest.code, distance: Math.round(result.nearest.distance_m) }),
        ),
      )
    } else if (!result.address || match) {
      out.append(h('p', { class: 'form-error', 'data-testid': 'lookup-outside' }, t('lookup.none')))
    }
    if (result.dedicated.length)
      out.append(h('p', { class: 'panel-note' }, t('lookup.dedicated', { names: result.dedicated.map((d) => d.name).join('、') })))
    if (result.regions.length) {
      out.append(
        h(
          'p',
          { class: 'panel-note', 'data-testid': 'lookup-regions' },
          [...result.regions]
            .reverse()
            .map((r) => r.name)
            .join(' › '),
        ),
      )
    }
    return out
  }

  function render(): void {
    for (const [i, c] of LOOKUP_CRS.entries()) {
      const option = crs.options[i] ?? crs.appendChild(h('option', { value: c }))
      option.textContent = t(`lookup.crs.${c}`)
    }
    address.placeholder = t('lookup.addressPlaceholder')
    const addressForm = h(
      'form',
      { class: 'lookup-form', novalidate: true },
      h('label', {}, h('span', {}, t('lookup.address')), address),
      h('button', { type: 'submit', class: 'primary', 'data-testid': 'lookup-address-go' }, t('lookup.go')),
    )
    addressForm.addEventListener('submit', (e) => {
      e.preventDefault()
      askAddress()
    })
    const pick = h('button', { type: 'button', class: 'secondary', 'data-testid': 'lookup-pick' }, t('lookup.pick'))
    pick.addEventListener('click', async () => {
      pick.disabled = true
      const point = await ctx.pickPoint()
      pick.disabled = false
      if (!point) return
      lng.value = (point[0] ?? 0).toFixed(6)
      lat.value = (point[1] ?? 0).toFixed(6)
      crs.value = 'wgs84'
      askPoint()
    })
    const pointForm = h(
      'form',
      { class: 'lookup-form', novalidate: true },
      h('label', {}, h('span', {}, t('lookup.lng')), lng),
      h('label', {}, h('span', {}, t('lookup.lat')), lat),
      h('label', {}, h('span', {}, t('lookup.crsLabel')), crs),
      h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary', 'data-testid': 'lookup-point-go' }, t('lookup.go')), pick),
    )
    pointForm.addEventListener('submit', (e) => {
      e.preventDefault()
      askPoint()
    })
    const status =
      state.kind === 'running'
        ? h('div', { class: 'progress' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), t('lookup.running'))
        : state.kind === 'failed'
          ? h('p', { class: 'form-error', role: 'alert', 'data-testid': 'lookup-error' }, state.message)
          : state.kind === 'done'
            ? renderResult(state.result)
            : null
    element.replaceChildren(h('h3', {}, t('lookup.title')), addressForm, pointForm, ...(status ? [status] : []))
  }

  render()
  return {
    element,
    relabel: render,
    clear() {
      runs.take()
      state = { kind: 'idle' }
      ctx.showPoint(null)
      render()
    },
  }
}
