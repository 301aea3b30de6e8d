import type { GridCollection } from '../api/types'
import { t } from '../i18n'
import { dayInput, isDay, localDay } from '../ui/dates'
import { h, text } from '../ui/dom'
import type { WorkspaceStore } from './state'

const DAY_MS = 86_400_000

/** Today as YYYY-MM-DD in the browser's time zone. */
export const today = (): string => localDay(new Date())

export interface AsOfControl {
  /** "查看日期" (slider and date input) with its error line, for the header. */
  group: HTMLElement
  /** "历史视图：YYYY-MM-DD" with "回到今天", for the map. */
  badge: HTMLElement
  /** Sets the slider's range from today's grids (sign-in): a year before the oldest version in force. */
  fitSlider(grids: GridCollection): void
}

/**
 * As-of date: "查看日期" reloads the grids in force on that day (`changeAsOf`); a badge says so,
 * with a way back. A new session or a sign-out shows today again.
 */
export function createAsOfControl(store: WorkspaceStore, changeAsOf: (date: string | null) => Promise<void>): AsOfControl {
  const input = dayInput({ class: 'as-of-input', 'data-testid': 'as-of-date', 'data-i18n-aria': 'asOf.label' })
  // The slider runs over days, from a year before the oldest version on the map to today; moving it
  // sets the date input and reloads the layer once it rests.
  const slider = h('input', {
    type: 'range',
    class: 'as-of-slider',
    min: '0',
    max: '365',
    step: '1',
    'data-testid': 'as-of-slider',
    'data-i18n-aria': 'asOf.slider',
  })
  const control = h('label', { class: 'as-of', hidden: true }, text('span', 'asOf.label'), slider, input)
  const badgeText = h('span', {})
  const todayButton = text('button', 'asOf.today', { type: 'button', class: 'link-button', 'data-testid': 'as-of-today' })
  const badge = h('span', { class: 'as-of-badge', 'data-testid': 'as-of-badge', hidden: true }, badgeText, todayButton)
  const error = h('span', { class: 'as-of-error', 'data-testid': 'as-of-error', role: 'alert', hidden: true })

  /** First day of the slider (epoch ms); fixed at sign-in. */
  let sliderFirstDay = Date.parse(`${today()}T00:00:00Z`) - 365 * DAY_MS
  /** Sets the slider's thumb from the date input. */
  const syncSlider = () => {
    const end = Date.parse(`${today()}T00:00:00Z`)
    slider.max = String(Math.round((end - sliderFirstDay) / DAY_MS))
    const shown = Date.parse(`${input.value || today()}T00:00:00Z`)
    if (Number.isFinite(shown)) slider.value = String(Math.round((shown - sliderFirstDay) / DAY_MS))
  }

  /** The day last asked for, so typing a day and then leaving the field reloads once. */
  let asked: string | null = null
  const ask = () => {
    const value = input.value.trim()
    if (value === asked) return
    asked = value
    syncSlider()
    void changeAsOf(!value || value === today() ? null : value)
  }
  input.addEventListener('change', ask)
  // A text input changes on leaving it: a whole day typed is taken at once.
  input.addEventListener('input', () => {
    if (isDay(input.value.trim())) ask()
  })
  let sliderTimer: ReturnType<typeof setTimeout> | undefined
  slider.addEventListener('input', () => {
    input.value = new Date(sliderFirstDay + Number(slider.value) * DAY_MS).toISOString().slice(0, 10)
    clearTimeout(sliderTimer)
    sliderTimer = setTimeout(() => input.dispatchEvent(new Event('change')), 300)
  })
  todayButton.addEventListener('click', () => {
    input.value = today()
    asked = input.value
    syncSlider()
    void changeAsOf(null)
  })

  const render = () => {
    const { session, asOf, asOfError } = store.get()
    control.hidden = !session
    badge.hidden = !session || !asOf
    badgeText.textContent = asOf ? t('asOf.badge', { date: asOf }) : ''
    error.hidden = !session || !asOfError
    error.textContent = asOfError ?? ''
    input.setAttribute('aria-invalid', String(!!asOfError))
  }
  store.subscribe(() => {
    input.value = today()
    asked = input.value
    syncSlider()
  }, ['session'])
  store.subscribe(render, ['session', 'asOf', 'asOfError', 'language'])
  render()

  return {
    group: h('div', { class: 'as-of-group' }, control, error),
    badge,
    fitSlider(grids) {
      const oldest = [today(), ...grids.features.map((g) => g.properties.valid_from)].sort()[0] ?? today()
      sliderFirstDay = Date.parse(`${oldest}T00:00:00Z`) - 365 * DAY_MS
      syncSlider()
    },
  }
}
