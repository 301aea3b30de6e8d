import type { BBox, GridCollection, RegionCollection } from '../api/types'
import { t } from '../i18n'
import { geometryBBox } from '../map/geometry'
import { h } from '../ui/dom'
import type { WorkspaceStore } from './state'

// The header's search box: grids by code, name or grid head, and villages/communities (and
// townships) by name, from what the page has loaded; Enter flies to the first hit.

export interface SearchHit {
  kind: 'grid' | 'region'
  code: string
  /** The grid's or region's name. */
  name: string
  /** What matched besides the name (the grid head), if that was it. */
  via: 'code' | 'name' | 'grid_head'
  gridHead: string | null
  bbox: BBox | null
}

/** 0: the whole field, 1: its start, 2: inside it; null: no match. */
function rank(field: string | null | undefined, query: string): number | null {
  if (!field) return null
  const value = field.toLowerCase()
  if (value === query) return 0
  if (value.startsWith(query)) return 1
  return value.includes(query) ? 2 : null
}

/** The best hits for `query`, best first (exact before prefix before inside; a region before its grids). */
export function searchHits(query: string, grids: GridCollection, regions: RegionCollection, limit = 8): SearchHit[] {
  const q = query.trim().toLowerCase()
  if (!q) return []
  const scored: { score: number; hit: SearchHit }[] = []
  for (const g of grids.features) {
    const p = g.properties
    const head = typeof p.attributes?.grid_head === 'string' ? p.attributes.grid_head : null
    const byField = [
      ['code', rank(p.code, q)],
      ['name', rank(p.name, q)],
      ['grid_head', rank(head, q)],
    ] as const
    const best = byField.filter(([, r]) => r !== null).sort((a, b) => (a[1] ?? 3) - (b[1] ?? 3))[0]
    if (!best) continue
    scored.push({
      score: (best[1] ?? 3) * 2 + 1,
      hit: { kind: 'grid', code: p.code, name: p.name, via: best[0], gridHead: head, bbox: geometryBBox(g.geometry) },
    })
  }
  for (const r of regions.features) {
    const score = rank(r.properties.name, q)
    if (score === null) continue
    scored.push({
      score: score * 2,
      hit: {
        kind: 'region',
        code: r.properties.code,
        name: r.properties.name,
        via: 'name',
        gridHead: null,
        bbox: geometryBBox(r.geometry),
      },
    })
  }
  return scored
    .sort((a, b) => a.score - b.score || a.hit.code.localeCompare(b.hit.code))
    .slice(0, limit)
    .map((s) => s.hit)
}

export interface SearchBoxActions {
  /** Opens a grid's info panel. */
  select(code: string): void
  fitTo(bbox: BBox | null, maxZoom: number): void
}

/** The search input and its list of hits; hidden until someone signs in. */
export function createSearchBox(store: WorkspaceStore, actions: SearchBoxActions): { element: HTMLElement } {
  const input = h('input', {
    type: 'search',
    class: 'search-input',
    'data-testid': 'search',
    autocomplete: 'off',
    'data-i18n-aria': 'search.label',
  })
  const list = h('ul', { class: 'search-hits', 'data-testid': 'search-hits', role: 'listbox', hidden: true })
  const element = h('div', { class: 'search', hidden: true }, input, list)
  let hits: SearchHit[] = []

  const pick = (hit: SearchHit | undefined) => {
    if (!hit) return
    if (hit.kind === 'grid') actions.select(hit.code)
    actions.fitTo(hit.bbox, hit.kind === 'grid' ? 16 : 15)
    input.value = ''
    render()
    input.blur()
  }

  const render = () => {
    const { grids, session } = store.get()
    hits = searchHits(input.value, grids, session?.regions ?? { type: 'FeatureCollection', features: [] })
    input.placeholder = t('search.placeholder')
    list.replaceChildren(
      ...hits.map((hit) => {
        const b = h(
          'button',
          { type: 'button', class: 'search-hit', 'data-testid': 'search-hit', 'data-code': hit.code, 'data-kind': hit.kind },
          h('span', { class: 'search-kind' }, t(`search.kind.${hit.kind}`)),
          h('span', {}, hit.name),
          hit.via === 'grid_head' && hit.gridHead ? h('span', { class: 'muted' }, t('search.gridHead', { name: hit.gridHead })) : '',
          h('code', {}, hit.code),
        )
        // mousedown, not click: the input's blur would hide the list before the click lands.
        b.addEventListener('mousedown', (e) => {
          e.preventDefault()
          pick(hit)
        })
        return h('li', {}, b)
      }),
    )
    if (input.value.trim() && !hits.length) list.append(h('li', { class: 'muted search-none' }, t('search.none')))
    list.hidden = !input.value.trim() || document.activeElement !== input
  }

  input.addEventListener('input', render)
  input.addEventListener('focus', render)
  input.addEventListener('blur', () => {
    list.hidden = true
  })
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault()
      pick(hits[0])
    } else if (e.key === 'Escape') {
      input.value = ''
      render()
      input.blur()
    }
  })
  store.subscribe(
    ({ session }) => {
      element.hidden = !session
      input.value = ''
      render()
    },
    ['session'],
  )
  store.subscribe(render, ['grids', 'language'])
  return { element }
}
