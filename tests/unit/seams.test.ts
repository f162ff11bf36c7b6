import 'fake-indexeddb/auto'
import { afterEach, describe, expect, test } from 'vitest'
import { createIdSource } from '../../src/core/ids'
import { MemoryClient } from '../../src/index'
import { internals } from '../support/internals'

const open: MemoryClient[] = []
afterEach(async () => {
  for (const c of open.splice(0)) await c.destroyAllData()
})
let n = 0

function counterBytes(seed: number) {
  let x = seed
  return (b: Uint8Array) => b.forEach((_, i) => (b[i] = (x = (x * 1103515245 + 12345) >>> 0) & 0xff))
}

describe('seams through options: ids, the clock, Yjs client ids', () => {
  test('an id source replays from its clock and randomness, and stays in creation order within a millisecond', () => {
    const a = createIdSource({ now: () => 1_700_000_000_000, random: counterBytes(1) })
    const b = createIdSource({ now: () => 1_700_000_000_000, random: counterBytes(1) })
    const ids = Array.from({ length: 5000 }, () => a())
    expect(Array.from({ length: 5000 }, () => b())).toEqual(ids)
    expect([...ids].sort()).toEqual(ids)
    expect(new Set(ids).size).toBe(ids.length)
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    // two sources keep their own counters: one does not move the other
    const c = createIdSource({ now: () => 1_700_000_000_000, random: counterBytes(1) })
    expect(c()).toBe(ids[0])
  })

  test('MemoryClient.open takes its ids, clock and Yjs client ids from its options', async () => {
    let next = 0
    const made: string[] = []
    const newId = () => {
      const id = `0000000${next++}-seam`
      made.push(id)
      return id
    }
    const at = new Date('2025-03-04T05:06:07.000Z')
    const c = await MemoryClient.open({ dbName: `seams-${n++}`, autoProcess: false, newId, now: () => at, yClientId: () => 424242 })
    open.push(c)
    const u = await c.createUser('alice')
    const s = await u.createSession()
    await s.addMessage('user', 'I live in Paris')
    const doc = await u.addDoc({ title: 't', content: 'c' })
    expect(made).toContain(u.uid)
    expect(made).toContain(s.sessionId)
    expect(made).toContain(doc.docId)
    expect(u.createdAt.toISOString()).toBe(at.toISOString())
    expect(s.createdAt.toISOString()).toBe(at.toISOString())
    const space = await internals(c).store.getDoc('space')
    expect(space.clientID).toBe(424242)
  })

  test('two clients on one seeded id source each draw their own ids (no shared global counter)', async () => {
    const mk = async () => {
      const c = await MemoryClient.open({ dbName: `seams-${n++}`, autoProcess: false, newId: createIdSource({ now: () => 1_800_000_000_000, random: counterBytes(9) }) })
      open.push(c)
      return (await c.createUser('bob')).uid
    }
    // the same source settings give the same ids however many ids other clients drew before
    const first = await mk()
    await mk()
    expect(await mk()).toBe(first)
  })
})
