import { regionPrefix } from '../api/client'
import type { Region, RegionCollection, RegionProps } from '../api/types'
import { t } from '../i18n'
import { h } from './dom'

export interface RegionTree {
  element: HTMLElement
  /** Rebuilds the tree for a home region and its descendants (null empties it). */
  show(root: Region | null, regions: RegionCollection | null): void
  /** Marks the node of `code` as current and opens its township. */
  mark(code: string | null): void
  /** Re-renders the translated parts after a language switch. */
  relabel(): void
}

/**
 * The home region → townships → communities tree. A click on a node calls `onPick` with the
 * region (the caller zooms the map and makes a township the validation target).
 */
export function createRegionTree(onPick: (region: RegionProps) => void): RegionTree {
  const element = h('div', { class: 'region-tree', 'data-testid': 'region-tree' })
  let root: Region | null = null
  let regions: RegionCollection | null = null
  let current: string | null = null

  const node = (props: RegionProps, extra: string | null): HTMLElement => {
    const button = h(
      'button',
      { type: 'button', class: 'tree-node', 'data-code': props.code, 'data-level': String(props.level), title: props.code },
      h('span', { class: 'tree-name' }, props.name),
      extra ? h('span', { class: 'tree-count' }, extra) : null,
    )
    button.addEventListener('click', (e) => {
      e.preventDefault() // inside <summary>: do not toggle on a name click, the twisty does that
      onPick(props)
    })
    return button
  }

  const render = () => {
    element.replaceChildren()
    if (!root || !regions) return
    const children = new Map<string, RegionProps[]>()
    for (const f of regions.features) {
      const p = f.properties
      const list = children.get(p.parent_code ?? '') ?? []
      list.push(p)
      children.set(p.parent_code ?? '', list)
    }
    for (const list of children.values()) list.sort((a, b) => a.code.localeCompare(b.code))

    const build = (p: RegionProps, depth: number): HTMLElement => {
      const kids = children.get(p.code) ?? []
      if (!kids.length || depth >= 3) return h('li', {}, node(p, null))
      const open = depth === 0 || current?.startsWith(regionPrefix(p.code)) === true
      return h(
        'li',
        {},
        h(
          'details',
          { open },
          h('summary', {}, node(p, t('tree.children', { count: kids.length }))),
          h('ul', {}, ...kids.map((k) => build(k, depth + 1))),
        ),
      )
    }
    const rootProps: RegionProps = {
      code: root.code,
      name: root.name,
      level: root.level,
      parent_code: root.parent_code,
      urban_rural: root.urban_rural,
    }
    element.append(h('ul', { class: 'tree-root' }, build(rootProps, 0)))
    mark(current)
  }

  const mark = (code: string | null) => {
    current = code
    for (const el of element.querySelectorAll<HTMLElement>('.tree-node')) {
      const on = el.dataset.code === code
      el.classList.toggle('current', on)
      if (on) {
        for (let d = el.closest('details'); d; d = d.parentElement?.closest('details') ?? null) d.open = true
      }
    }
  }

  return {
    element,
    show(r, rs) {
      root = r
      regions = rs
      render()
    },
    mark,
    relabel: render,
  }
}
