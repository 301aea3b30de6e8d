import type { GridFeature, RegionProps } from '../api/types'
import { t } from '../i18n'
import { FIT_COLORS } from '../map/style'
import { h } from './dom'

export interface GridInfoContext {
  regionsByCode: Map<string, RegionProps>
  onClose: () => void
  /** The history section (see `gridHistory.ts`), appended below the attributes. */
  history?: Node
}

function regionLabel(code: string | null | undefined, regions: Map<string, RegionProps>): Node {
  if (!code) return document.createTextNode(t('grid.none'))
  const name = regions.get(code)?.name
  return h('span', {}, name ? `${name} ` : '', h('code', {}, code))
}

/** A person's name from the free-form attributes (a string, or an object with `name`). */
function person(attrs: Record<string, unknown> | null, key: string): string | null {
  const v = attrs?.[key]
  if (typeof v === 'string') return v
  if (v && typeof v === 'object' && typeof (v as { name?: unknown }).name === 'string') return (v as { name: string }).name
  return null
}

/** Content of the info panel for one grid; rebuilt on selection and on a language switch. */
export function renderGridInfo(grid: GridFeature, ctx: GridInfoContext): HTMLElement {
  const p = grid.properties
  const community = ctx.regionsByCode.get(p.region_code)
  // A grid may sit directly under a township; otherwise the township is the community's parent.
  const townshipCode = community?.level === 5 ? community.parent_code : community?.level === 4 ? p.region_code : null

  const range =
    p.households_min !== null && p.households_max !== null ? t('grid.range', { min: p.households_min, max: p.households_max }) : ''
  const rows: [string, Node | string][] = [
    ['grid.name', p.name],
    ['grid.kind', t(`kind.${p.kind}`, { defaultValue: p.kind })],
    [
      'grid.households',
      h(
        'span',
        {},
        p.households === null ? t('grid.none') : t('grid.householdsValue', { count: p.households }),
        range ? h('span', { class: 'muted' }, ` (${range})`) : '',
      ),
    ],
    ['grid.fit', h('span', { class: 'fit-badge', style: `--fit:${FIT_COLORS[p.fit] ?? FIT_COLORS.unknown}` }, t(`fit.${p.fit}`))],
    ['grid.population', p.population === null ? t('grid.none') : t('grid.persons', { count: p.population })],
    ['grid.countDate', p.count_date ?? t('grid.none')],
    ['grid.community', regionLabel(community?.level === 5 ? p.region_code : null, ctx.regionsByCode)],
    ['grid.township', regionLabel(townshipCode, ctx.regionsByCode)],
    ['grid.validFrom', p.valid_from ?? t('grid.none')],
    ['grid.version', String(p.version ?? t('grid.none'))],
  ]
  // Staff named in the attributes (the roster proper comes with the staff feature).
  const staff: [string, Node | string][] = []
  const head = person(p.attributes, 'grid_head')
  if (head) staff.push(['grid.gridHead', head])
  const worker = person(p.attributes, 'full_time_worker')
  if (worker) staff.push(['grid.fullTimeWorker', worker])
  rows.splice(2, 0, ...staff)

  const close = h('button', { type: 'button', class: 'icon-button', 'aria-label': t('grid.close'), title: t('grid.close') }, '×')
  close.addEventListener('click', ctx.onClose)

  return h(
    'div',
    { class: 'grid-info-body' },
    h(
      'header',
      {},
      h('div', {}, h('div', { class: 'eyebrow' }, t('grid.code')), h('div', { class: 'grid-code', 'data-testid': 'grid-code' }, p.code)),
      close,
    ),
    h('dl', {}, ...rows.flatMap(([key, value]) => [h('dt', {}, t(key)), h('dd', {}, value)])),
    ctx.history ?? null,
  )
}
