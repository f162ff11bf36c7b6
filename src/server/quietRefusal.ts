import type { Connection } from '@hocuspocus/server'

/**
 * Refuses a message from beforeHandleMessage without throwing. A thrown error makes Hocuspocus
 * print it with its stack (Connection.handleMessage's catch, and the hook chain's
 * `console.error('[beforeHandleMessage]', message)`), so any client could fill the log. Instead the
 * document's connection is closed here exactly as that catch would (code and reason reach the
 * provider as its `close` event), and the returned promise never settles: the message is not
 * applied, nothing is printed, and the promise is collected with the message.
 */
export function refuseQuietly(connection: Connection, refusal: { code: number; reason: string }): Promise<never> {
  connection.close({ code: refusal.code, reason: refusal.reason })
  return new Promise<never>(() => undefined)
}
