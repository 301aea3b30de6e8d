import { h } from './dom'

// Days and times as the office writes them, YYYY-MM-DD, in every UI language and whatever the
// browser's locale (toLocaleString and <input type="date"> follow the browser, e.g. 12/06/2026).

const pad = (n: number) => String(n).padStart(2, '0')
const DAY = /^\d{4}-\d{2}-\d{2}$/

/** Whether `value` is written YYYY-MM-DD (the server checks that the day exists). */
export const isDay = (value: string): boolean => DAY.test(value)

/** The local day as YYYY-MM-DD (not toISOString: that is the UTC day, yesterday before 08:00 in China). */
export function localDay(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`
}

/** A time as "YYYY-MM-DD HH:mm" in local time (the raw value if it is not a date). */
export function formatTime(at: string): string {
  const d = new Date(at)
  return Number.isNaN(d.getTime()) ? at : `${localDay(d)} ${pad(d.getHours())}:${pad(d.getMinutes())}`
}

/** A text input for a day, YYYY-MM-DD (not type=date, which shows the browser's locale format). */
export function dayInput(attrs: Record<string, string | boolean | undefined>): HTMLInputElement {
  return h('input', { ...attrs, placeholder: 'YYYY-MM-DD', pattern: '\\d{4}-\\d{2}-\\d{2}', inputmode: 'numeric', autocomplete: 'off' })
}
