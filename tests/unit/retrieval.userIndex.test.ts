import 'fake-indexeddb/auto'
import { afterEach, describe, expect, test } from 'vitest'
import type { DocRecord, MemoryRecord, MessageRecord, ProfileRecord, SessionRecord } from '../../src/core/types'
import { KeepsakeDB } from '../../src/store/db'
import { blockNumber, blockRowsOf } from '../../src/store/messageBlocks'
import { retrieve } from '../../src/retrieval/retrieve'
import { dropUserIndex, passages, userIndex, type RetrievalContext } from '../../src/retrieval/UserIndex'
import type { MemoryEngine } from '../../src/engine/types'

/**
 * The index against the read model: rows are written the way the projection writes them (rows and a
 * log entry of the user's document in one transaction), by this "tab" or by another connection.
 */
const UID = 'u1'
let n = 0
const dbs: KeepsakeDB[] = []
afterEach(() => {
  for (const db of dbs.splice(0)) {
    dropUserIndex(db)
    db.close()
  }
})

async function open(name: string) {
  const db = new KeepsakeDB(name)
  await db.open()
  dbs.push(db)
  return db
}

const engine = { id: 'none' } as unknown as MemoryEngine
const ctxOf = (db: KeepsakeDB, eng: MemoryEngine = engine): RetrievalContext => ({ db, engine: () => eng, now: () => new Date('2025-01-08T10:00:00Z') })

async function write(db: KeepsakeDB, fn: () => Promise<unknown>, log = true) {
  await db.transaction('rw', db.tables, async () => {
    await fn()
    if (log) await db.updates.add({ doc: `user/${UID}`, data: new Uint8Array([n++ % 256]) })
  })
}

/** Adds and removes messages the way the projection does: each changed block is written whole. */
async function changeMessages(db: KeepsakeDB, add: MessageRecord[], remove: string[] = []) {
  const all = (await db.messageBlocks.toArray()).flatMap((b) => b.messages)
  const touched = new Set([...add, ...all.filter((m) => remove.includes(m.messageId))].map((m) => `${m.sessionId}|${blockNumber(m.seq)}`))
  const key = (m: MessageRecord) => `${m.sessionId}|${blockNumber(m.seq)}`
  const next = [...all.filter((m) => !remove.includes(m.messageId) && !add.some((a) => a.messageId === m.messageId)), ...add]
  await db.messageBlocks.bulkDelete([...touched].map((k) => [k.split('|')[0], Number(k.split('|')[1])] as [string, number]))
  await db.messageBlocks.bulkPut(blockRowsOf(next.filter((m) => touched.has(key(m)))))
}

const at = (i: number) => new Date(Date.UTC(2025, 0, 1, 10, i)).toISOString()
const profile: ProfileRecord = { uid: UID, name: 'Alice', about: '', metadata: {}, mergeConflictEnabled: null, createdAt: at(0), updatedAt: at(0), lastActiveAt: at(0) }
const session = (id: string, i = 0): SessionRecord => ({ sessionId: id, uid: UID, status: 'processed', metadata: {}, createdAt: at(i), autoProcessAfterSeconds: 600, lastMessageAt: null, processedAt: null, error: null, updatedAt: at(i) })
const message = (id: string, sessionId: string, seq: number, content: string): MessageRecord => ({ messageId: id, sessionId, uid: UID, seq, role: 'user', content, timestamp: at(seq + 1) })
const memory = (id: string, content: string, extra: Partial<MemoryRecord> = {}): MemoryRecord => ({
  memoryId: id, uid: UID, chainId: id, prevVersionId: null, content, categories: [], eventDateStart: null, eventDateEnd: null,
  createdAt: at(1), expiredAt: null, expirationReason: null, mergeConflictId: null, pendingConflictId: null, sessionId: 's1', sourceMessageIds: [], ...extra,
})
const doc = (id: string, title: string, content: string): DocRecord => ({ docId: id, uid: UID, title, content, metadata: {}, createdAt: at(2) })

async function found(ctx: RetrievalContext, q: string) {
  return (await retrieve(ctx, UID, q, { k: 20 })).items.map((i) => `${i.kind}:${i.id}`)
}

describe('the user index stays in step with the read model', () => {
  test('builds lazily, then follows inserts, new versions and deletes', async () => {
    const db = await open(`ui-${Date.now()}-${n++}`)
    const ctx = ctxOf(db)
    await write(db, async () => {
      await db.users.put(profile)
      await db.sessions.put(session('s1'))
      await changeMessages(db, [message('m1', 's1', 0, 'I moved to Paris last year'), message('m2', 's1', 1, 'I love the bakeries here')])
      await db.memories.put(memory('k1', 'User lives in Paris', { sourceMessageIds: ['m1'] }))
    })
    // the memory and the message it was drawn from are one item: the memory, quoting the message
    const paris = await retrieve(ctx, UID, 'Paris')
    expect(paris.items.map((i) => `${i.kind}:${i.id}`)).toEqual(['memory:k1', 'message:m2'])
    expect(paris.items[0]).toMatchObject({ sourceMessageIds: ['m1'], foldedMessageIds: ['m1'] })
    // the neighbour field: m2 is found by its neighbour's word too, below m1
    expect(await found(ctx, 'moved')).toEqual(['message:m1', 'message:m2'])

    // a new version: the old one expires, the new one is live
    await write(db, async () => {
      await db.memories.put({ ...memory('k1', 'User lives in Paris'), expiredAt: at(5), expirationReason: 'TEMPORAL_CONFLICT' })
      await db.memories.put(memory('k2', 'User lives in Berlin', { chainId: 'k1', prevVersionId: 'k1', createdAt: at(5) }))
    })
    expect(await found(ctx, 'lives')).toEqual(['memory:k2'])

    // an expiry alone (no row added or removed) is seen through the log
    await write(db, () => db.memories.put({ ...memory('k2', 'User lives in Berlin', { chainId: 'k1', prevVersionId: 'k1', createdAt: at(5) }), expiredAt: at(6), expirationReason: 'MERGE_CONFLICT' }))
    expect(await found(ctx, 'Berlin')).toEqual([])

    // a message appended: found, and its neighbours (two on each side) now carry it as context
    await write(db, () => changeMessages(db, [message('m3', 's1', 2, 'Croissants every morning')]))
    const croissants = await found(ctx, 'croissants')
    expect(croissants[0]).toBe('message:m3')
    expect(croissants.slice(1).sort()).toEqual(['message:m1', 'message:m2'])

    // deletes: a session's messages and a memory
    await write(db, async () => {
      await changeMessages(db, [], ['m1', 'm2', 'm3'])
      await db.memories.bulkDelete(['k1', 'k2'])
    })
    expect(await found(ctx, 'Paris croissants Berlin')).toEqual([])
    expect(userIndex(ctx, UID).index.size).toBe(0)
  })

  test('documents are indexed as passages and follow adds and deletes', async () => {
    const db = await open(`ui-${Date.now()}-${n++}`)
    const ctx = ctxOf(db)
    const long = Array.from({ length: 6 }, (_, i) => `Paragraph ${i}. ${i === 4 ? 'The warranty covers the espresso machine for two years.' : 'Nothing of note here at all.'}`.padEnd(300, ' filler')).join('\n\n')
    await write(db, async () => {
      await db.users.put(profile)
      await db.docs.put(doc('d1', 'Manual', long))
    })
    expect(passages(long).length).toBeGreaterThan(1)
    const r = await retrieve(ctx, UID, 'espresso warranty')
    expect(r.items).toHaveLength(1)
    expect(r.items[0]).toMatchObject({ kind: 'doc', id: 'd1' })
    expect(r.items[0].passages![0]).toContain('warranty covers the espresso')
    await write(db, () => db.docs.delete('d1'))
    expect((await retrieve(ctx, UID, 'espresso warranty')).items).toEqual([])
  })

  test('sees writes made through another connection (another tab), even without a log entry', async () => {
    const name = `ui-${Date.now()}-${n++}`
    const tabA = await open(name)
    const tabB = await open(name)
    const ctx = ctxOf(tabA)
    await write(tabB, async () => {
      await tabB.users.put(profile)
      await tabB.sessions.put(session('s1'))
    })
    expect(await found(ctx, 'guitar')).toEqual([])
    await write(tabB, () => changeMessages(tabB, [message('m1', 's1', 0, 'I started learning the guitar')]))
    expect(await found(ctx, 'guitar')).toEqual(['message:m1'])
    // counts change even when a writer did not log (belt and braces)
    await write(tabB, () => tabB.memories.put(memory('k1', 'User plays guitar')), false)
    expect(await found(ctx, 'guitar')).toEqual(expect.arrayContaining(['memory:k1', 'message:m1']))
  })

  test('checks only a cheap marker when nothing changed, and embeds with the engine when it can', async () => {
    const db = await open(`ui-${Date.now()}-${n++}`)
    let embedded = 0
    const vocab = ['car', 'food', 'pet']
    const embedEngine = {
      id: 'embed',
      async embed(texts: string[]) {
        embedded += texts.length
        return texts.map((t) => new Float32Array(vocab.map((w) => (t.toLowerCase().includes(w) || (w === 'car' && /tesla|automobile/i.test(t)) ? 1 : 0.01))))
      },
    } as unknown as MemoryEngine
    const ctx = ctxOf(db, embedEngine)
    await write(db, async () => {
      await db.users.put(profile)
      await db.memories.bulkPut([memory('k1', 'User drives a Tesla'), memory('k2', 'User is vegan (food)'), memory('k3', 'User has a pet cat')])
    })
    const r = await retrieve(ctx, UID, 'which automobile do I own?')
    expect(r.usedVectors).toBe(true)
    expect(r.items[0].id).toBe('k1')
    expect(embedded).toBe(4)
    await retrieve(ctx, UID, 'which automobile do I own?')
    expect(embedded).toBe(5) // only the query

    // many new records are embedded in the background: lexical only until they are done
    await write(db, () => changeMessages(db, Array.from({ length: 200 }, (_, i) => message(`b${i}`, 's1', i, `note number ${i}`))))
    const during = await retrieve(ctx, UID, 'which automobile do I own?')
    expect(during.usedVectors).toBe(false)
    expect(during.items.map((i) => i.id)).not.toContain('k1') // no shared word: only vectors find it
    await userIndex(ctx, UID).fillVectors()
    expect((await retrieve(ctx, UID, 'which automobile do I own?')).usedVectors).toBe(true)
    expect(embedded).toBe(5 + 200 + 1)
  })

  test('an engine whose embed fails falls back to lexical search', async () => {
    const db = await open(`ui-${Date.now()}-${n++}`)
    const failing = { id: 'broken', embed: async () => { throw new Error('no model') } } as unknown as MemoryEngine
    const ctx = ctxOf(db, failing)
    await write(db, async () => {
      await db.users.put(profile)
      await db.memories.put(memory('k1', 'User drives a Tesla'))
    })
    const r = await retrieve(ctx, UID, 'Tesla')
    expect(r.usedVectors).toBe(false)
    expect(r.items.map((i) => i.id)).toEqual(['k1'])
  })
})
