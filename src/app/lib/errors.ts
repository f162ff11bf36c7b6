import { KeepsakeError, QuotaExceededError } from '../../index'

/** What to do when the browser refuses to store more: said wherever a write fails for that reason. */
export const QUOTA_MESSAGE =
  'Storage on this device is full, so this was not saved. Free some room: delete a downloaded AI model (Settings → AI model), or memories or a profile you no longer need (deleting works when storage is full; export a backup first to keep a copy), then try again.'

/** The library's QuotaExceededError, or the browser's (also as the inner error of an aborted transaction). */
function isQuotaError(e: unknown): boolean {
  if (e instanceof QuotaExceededError) return true
  const err = e as { name?: unknown; inner?: { name?: unknown } } | null
  return typeof e === 'object' && e !== null && (err?.name === 'QuotaExceededError' || err?.inner?.name === 'QuotaExceededError')
}

/** The message to show for a failed operation: the typed error's own message when there is one. */
export function errorMessage(e: unknown): string {
  if (isQuotaError(e)) return QUOTA_MESSAGE
  if (e instanceof KeepsakeError) return e.message
  if (e instanceof Error) return e.message || e.name
  return String(e)
}
