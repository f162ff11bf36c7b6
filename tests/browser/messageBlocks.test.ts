import Dexie from 'dexie'
import { afterEach, describe, expect, test } from 'vitest'
import * as Y from 'yjs'
import type { MessageRecord } from '../../src/core/types'
import { MemoryClient } from '../../src/index'
import { KeepsakeDB } from '../../src/store/db'
import { countMessages, lastSessionMessages, MESSAGE_BLOCK_SIZE, type MessageBlockRow } from '../../src/store/messageBlocks'
import { userDocName } from '../../src/sync/layout'
import { ReplicatedStore } from '../../src/sync/ReplicatedStore'
import { freshDbName, movableClock } from './helpers'
import { internals } from '../support/internals'

const open: { close(): void }[] = []
afterEach(() => {
  for (const c of open.splice(0)) c.close()
})

async function client() {
  const clock = movableClock('2025-03-01T09:00:00Z')
  const c = await MemoryClient.open({ dbName: freshDbName('blocks'), autoProcess: false, now: clock.now })
  open.push(c)
  return { c, clock }
}

const byTime = (a: { timestamp: Date; content: string }, b: { timestamp: Date; content: string }) => a.timestamp.getTime() - b.timestamp.getTime()

describe('messages are stored in blocks of a session', () => {
  test('a long session spans blocks; pages, totals and order are those of the messages', async () => {
    const { c } = await client()
    const u = await c.createUser('alice')
    const s = await u.createSession()
    for (let i = 0; i < 40; i++) await s.addMessage(i % 2 ? 'assistant' : 'user', `message ${i}`)
    const blocks = await internals(c).db.messageBlocks.where('[sessionId+block]').between([s.sessionId, Dexie.minKey], [s.sessionId, Dexie.maxKey]).toArray()
    expect(blocks.map((b) => [b.block, b.messages.length])).toEqual([
      [0, MESSAGE_BLOCK_SIZE],
      [1, MESSAGE_BLOCK_SIZE],
      [2, 40 - 2 * MESSAGE_BLOCK_SIZE],
    ])
    const all = await s.getMessages({ limit: 200 })
    expect(all.total).toBe(40)
    expect(all.messages.map((m) => m.content)).toEqual(Array.from({ length: 40 }, (_, i) => `message ${i}`))
    const page = await s.getMessages({ offset: 14, limit: 5 })
    expect(page.messages.map((m) => m.content)).toEqual(['message 14', 'message 15', 'message 16', 'message 17', 'message 18'])
    expect(page.hasMore).toBe(true)
    // the reply's history: the last n, across block boundaries
    for (const n of [1, 3, 16, 17, 33, 40, 60]) {
      expect((await lastSessionMessages(internals(c).db, s.sessionId, n)).map((m) => m.seq)).toEqual(Array.from({ length: Math.min(n, 40) }, (_, i) => Math.max(0, 40 - n) + i))
    }
    expect(await countMessages(internals(c).db)).toBe(40)
    expect((await s.refresh()).lastMessageAt?.toISOString()).toBe(all.messages[39].timestamp.toISOString())
  })

  test("a user's newest messages are picked by time across sessions, blocks and out-of-order timestamps", async () => {
    const { c, clock } = await client()
    const u = await c.createUser('bob')
    const a = await u.createSession()
    const b = await u.createSession()
    for (let i = 0; i < 30; i++) {
      clock.advance(60)
      await a.addMessage('user', `a${i}`)
      clock.advance(60)
      await b.addMessage('user', `b${i}`)
    }
    // imported messages with old times land in the newest blocks of a session
    await a.addMessage('user', 'a-old', { timestamp: '2025-01-01T00:00:00Z' })
    await b.addMessage('user', 'b-older', { timestamp: '2024-12-31T00:00:00Z' })
    clock.advance(60)
    await b.addMessage('assistant', 'b-newest')
    const every = [...(await a.getMessages({ limit: 200 })).messages, ...(await b.getMessages({ limit: 200 })).messages].sort(byTime)
    for (const n of [1, 2, 5, 17, 40, 62, 63, 100]) {
      const got = (await u.getLastNMessages(n)).messages.map((m) => m.content)
      expect(got).toEqual(every.slice(-n).map((m) => m.content))
    }
    expect((await u.refresh()).lastActiveAt.toISOString()).toBe(every[every.length - 1].timestamp.toISOString())
  })

  test("deleting a session removes its blocks; the other session's stay", async () => {
    const { c } = await client()
    const u = await c.createUser('carol')
    const keep = await u.createSession()
    const drop = await u.createSession()
    for (let i = 0; i < 20; i++) {
      await keep.addMessage('user', `keep ${i}`)
      await drop.addMessage('user', `drop ${i}`)
    }
    await drop.delete()
    const rows = await internals(c).db.messageBlocks.toArray()
    expect(new Set(rows.map((r) => r.sessionId))).toEqual(new Set([keep.sessionId]))
    expect(await countMessages(internals(c).db)).toBe(20)
  })
})

describe('the read model of version 1 (a row per message) is migrated', () => {
  test('opening an old database groups its messages into blocks and drops the old table', async () => {
    const name = freshDbName('v1')
    const old = new Dexie(name)
    old.version(1).stores({
      updates: '++seq, [doc+seq]',
      meta: 'key',
      settings: 'key',
      directory: 'uid, userId, createdAt',
      users: 'uid, createdAt',
      docs: 'docId, [uid+createdAt]',
      sessions: 'sessionId, [uid+createdAt], [uid+status], status',
      messages: 'messageId, [sessionId+seq], [uid+timestamp]',
      memories: 'memoryId, [uid+createdAt], chainId, sessionId',
      connections: 'connectionId, uid, chainA, chainB',
      conflicts: 'conflictId, [uid+createdAt], [uid+status]',
    })
    const msgs: MessageRecord[] = []
    for (let i = 0; i < 20; i++) msgs.push({ messageId: `m${String(i).padStart(2, '0')}`, sessionId: i < 18 ? 's1' : 's2', uid: 'u1', seq: i < 18 ? i : i - 18, role: 'user', content: `text ${i}`, timestamp: new Date(Date.UTC(2025, 0, 1, 0, i)).toISOString() })
    await old.table('messages').bulkAdd(msgs)
    old.close()

    const db = new KeepsakeDB(name)
    open.push(db)
    await db.open()
    expect(db.verno).toBe(4)
    expect(db.tables.map((t) => t.name)).not.toContain('messages')
    const rows = await db.messageBlocks.toArray()
    expect(rows.map((r) => [r.sessionId, r.block, r.messages.length])).toEqual([
      ['s1', 0, 16],
      ['s1', 1, 2],
      ['s2', 0, 2],
    ])
    expect(rows.flatMap((r) => r.messages)).toEqual(msgs)
  })
})

describe('a large update from the wire is stored as it came', () => {
  async function storeOf(name: string) {
    const db = new KeepsakeDB(name)
    await db.open()
    const store = new ReplicatedStore(db)
    open.push({ close: () => (store.close(), db.close()) })
    return { db, store }
  }

  /** 600 messages (about 150 KB); `first` holds only the first of them. */
  function bigUpdate(): { update: Uint8Array; first: Uint8Array; messages: number } {
    const doc = new Y.Doc()
    const map = doc.getMap('messages')
    let first!: Uint8Array
    doc.transact(() => {
      for (let i = 0; i < 600; i++) {
        if (i === 1) first = Y.encodeStateAsUpdate(doc)
        const m: MessageRecord = { messageId: `m${i}`, sessionId: `s${i % 3}`, uid: 'u1', seq: Math.floor(i / 3), role: 'user', content: `message ${i} `.padEnd(200, 'x'), timestamp: new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString() }
        map.set(m.messageId, m)
      }
    })
    return { update: Y.encodeStateAsUpdate(doc), first, messages: 600 }
  }

  test("the received bytes are the log entry (a snapshot of a new document), and the rows and a reload agree", async () => {
    const name = freshDbName('wire')
    const { db, store } = await storeOf(name)
    const docName = userDocName('u1')
    const doc = await store.getDoc(docName)
    const { update, messages } = bigUpdate()
    expect(update.byteLength).toBeGreaterThan(64 * 1024)
    store.expectRemoteUpdate(docName, update)
    Y.applyUpdate(doc, update, 'a provider')
    await store.flush()
    await expect.poll(() => countMessages(db)).toBe(messages)
    const log = await db.updates.toArray()
    expect(log).toHaveLength(1)
    expect(log[0].snapshot).toBe(true)
    expect(log[0].data).toEqual(update)
    const blocks: MessageBlockRow[] = await db.messageBlocks.toArray()
    expect(blocks.length).toBe(3 * Math.ceil(200 / MESSAGE_BLOCK_SIZE))

    // the log alone rebuilds the same document
    const again = await storeOf(name)
    const reloaded = await again.store.getDoc(docName)
    expect(Y.encodeStateVector(reloaded)).toEqual(Y.encodeStateVector(doc))
    expect(reloaded.getMap('messages').size).toBe(messages)
  })

  test('the bytes stored are those received, not the transaction encoded again', async () => {
    const { db, store } = await storeOf(freshDbName('wire'))
    const docName = userDocName('u1')
    const doc = await store.getDoc(docName)
    const { update, first, messages } = bigUpdate()
    // the first message is known already: Yjs would encode only the rest for the 'update' event
    Y.applyUpdate(doc, first, 'a provider')
    await store.flush()
    const before = await db.updates.count()
    store.expectRemoteUpdate(docName, update)
    Y.applyUpdate(doc, update, 'a provider')
    await store.flush()
    const log = await db.updates.toArray()
    expect(log).toHaveLength(before + 1)
    expect(log[log.length - 1].data).toEqual(update)
    expect(await countMessages(db)).toBe(messages)
  })

  test('announced bytes are taken only by the transaction that follows at once; later updates are encoded as usual', async () => {
    const { db, store } = await storeOf(freshDbName('wire'))
    const docName = userDocName('u1')
    const doc = await store.getDoc(docName)
    store.expectRemoteUpdate(docName, new Uint8Array([1, 2, 3])) // announced, but nothing applied in this task
    await new Promise((r) => setTimeout(r, 0))
    const peer = new Y.Doc()
    peer.getMap('messages').set('m1', { messageId: 'm1', sessionId: 's1', uid: 'u1', seq: 0, role: 'user', content: 'hello', timestamp: '2025-01-01T00:00:00.000Z' })
    const small = Y.encodeStateAsUpdate(peer)
    Y.applyUpdate(doc, small, 'a provider')
    await store.flush()
    await expect.poll(() => countMessages(db)).toBe(1)
    const [entry] = await db.updates.toArray()
    expect(entry.data).not.toEqual(new Uint8Array([1, 2, 3]))
    const check = new Y.Doc()
    Y.applyUpdate(check, entry.data)
    expect(check.getMap('messages').toJSON()).toEqual(peer.getMap('messages').toJSON())
  })
})
