import i18next from 'i18next'
import en from './en.json'
import zhCN from './zh-CN.json'

export const LANGUAGES = ['zh-CN', 'en'] as const
export type Language = (typeof LANGUAGES)[number]

const LANG_KEY = 'gridwork.lang'

function storedLanguage(): Language {
  const saved = localStorage.getItem(LANG_KEY)
  return (LANGUAGES as readonly string[]).includes(saved ?? '') ? (saved as Language) : 'zh-CN'
}

export async function initI18n(): Promise<void> {
  await i18next.init({
    lng: storedLanguage(),
    fallbackLng: 'zh-CN',
    // Explicit list: i18next would otherwise also look up 'zh' for 'zh-CN'.
    supportedLngs: [...LANGUAGES],
    load: 'currentOnly',
    resources: { 'zh-CN': { translation: zhCN }, en: { translation: en } },
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
