import i18next, { type TFunction } from 'i18next'
import auditEn from './audit.en.json' with { type: 'json' }
import auditZhCN from './audit.zh-CN.json' with { type: 'json' }
import codingEn from './coding.en.json' with { type: 'json' }
import codingZhCN from './coding.zh-CN.json' with { type: 'json' }
import en from './en.json' with { type: 'json' }
import sizingEn from './sizing.en.json' with { type: 'json' }
import sizingZhCN from './sizing.zh-CN.json' with { type: 'json' }
import validationEn from './validation.en.json' with { type: 'json' }
import validationZhCN from './validation.zh-CN.json' with { type: 'json' }
import zhCN from './zh-CN.json' with { type: 'json' }

// Server-side messages (errors, import reports) in the caller's language: zh-CN by default.
export const LANGUAGES = ['zh-CN', 'en'] as const
export type Language = (typeof LANGUAGES)[number]

const instance = i18next.createInstance()
await instance.init({
  // One file per concern, each under its own top-level key (error.*, import.*, validation.*, sizing.*, audit.*).
  resources: {
    // audit.*.json also adds its error codes to error.* (error messages are looked up there).
    'zh-CN': {
      translation: { ...zhCN, error: { ...zhCN.error, ...auditZhCN.error, ...codingZhCN.error }, validation: validationZhCN, sizing: sizingZhCN, audit: auditZhCN, coding: codingZhCN },
    },
    en: { translation: { ...en, error: { ...en.error, ...auditEn.error, ...codingEn.error }, validation: validationEn, sizing: sizingEn, audit: auditEn, coding: codingEn } },
  },
  lng: 'zh-CN',
  fallbackLng: 'zh-CN',
  interpolation: { escapeValue: false },
  initAsync: false,
  showSupportNotice: false,
})

export type MessageParams = Record<string, string | number>

export function translate(language: Language, key: string, params: MessageParams = {}): string {
  return (instance.getFixedT(language) as TFunction)(key, params)
}

/** Picks the language from an Accept-Language header: English if asked for first, else Chinese. */
export function languageFrom(acceptLanguage: string | undefined): Language {
  const first = acceptLanguage?.split(',')[0]?.trim().toLowerCase() ?? ''
  return first.startsWith('en') ? 'en' : 'zh-CN'
}
