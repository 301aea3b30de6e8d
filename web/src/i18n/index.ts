import i18next from 'i18next'
import bo from './bo.json'
import en from './en.json'
import zhCN from './zh-CN.json'

// zh-CN first; English; Tibetan (bo) offered where the region's rule profile asks for notices in
// 国家通用文字和藏文 (seed 000 §20). bo.json is a first pass over the most visible strings; the
// rest falls back to Chinese until a native speaker completes it.
export const LANGUAGES = ['zh-CN', 'en', 'bo'] as const
export type Language = (typeof LANGUAGES)[number]

const LANG_KEY = 'gridwork.lang'

function storedLanguage(): Language {
  const saved = localStorage.getItem(LANG_KEY)
  return (LANGUAGES as readonly string[]).includes(saved ?? '') ? (saved as Language) : 'zh-CN'
}

/** Languages the selector offers: Tibetan only when the profile's notices are bilingual (or it is in use). */
export function offeredLanguages(noticeLanguages: readonly string[] | null): Language[] {
  return LANGUAGES.filter((lng) => lng !== 'bo' || noticeLanguages?.includes('bo') || i18next.language === 'bo')
}

export async function initI18n(): Promise<void> {
  await i18next.init({
    lng: storedLanguage(),
    fallbackLng: 'zh-CN',
    // Explicit list: i18next would otherwise also look up 'zh' for 'zh-CN'.
    supportedLngs: [...LANGUAGES],
    load: 'currentOnly',
    resources: { 'zh-CN': { translation: zhCN }, en: { translation: en }, bo: { translation: bo } },
    // Values are inserted with textContent, never as HTML.
    interpolation: { escapeValue: false },
    showSupportNotice: false,
  })
  document.documentElement.lang = i18next.language
}

export async function setLanguage(lng: Language): Promise<void> {
  localStorage.setItem(LANG_KEY, lng)
  await i18next.changeLanguage(lng)
  document.documentElement.lang = lng
}

export const t = i18next.t.bind(i18next)
export { i18next }
