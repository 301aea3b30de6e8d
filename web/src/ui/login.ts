import { t } from '../i18n'
import { DEMO_ACCOUNTS } from './demoAccounts'
import { h, text } from './dom'
import { errorMessage } from './errors'

export interface LoginForm {
  element: HTMLElement
  /** Enable or disable the form (disabled while the server is still starting). */
  setEnabled(enabled: boolean): void
  showError(message: string | null): void
}

/** Every demo account, one role each; a click fills in its username. */
function demoAccountList(pick: (username: string) => void): HTMLElement {
  return h(
    'ul',
    { class: 'demo-accounts', 'data-testid': 'demo-accounts' },
    ...DEMO_ACCOUNTS.map((account) => {
      const b = h('button', { type: 'button', class: 'link-button', 'data-username': account.username }, h('code', {}, account.username))
      b.addEventListener('click', () => pick(account.username))
      return h('li', {}, b, ` ${account.display_name} · `, text('span', `role.${account.role}`))
    }),
  )
}

/**
 * The sign-in card. `submit` returns when the attempt is done; an ApiError's message (already in
 * the UI language, from the server) is shown in place.
 */
export function createLoginForm(submit: (username: string, password: string) => Promise<void>): LoginForm {
  const username = h('input', {
    id: 'login-username',
    name: 'username',
    autocomplete: 'username',
    required: true,
    'data-testid': 'login-username',
  })
  const password = h('input', {
    id: 'login-password',
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
    'data-testid': 'login-password',
  })
  const button = text('button', 'login.submit', { type: 'submit', 'data-testid': 'login-submit' })
  const error = h('p', { class: 'form-error', role: 'alert', 'data-testid': 'login-error', hidden: true })

  const form = h(
    'form',
    { class: 'login-card', novalidate: true },
    text('h1', 'app.title'),
    text('h2', 'login.title'),
    h('label', { for: 'login-username' }, text('span', 'login.username')),
    username,
    h('label', { for: 'login-password' }, text('span', 'login.password')),
    password,
    error,
    button,
    text('p', 'login.hint', { class: 'hint' }),
    demoAccountList((name) => {
      username.value = name
      password.focus()
    }),
  )

  let enabled = true
  const showError = (message: string | null) => {
    error.textContent = message ?? ''
    error.hidden = !message
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    if (!enabled) return
    const u = username.value.trim()
    if (!u || !password.value) {
      showError(t('login.required'))
      return
    }
    showError(null)
    button.disabled = true
    button.textContent = t('login.submitting')
    try {
      await submit(u, password.value)
    } catch (err) {
      showError(errorMessage(err))
      password.select()
    } finally {
      button.disabled = !enabled
      button.textContent = t('login.submit')
    }
  })

  return {
    element: h('div', { class: 'login-screen' }, form),
    setEnabled(on) {
      enabled = on
      button.disabled = !on
    },
    showError,
  }
}
