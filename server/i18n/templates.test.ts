import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { LANGUAGES, type MessageParams, translate } from './index.js'
import { fastTranslate } from './templates.js'

// fastTranslate must give translate()'s text for every message, whatever the parameters.

const folder = path.dirname(fileURLToPath(import.meta.url))

/** Every message key of every concern file, as translate() is called with it, and its placeholders. */
function messageKeys(): { key: string; names: string[] }[] {
  const keys = new Map<string, Set<string>>()
  const walk = (value: unknown, at: string) => {
    if (typeof value === 'string') {
      const names = keys.get(at) ?? new Set<string>()
      for (const match of value.matchAll(/{{-?\s*([^},]+?)\s*(,[^}]*)?}}/g)) names.add(match[1] as string)
      keys.set(at, names)
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, inner] of Object.entries(value)) walk(inner, at === '' ? key : `${at}.${key}`)
    }
  }
  for (const file of readdirSync(folder).filter((name) => name.endsWith('.json'))) {
    const json = JSON.parse(readFileSync(path.join(folder, file), 'utf8')) as unknown
    const concern = file.replace(/\.(en|zh-CN)\.json$/, '').replace(/-/g, '_')
    walk(json, /^(en|zh-CN)\.json$/.test(file) ? '' : concern)
  }
  return [...keys].map(([key, names]) => ({ key, names: [...names] }))
}

const VALUES: (string | number)[] = [
  '990101001001',
  '示范县',
  '',
  0,
  259,
  -3.5,
  1.5e-7,
  '$&',
  "$' and $`",
  '{{grid}}',
  '$t(sizing.advisory)',
  'a{{b',
]

describe('fastTranslate', () => {
  const keys = messageKeys()

  it('finds the messages to compare', () => {
    expect(keys.length).toBeGreaterThan(400)
    expect(keys.some(({ key }) => key === 'sizing.households_below_min')).toBe(true)
  })

  it('gives translate()’s text for every message, with every kind of value, in both languages', () => {
    let compared = 0
    for (const language of LANGUAGES) {
      for (const { key, names } of keys) {
        const cases: MessageParams[] = [{}]
        for (const [v, value] of VALUES.entries()) {
          // Each placeholder a value of its own kind; then one left out; then an option name among them.
          cases.push(Object.fromEntries(names.map((name, i) => [name, VALUES[(v + i) % VALUES.length] ?? value])))
        }
        if (names.length > 0) cases.push(Object.fromEntries(names.slice(1).map((name) => [name, 'x'])))
        cases.push({ ...Object.fromEntries(names.map((name) => [name, 7])), count: 2 })
        for (const params of cases) {
          expect(fastTranslate(language, key, params), `${language} ${key} ${JSON.stringify(params)}`).toBe(
            translate(language, key, params),
          )
          compared++
        }
      }
      expect(fastTranslate(language, 'validation.no_such_message', { x: 1 })).toBe(
        translate(language, 'validation.no_such_message', { x: 1 }),
      )
    }
    expect(compared).toBeGreaterThan(10_000)
  })
})
