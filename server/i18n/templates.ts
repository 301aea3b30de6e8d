import { type Language, type MessageParams, translate } from './index.js'

// translate() with each message compiled once into its text and placeholders. i18next's t()
// costs ~30 µs a call (a fixed-T closure, language codes formatted, the key resolved through the
// fallback chain, a regular expression per placeholder): a city's validation words 10,000
// household issues with four or five calls each, over a second of the request. The compiled
// message gives exactly i18next's text — the template is i18next's own answer with no
// parameters (a missing parameter is left as written), filled the way its interpolation fills
// it (escapeValue off, values not interpolated again) — and anything else goes to i18next:
// parameters i18next reads as options (count, context, …), placeholders with a format, a path or
// the unescape prefix, a parameter missing or not a string or number, a value holding "{{". templates.test.ts checks
// every message of every concern against translate().

type Compiled = { texts: string[]; names: string[] } | null

/** Parameter names i18next takes as options (plurals, context, namespaces…), never as words. */
const I18NEXT_OPTIONS = new Set([
  'count',
  'context',
  'ordinal',
  'lng',
  'lngs',
  'ns',
  'defaultValue',
  'replace',
  'returnObjects',
  'returnDetails',
  'joinArrays',
  'postProcess',
  'interpolation',
  'skipInterpolation',
  'keySeparator',
  'nsSeparator',
  'fallbackLng',
])

const compiled = new Map<string, Compiled>()

function compile(language: Language, key: string): Compiled {
  const template = translate(language, key)
  const texts: string[] = []
  const names: string[] = []
  let at = 0
  for (const match of template.matchAll(/{{(.+?)}}/g)) {
    const name = match[1] as string
    // Only plain names: `{{x, number}}`, `{{a.b}}`, `{{- x}}` and spaces are i18next's to read.
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return null
    texts.push(template.slice(at, match.index))
    names.push(name)
    at = match.index + match[0].length
  }
  // A missing key (its text is the key) and nesting are i18next's.
  if (template === key || template.includes('$t(')) return null
  texts.push(template.slice(at))
  return { texts, names }
}

/** translate(language, key, params), the same text, from the message compiled on first use. */
export function fastTranslate(language: Language, key: string, params: MessageParams = {}): string {
  const cacheKey = `${language}\u0000${key}`
  let message = compiled.get(cacheKey)
  if (message === undefined) {
    message = compile(language, key)
    compiled.set(cacheKey, message)
  }
  if (message === null) return translate(language, key, params)
  for (const name in params) {
    if (I18NEXT_OPTIONS.has(name) || name.startsWith('defaultValue')) return translate(language, key, params)
  }
  const { texts, names } = message
  let text = texts[0] as string
  for (let i = 0; i < names.length; i++) {
    const value = params[names[i] as string]
    // A value holding "{{" is i18next's: it replaces the first occurrence of a placeholder's text,
    // which may then lie inside an earlier value.
    if (typeof value === 'string' && !value.includes('{{')) text += value
    else if (typeof value === 'number') text += String(value)
    else return translate(language, key, params)
    text += texts[i + 1] as string
  }
  return text
}
