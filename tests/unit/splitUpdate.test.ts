import { describe, expect, test } from 'vitest'
import * as Y from 'yjs'
import { splitUpdate } from '../../src/sync/splitUpdate'

// A large update is applied in pieces (src/sync/splitUpdate.ts): the pieces, applied in order, must
// leave a document exactly as the whole update does, whatever the update holds.

/** A pseudo-random generator, so a failing case replays. */
function rng(seed: number) {
  let x = seed >>> 0 || 1
  return () => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return (x >>> 0) / 2 ** 32
  }
}

/** A document written by several clients that synced now and then: maps of records, overwrites, deletions, an array and a text. */
function busyDocument(seed: number): Y.Doc {
  const random = rng(seed)
  const peers = [1, 2, 3].map((n) => {
    const d = new Y.Doc()
    d.clientID = seed * 10 + n
    return d
  })
  for (let round = 0; round < 12; round++) {
    for (const d of peers) {
      d.transact(() => {
        const records = d.getMap<Y.Map<unknown>>('memories')
        for (let i = 0; i < 25; i++) {
          const key = `m${Math.floor(random() * 120)}`
          let rec = records.get(key)
          if (!rec || random() < 0.2) {
            rec = new Y.Map()
            records.set(key, rec)
          }
          rec.set('content', `fact ${round}.${i} of ${d.clientID}`)
          rec.set('categories', ['a', 'b'].slice(0, 1 + Math.floor(random() * 2)))
          if (random() < 0.3) rec.set('expiredAt', new Date(round * 1000).toISOString())
          if (random() < 0.1) records.delete(`m${Math.floor(random() * 120)}`)
        }
        const messages = d.getMap('messages')
        for (let i = 0; i < 20; i++) messages.set(`x${round}.${i}.${d.clientID}`, { content: 'y'.repeat(Math.floor(random() * 400)), seq: i })
        const list = d.getArray<number>('list')
        list.insert(Math.floor(random() * (list.length + 1)), [round, i_(random)])
        if (list.length > 4 && random() < 0.5) list.delete(0, 2)
        const text = d.getText('notes')
        text.insert(Math.floor(random() * (text.length + 1)), `note ${round} `)
        if (text.length > 10 && random() < 0.5) text.delete(2, 3)
      })
    }
    if (random() < 0.6) {
      // the peers exchange what they have
      const updates = peers.map((d) => Y.encodeStateAsUpdate(d))
      for (const d of peers) for (const u of updates) Y.applyUpdate(d, u)
    }
  }
  const all = new Y.Doc()
  for (const d of peers) Y.applyUpdate(all, Y.encodeStateAsUpdate(d))
  return all
}

function i_(random: () => number): number {
  return Math.floor(random() * 1000)
}

function applyPieces(pieces: Uint8Array[]): Y.Doc {
  const d = new Y.Doc()
  for (const p of pieces) Y.applyUpdate(d, p)
  return d
}

/** What a document holds, through its typed roots (an untyped root reads as undefined). */
function contents(d: Y.Doc) {
  return { memories: d.getMap('memories').toJSON(), messages: d.getMap('messages').toJSON(), list: d.getArray('list').toJSON(), notes: d.getText('notes').toString(), m: d.getMap('m').toJSON() }
}

/** The deleted ranges, normalised: pieces integrate in several transactions, so Yjs may cut structs differently. */
function deletions(d: Y.Doc): string {
  const ds = Y.createDeleteSetFromStructStore(d.store) as unknown as { clients: Map<number, { clock: number; len: number }[]> }
  const out: string[] = []
  for (const [client, items] of [...ds.clients].sort(([a], [b]) => a - b)) {
    let run: [number, number] | null = null
    for (const { clock, len } of [...items].sort((a, b) => a.clock - b.clock)) {
      if (run && run[1] === clock) run[1] += len
      else {
        if (run) out.push(`${client}:${run[0]}-${run[1]}`)
        run = [clock, clock + len]
      }
    }
    if (run) out.push(`${client}:${run[0]}-${run[1]}`)
  }
  return out.join(' ')
}

describe('splitUpdate', () => {
  test('an update smaller than the limit is returned as it is', () => {
    const d = busyDocument(1)
    const u = Y.encodeStateAsUpdate(d)
    expect(splitUpdate(u, u.byteLength)).toEqual([u])
  })

  for (const seed of [1, 2, 3, 4, 5]) {
    for (const maxBytes of [64, 1024, 16 * 1024]) {
      test(`seed ${seed}, pieces of ${maxBytes} bytes: the pieces in order rebuild the same document`, () => {
        const original = busyDocument(seed)
        const u = Y.encodeStateAsUpdate(original)
        const pieces = splitUpdate(u, maxBytes)
        expect(pieces.length).toBeGreaterThan(1)
        const rebuilt = applyPieces(pieces)
        expect(rebuilt.store.pendingStructs).toBeNull()
        expect(rebuilt.store.pendingDs).toBeNull()
        expect(contents(rebuilt)).toEqual(contents(original))
        expect(contents(original).memories).not.toEqual({})
        expect(Y.encodeStateVector(rebuilt)).toEqual(Y.encodeStateVector(original))
        expect(deletions(rebuilt)).toEqual(deletions(original))
        expect(deletions(original)).not.toBe('')
      })
    }
  }

  test('every piece but the last holds about the limit (one struct more at most), and none is empty', () => {
    const original = busyDocument(7)
    const u = Y.encodeStateAsUpdate(original)
    const maxBytes = 2048
    const pieces = splitUpdate(u, maxBytes)
    const biggestStruct = 600 // a message of up to 400 characters, with its key and fields
    for (const p of pieces.slice(0, -1)) {
      expect(p.byteLength).toBeGreaterThan(maxBytes * 0.9)
      expect(p.byteLength).toBeLessThan(maxBytes + biggestStruct)
    }
    expect(pieces.reduce((n, p) => n + p.byteLength, 0)).toBeLessThan(u.byteLength * 1.2)
  })

  test('each piece applies completely once the ones before it have (nothing waits in Yjs)', () => {
    const original = busyDocument(8)
    const pieces = splitUpdate(Y.encodeStateAsUpdate(original), 512)
    const d = new Y.Doc()
    for (const p of pieces) {
      Y.applyUpdate(d, p)
      expect(d.store.pendingStructs).toBeNull()
    }
  })

  test('a struct larger than the limit travels in a piece of its own', () => {
    const d = new Y.Doc()
    d.getMap('m').set('big', 'z'.repeat(10_000))
    d.getMap('m').set('small', 1)
    const pieces = splitUpdate(Y.encodeStateAsUpdate(d), 1000)
    expect(pieces.length).toBe(2)
    expect(contents(applyPieces(pieces))).toEqual(contents(d))
  })

  test('an update that is only deletions (a later change) splits into one piece', () => {
    const d = busyDocument(9)
    const sv = Y.encodeStateVector(d)
    d.transact(() => {
      for (const k of [...d.getMap('memories').keys()]) d.getMap('memories').delete(k)
    })
    const diff = Y.encodeStateAsUpdate(d, sv)
    const pieces = splitUpdate(diff, 16)
    const target = busyDocument(9)
    for (const p of pieces) Y.applyUpdate(target, p)
    expect(target.getMap('memories').size).toBe(0)
    expect(contents(target)).toEqual(contents(d))
  })
})
