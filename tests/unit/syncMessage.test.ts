import * as encoding from 'lib0/encoding'
import { describe, expect, test } from 'vitest'
import { largeSyncUpdate } from '../../src/sync/SyncProvider'

/** A Hocuspocus message as the server writes it: document name, message type, then the payload. */
function message(name: string, type: number, write: (e: encoding.Encoder) => void): Uint8Array {
  const e = encoding.createEncoder()
  encoding.writeVarString(e, name)
  encoding.writeVarUint(e, type)
  write(e)
  return encoding.toUint8Array(e)
}

const payload = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7) % 256)
const NAME = 'AAAAAAAAAAAAAAAAAAAAAA/user/01a2096c-99c6-7000-ad56-1fbf7181c275'

describe('the update inside a large sync message', () => {
  test('sync step 2 and update messages give their update, copied out of the message', () => {
    for (const kind of [1, 2]) {
      const update = payload(100_000)
      const msg = message(NAME, 0, (e) => {
        encoding.writeVarUint(e, kind)
        encoding.writeVarUint8Array(e, update)
      })
      const got = largeSyncUpdate(msg.buffer)
      expect(got).toEqual(update)
      expect(got!.buffer).not.toBe(msg.buffer) // its own buffer: stored alone, not with the message around it
      // a view (Node's ws hands over Buffers) works the same
      expect(largeSyncUpdate(Buffer.from(msg))).toEqual(update)
    }
  })

  test('anything else gives null: small, sync step 1, other message types, truncated or malformed', () => {
    const step2 = (update: Uint8Array) =>
      message(NAME, 0, (e) => {
        encoding.writeVarUint(e, 1)
        encoding.writeVarUint8Array(e, update)
      })
    expect(largeSyncUpdate(step2(payload(1000)).buffer)).toBeNull()
    const step1 = message(NAME, 0, (e) => {
      encoding.writeVarUint(e, 0)
      encoding.writeVarUint8Array(e, payload(100_000))
    })
    expect(largeSyncUpdate(step1.buffer)).toBeNull()
    const awareness = message(NAME, 1, (e) => encoding.writeVarUint8Array(e, payload(100_000)))
    expect(largeSyncUpdate(awareness.buffer)).toBeNull()
    const whole = step2(payload(100_000))
    expect(largeSyncUpdate(whole.slice(0, whole.length - 10).buffer)).toBeNull()
    expect(largeSyncUpdate(new Uint8Array(100_000).fill(0xff).buffer)).toBeNull()
    expect(largeSyncUpdate('text')).toBeNull()
    expect(largeSyncUpdate(undefined)).toBeNull()
  })
})

describe('message block sigs', () => {
  test('name their block even when the session id holds the separators', async () => {
    const { blockRowsOf, pkOfSig } = await import('../../src/store/messageBlocks')
    for (const sessionId of ['plain', 'a|b', 'x|1|y', 'with\u0000nul']) {
      const [row] = blockRowsOf([{ messageId: 'm1', sessionId, uid: 'u', seq: 40, role: 'user', content: 'hi', timestamp: '2025-01-01T00:00:00.000Z' }])
      expect(pkOfSig(row.sig)).toEqual([sessionId, 2])
    }
  })
})
