import i18next, { type TFunction } from 'i18next'
import accessEn from './access.en.json' with { type: 'json' }
import accessZhCN from './access.zh-CN.json' with { type: 'json' }
import auditEn from './audit.en.json' with { type: 'json' }
import auditZhCN from './audit.zh-CN.json' with { type: 'json' }
import codingEn from './coding.en.json' with { type: 'json' }
import codingZhCN from './coding.zh-CN.json' with { type: 'json' }
import en from './en.json' with { type: 'json' }
import ioEn from './io.en.json' with { type: 'json' }
import ioZhCN from './io.zh-CN.json' with { type: 'json' }
import limitsEn from './limits.en.json' with { type: 'json' }
import limitsZhCN from './limits.zh-CN.json' with { type: 'json' }
import lookupEn from './lookup.en.json' with { type: 'json' }
import lookupZhCN from './lookup.zh-CN.json' with { type: 'json' }
import ogcEn from './ogc.en.json' with { type: 'json' }
import ogcZhCN from './ogc.zh-CN.json' with { type: 'json' }
import ogcWritesEn from './ogc-writes.en.json' with { type: 'json' }
import ogcWritesZhCN from './ogc-writes.zh-CN.json' with { type: 'json' }
import partitionEn from './partition.en.json' with { type: 'json' }
import partitionZhCN from './partition.zh-CN.json' with { type: 'json' }
import referenceEn from './reference.en.json' with { type: 'json' }
import referenceZhCN from './reference.zh-CN.json' with { type: 'json' }
import sizingEn from './sizing.en.json' with { type: 'json' }
import sizingZhCN from './sizing.zh-CN.json' with { type: 'json' }
import validationEn from './validation.en.json' with { type: 'json' }
import validationZhCN from './validation.zh-CN.json' with { type: 'json' }
import zhCN from './zh-CN.json' with { type: 'json' }

// Server-side messages (errors, import reports) in the caller's language: zh-CN by default.
export const LANGUAGES = ['zh-CN', 'en'] as const
export type Language = (typeof LANGUAGES)[number]

type Messages = { error?: Record<string, unknown> } & Record<string, unknown>

function withConcerns(base: Messages, concerns: Record<string, Messages>): Messages {
  const errors = Object.values(concerns).reduce<Record<string, unknown>>((all, concern) => Object.assign(all, concern.error), {
    ...base.error,
  })
  return { ...base, ...concerns, error: errors }
}

const instance = i18next.createInstance()
await instance.init({
  // One file per concern, each under its own top-level key (validation.*, sizing.*, audit.*, …);
  // a concern's "error" block is merged into error.* (error messages are looked up there).
  resources: {
    'zh-CN': {
      translation: withConcerns(zhCN, {
        validation: validationZhCN,
        sizing: sizingZhCN,
        audit: auditZhCN,
        coding: codingZhCN,
        lookup: lookupZhCN,
        access: accessZhCN,
        limits: limitsZhCN,
        io: ioZhCN,
        reference: referenceZhCN,
        ogc: ogcZhCN,
        ogc_writes: ogcWritesZhCN,
        partition: partitionZhCN,
      }),
    },
    en: {
      translation: withConcerns(en, {
        validation: validationEn,
        sizing: sizingEn,
        audit: auditEn,
        coding: codingEn,
        lookup: lookupEn,
        access: accessEn,
        limits: limitsEn,
        io: ioEn,
        reference: referenceEn,
        ogc: ogcEn,
        ogc_writes: ogcWritesEn,
        partition: partitionEn,
      }),
    },
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
