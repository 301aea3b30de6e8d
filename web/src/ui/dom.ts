import { t } from '../i18n'

type Attrs = Record<string, string | boolean | undefined>
type Child = Node | string | null | undefined | false

/** Small element builder; strings become text nodes, so data is never parsed as HTML. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue
    if (k === 'class') el.className = String(v)
    else el.setAttribute(k, v === true ? '' : v)
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c)
  return el
}

/** An element whose text is the translation of `key`; relabelled by `translateTree` on a language switch. */
export function text<K extends keyof HTMLElementTagNameMap>(tag: K, key: string, attrs: Attrs = {}): HTMLElementTagNameMap[K] {
  const el = h(tag, { ...attrs, 'data-i18n': key })
  el.textContent = t(key)
  return el
}

export function translateTree(root: ParentNode): void {
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n]')) el.textContent = t(el.dataset.i18n ?? '')
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n-aria]')) el.setAttribute('aria-label', t(el.dataset.i18nAria ?? ''))
}
