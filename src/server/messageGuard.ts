/**
 * Checks one incoming Hocuspocus message before the server applies it: size, framing, and for
 * Yjs updates (sync step 2 and update messages) that the update decodes and integrates into a
 * scratch Y.Doc. A message that fails is refused before it touches the live document, so it is
 * never stored. The check costs one extra decode + integrate per update.
 */
import * as Y from 'yjs'
import { syncRejectReason } from '../core/spaceToken'
import { syncMessageUpdate } from '../core/syncMessage'
import type { SyncLimits } from './limits'

export class RejectedMessage extends Error {
  /** Hocuspocus closes the document connection with this code and reason. */
  readonly code = 4400
  constructor(readonly reason: string) {
    super(reason)
    this.name = 'RejectedMessage'
  }
}

/**
 * Throws RejectedMessage when the message must not be applied. Returns the Yjs update the message
 * carries (sync step 2 or update), null for any other message.
 */
export function checkIncomingMessage(data: Uint8Array, limits: SyncLimits): Uint8Array | null {
  if (data.byteLength > limits.maxMessageBytes) {
    throw new RejectedMessage(
      syncRejectReason(
        'message-too-large',
        `a message of ${data.byteLength} bytes exceeds this server's limit of ${limits.maxMessageBytes} bytes`,
      ),
    )
  }
  let update: Uint8Array | null = null
  try {
    update = syncMessageUpdate(data)
  } catch (error) {
    throw new RejectedMessage(syncRejectReason('malformed-update', `unreadable message (${(error as Error).message})`))
  }
  if (update) checkUpdate(update)
  return update
}

function checkUpdate(update: Uint8Array): void {
  const scratch = new Y.Doc({ gc: false })
  try {
    Y.applyUpdate(scratch, update)
  } catch (error) {
    throw new RejectedMessage(
      syncRejectReason('malformed-update', `the Yjs update does not decode (${(error as Error).message})`),
    )
  } finally {
    scratch.destroy()
  }
}
