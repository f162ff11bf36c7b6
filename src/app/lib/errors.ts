import { KeepsakeError } from '../../index'

/** The message to show for a failed operation: the typed error's own message when there is one. */
export function errorMessage(e: unknown): string {
  if (e instanceof KeepsakeError) return e.message
  if (e instanceof DOMException && e.name === 'QuotaExceededError') {
    return 'The browser refused to store more data: storage is full. Free space or delete data, then try again.'
  }
  if (e instanceof Error) return e.message || e.name
  return String(e)
}
