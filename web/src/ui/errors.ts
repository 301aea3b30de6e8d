import { ApiError } from '../api/client'
import { t } from '../i18n'

/** What to show for a failed request: the server's message, or "network error" in the UI language. */
export function errorMessage(err: unknown): string {
  return err instanceof ApiError && err.code === 'network' ? t('errors.network') : (err as Error).message
}
