import { describe, expect, it } from 'vitest'
import bo from './bo.json'
import en from './en.json'
import zhCN from './zh-CN.json'

// Every string the UI shows in Chinese must exist in English too (and the other way round), and
// the partial Tibetan file may only translate keys that exist; a key missing here shows as a raw
// key ("editor.tool.split") on screen.
function keys(tree: object, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([k, v]) => (v && typeof v === 'object' ? keys(v, `${prefix}${k}.`) : [`${prefix}${k}`]))
}

describe('web UI strings', () => {
  it('zh-CN and en have the same keys', () => {
    expect(keys(en).sort()).toEqual(keys(zhCN).sort())
  })

  it('bo translates only keys that exist, with the same {{placeholders}}', () => {
    const zh = new Map(keys(zhCN).map((k) => [k, k.split('.').reduce<unknown>((o, part) => (o as Record<string, unknown>)[part], zhCN)]))
    for (const key of keys(bo)) {
      expect(zh.has(key), key).toBe(true)
      const value = key.split('.').reduce<unknown>((o, part) => (o as Record<string, unknown>)[part], bo) as string
      const placeholders = (s: string) => (s.match(/\{\{\w+\}\}/g) ?? []).sort()
      expect(placeholders(value), key).toEqual(placeholders(String(zh.get(key))))
    }
  })
})
