/**
 * Checks one incoming Hocuspocus message before the server applies it: size, framing, and for
 * Yjs updates (sync step 2 and update messages) that the update decodes and integrates into a
 * scratch Y.Doc. A message that fails is refused before it touches the live document, so it is
 * never stored. The check costs one extra decode + integrate per update.
 */
import * as Y from 'yjs'
import { syncRejectReason } from '../core/spaceToken'
import type { SyncLimits } from './limits'

// Hocuspocus message types (see @hocuspocus/server types.ts) and y-protocols sync sub-types.
const MESSAGE_SYNC = 0
const MESSAGE_SYNC_REPLY = 4
const SYNC_STEP_2 = 1
const SYNC_UPDATE = 2

export class RejectedMessage extends Error {
  /** Hocuspocus closes the document connection with this code and reason. */
  readonly code = 4400
  constructor(readonly reason: string) {
    super(reason)
    this.name = 'RejectedMessage'
  }
}

class Reader {
  pos = 0
  constructor(private readonly bytes: Uint8Array) {}
  varUint(): number {
    let num = 0
    let mult = 1
    for (;;) {
      if (this.pos >= this.bytes.length) throw new Error('unexpected end of message')
      const byte = this.bytes[this.pos++]
      num += (byte & 0x7f) * mult
      if (byte < 0x80) return num
      mult *= 128
      if (mult > 2 ** 53) throw new Error('varuint too long')
    }
  }
  bytesOf(length: number): Uint8Array {
    if (this.pos + length > this.bytes.length) throw new Error('unexpected end of message')
    const out = this.bytes.subarray(this.pos, this.pos + length)
    this.pos += length
    return out
  }
  varBytes(): Uint8Array {
    return this.bytesOf(this.varUint())
  }
}

/** Throws RejectedMessage when the message must not be applied. */
export function checkIncomingMessage(data: Uint8Array, limits: SyncLimits): void {
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
    const reader = new Reader(data)
    reader.varBytes() // document name
    const type = reader.varUint()
    if (type === MESSAGE_SYNC || type === MESSAGE_SYNC_REPLY) {
      const syncType = reader.varUint()
      if (syncType === SYNC_STEP_2 || syncType === SYNC_UPDATE) update = reader.varBytes()
    }
  } catch (error) {
    throw new RejectedMessage(syncRejectReason('malformed-update', `unreadable message (${(error as Error).message})`))
  }
  if (update) checkUpdate(update)
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
