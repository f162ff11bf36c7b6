/**
 * Reading the Hocuspocus message frame: `varString documentName, varUint messageType, ...`; for sync
 * messages (type 0, or 4 for a reply) `varUint syncType` follows, and for sync step 2 and update
 * (1, 2) the Yjs update as `varUint8Array`. The server checks incoming updates with it; a client
 * uses it to store large incoming updates as received.
 */
const MESSAGE_SYNC = 0
const MESSAGE_SYNC_REPLY = 4
const SYNC_STEP_2 = 1
const SYNC_UPDATE = 2

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
  varBytes(): Uint8Array {
    const length = this.varUint()
    if (this.pos + length > this.bytes.length) throw new Error('unexpected end of message')
    const out = this.bytes.subarray(this.pos, this.pos + length)
    this.pos += length
    return out
  }
}

/**
 * The Yjs update a message carries (sync step 2 or update), as a view into `message`; null for any
 * other message. Throws on a message cut short.
 */
export function syncMessageUpdate(message: Uint8Array): Uint8Array | null {
  return syncMessageContent(message)?.update ?? null
}

/**
 * What a sync message carries: whether it is sync step 2 (the other end's answer to this end's
 * state) or an update, and the Yjs update, as a view into `message`; null for any other message.
 * Throws on a message cut short.
 */
export function syncMessageContent(message: Uint8Array): { step2: boolean; update: Uint8Array } | null {
  const reader = new Reader(message)
  reader.varBytes() // document name
  const type = reader.varUint()
  if (type !== MESSAGE_SYNC && type !== MESSAGE_SYNC_REPLY) return null
  const syncType = reader.varUint()
  return syncType === SYNC_STEP_2 || syncType === SYNC_UPDATE ? { step2: syncType === SYNC_STEP_2, update: reader.varBytes() } : null
}
