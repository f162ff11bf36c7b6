import { afterEach, describe, expect, test } from 'vitest'
import * as Y from 'yjs'
import { MemoryClient, QuotaExceededError, type MemoryClientOptions, type Session, type User } from '../../src/index'
import { sessionDocName, userDocName } from '../../src/sync/layout'
import { plainCopy } from '../support/hostilePeer'
import { RESERVE_CHUNKS, RESERVE_KEYS, ReplicatedStore } from '../../src/sync/ReplicatedStore'
import { KeepsakeDB } from '../../src/store/db'
import { databaseContains, dumpDatabase } from './rawIndexedDB'
import { freshDbName, quota, refuseAtIndexedDB } from './helpers'
import { countMessages, sessionMessages } from '../../src/store/messageBlocks'
import { internals } from '../support/internals'

// The browser refuses a write with a DOMException named QuotaExceededError; ReplicatedStore maps it
// to the typed QuotaExceededError, and nothing of the write may stay: no log entry, no row, and no
// trace in the in-memory document that a later write would persist.

const open: MemoryClient[] = []
const restore: (() => void)[] = []
async function client(options: MemoryClientOptions = {}) {
  const c = await MemoryClient.open({ dbName: freshDbName('quota'), autoProcess: false, ...options })
  open.push(c)
  return c
}
afterEach(() => {
  for (const r of restore.splice(0)) r()
  for (const c of open.splice(0)) c.close()
})

async function setup(options: MemoryClientOptions = {}) {
  const c = await client(options)
  const user = await c.createUser('alice')
  const session = await user.createSession()
  await session.addMessage('user', 'first message')
  return { c, user, session }
}

/** After a refused write: the next write works, and the refused content is nowhere. */
async function expectConsistentAfter(c: MemoryClient, user: User, session: Session, refused: string) {
  const next = await session.addMessage('user', 'second message')
  expect(next.seq).toBe(1) // the refused message took no seq
  expect((await session.getMessages()).messages.map((m) => [m.seq, m.content])).toEqual([
    [0, 'first message'],
    [1, 'second message'],
  ])
  // the session and its messages are in the part of its month
  const part = sessionDocName(user.uid, session.part)
  expect(part).not.toBe(userDocName(user.uid))
  const udoc = await internals(c).store.getDoc(part)
  expect(JSON.stringify(udoc.getMap('messages').toJSON())).not.toContain(refused)
  expect(plainCopy(udoc.getMap('sessions').get(session.sessionId)).messageCount).toBe(2)
  expect(await databaseContains(internals(c).db.name, refused)).toBe(false)
  expect(await databaseContains(internals(c).db.name, 'second message')).toBe(true)
  // a second client, loading the documents from the log alone, sees the same
  const other = await client({ dbName: internals(c).db.name })
  const again = await (await other.getUser('alice')).getSession(session.sessionId)
  expect((await again.getMessages()).messages.map((m) => m.content)).toEqual(['first message', 'second message'])
  for (const name of [userDocName(user.uid), part]) expect(JSON.stringify((await internals(other).store.getDoc(name)).toJSON())).not.toContain(refused)
}

describe('a write refused for quota', () => {
  test('refused when the update log entry is added (Dexie hook): typed error, nothing half-written', async () => {
    const { c, user, session } = await setup()
    const before = await dumpDatabase(internals(c).db.name)
    const refuse = () => {
      throw quota()
    }
    internals(c).db.updates.hook('creating', refuse)
    restore.push(() => internals(c).db.updates.hook('creating').unsubscribe(refuse))
    const err = await session.addMessage('user', 'REFUSED-1').then(
      () => null,
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(QuotaExceededError)
    expect((err as QuotaExceededError).code).toBe('QUOTA_EXCEEDED')
    expect(await dumpDatabase(internals(c).db.name)).toEqual(before)
    expect((await sessionMessages(internals(c).db, session.sessionId)).filter((m) => m.content === 'REFUSED-1')).toHaveLength(0)
    expect(await internals(c).db.updates.count()).toBe(JSON.parse(before.updates).length)
    restore.pop()!()
    await expectConsistentAfter(c, user, session, 'REFUSED-1')
  })

  test('refused by IndexedDB itself on the log (IDBObjectStore.add throws QuotaExceededError)', async () => {
    const { c, user, session } = await setup()
    const before = await dumpDatabase(internals(c).db.name)
    restore.push(refuseAtIndexedDB('updates'))
    await expect(session.addMessage('user', 'REFUSED-2')).rejects.toBeInstanceOf(QuotaExceededError)
    expect(await dumpDatabase(internals(c).db.name)).toEqual(before)
    restore.pop()!()
    await expectConsistentAfter(c, user, session, 'REFUSED-2')
  })

  test('refused on a projected row after the log entry was added: the log entry is rolled back too', async () => {
    const { c, user, session } = await setup()
    const before = await dumpDatabase(internals(c).db.name)
    const logBefore = await internals(c).db.updates.count()
    restore.push(refuseAtIndexedDB('messageBlocks'))
    await expect(session.addMessage('user', 'REFUSED-3')).rejects.toBeInstanceOf(QuotaExceededError)
    expect(await internals(c).db.updates.count()).toBe(logBefore)
    expect(await countMessages(internals(c).db)).toBe(1)
    expect(await dumpDatabase(internals(c).db.name)).toEqual(before)
    restore.pop()!()
    await expectConsistentAfter(c, user, session, 'REFUSED-3')
  })

  test('a user.delete() refused even with the reserved room (every log add refused) leaves the user whole; it works once there is room', async () => {
    const { c, user, session } = await setup()
    const before = await dumpDatabase(internals(c).db.name)
    restore.push(refuseAtIndexedDB('updates'))
    await expect(user.delete()).rejects.toBeInstanceOf(QuotaExceededError)
    // every chunk was freed for it, and put back: the database is as it was, reserve included
    expect(await dumpDatabase(internals(c).db.name)).toEqual(before)
    expect((await internals(c).store.reserveHeld()).chunks).toBe(RESERVE_CHUNKS)
    expect((await (await c.getUser('alice')).getSession(session.sessionId)).sessionId).toBe(session.sessionId)
    restore.pop()!()
    await user.delete()
    await expect(c.getUser('alice')).rejects.toThrow(/not found/)
    expect(await countMessages(internals(c).db)).toBe(0)
  })

  // The browser's accounting decides how much room a freed chunk gives (tests/browser/fullDisk.disk.test.ts
  // measures Chromium's); here the disk stays full until two chunks are freed, as when the usage
  // stands over the quota by more than one chunk.
  test('a deletion refused until a second chunk of the reserve is freed is stored whole and compacted; the chunks come back once there is room', async () => {
    const { c, user, session } = await setup()
    await session.addMessage('user', 'words to delete')
    expect((await internals(c).store.reserveHeld()).chunks).toBe(RESERVE_CHUNKS)
    let freed = 0
    const proto = IDBObjectStore.prototype
    const del = proto.delete
    proto.delete = function (this: IDBObjectStore, query: IDBValidKey | IDBKeyRange) {
      if (this.name === 'meta') this.transaction.addEventListener('complete', () => freed++)
      return del.call(this, query)
    }
    restore.push(() => (proto.delete = del))
    // every add and put is refused while fewer than two chunks are freed; the reserve's own puts stay refused
    restore.push(refuseAtIndexedDB('updates', () => freed < 2))
    restore.push(refuseAtIndexedDB('meta'))
    await session.delete()
    expect(freed).toBe(2)
    await expect(user.getSession(session.sessionId)).rejects.toThrow(/not found/)
    expect(await databaseContains(internals(c).db.name, 'words to delete')).toBe(false) // the log was compacted too
    expect((await internals(c).store.reserveHeld()).chunks).toBe(RESERVE_CHUNKS - 2)
    for (const r of restore.splice(0).reverse()) r() // room again
    await internals(c).store.ensureReserve()
    expect((await internals(c).store.reserveHeld()).chunks).toBe(RESERVE_CHUNKS)
  })

  test("an older database's single reserve row is room until the chunks are all held, then it goes", async () => {
    const { c } = await setup()
    const db = internals(c).db
    await db.meta.bulkDelete(RESERVE_KEYS)
    await db.meta.put({ key: 'deletionReserve', value: new Uint8Array(64 * 1024).fill(0xa5) })
    // no room for a chunk: the old row stays, and a deletion may free it
    restore.push(refuseAtIndexedDB('meta'))
    await internals(c).store.ensureReserve()
    expect(await db.meta.get('deletionReserve')).toBeDefined()
    restore.pop()!()
    await internals(c).store.ensureReserve()
    expect((await internals(c).store.reserveHeld()).chunks).toBe(RESERVE_CHUNKS)
    expect(await db.meta.get('deletionReserve')).toBeUndefined()
  })

  test('a refused import leaves nothing and reports the typed error', async () => {
    const { c } = await setup()
    const file = await c.exportSpace()
    const target = await client()
    const before = await dumpDatabase(internals(target).db.name)
    restore.push(refuseAtIndexedDB('messageBlocks'))
    await expect(target.importBackup(file)).rejects.toBeInstanceOf(QuotaExceededError)
    expect(await dumpDatabase(internals(target).db.name)).toEqual(before)
    restore.pop()!()
    expect(await target.importBackup(file)).toMatchObject({ usersCreated: 1, recordsAdded: 2, conflicts: [] })
  })
})

describe('what leaves the store after a refused write', () => {
  // Compaction runs after the write committed; when its own transaction is refused, the write was
  // stored and must be reported as such (a caller that retried would store the message twice).
  test('a write that was stored is not reported as failed when the compaction after it is refused', async () => {
    const { c, session } = await setup({ compaction: { maxUpdates: 4, maxBytes: 1024 * 1024 } })
    restore.push(refuseAtIndexedDB('updates', (v) => (v as { snapshot?: boolean }).snapshot === true))
    const results: unknown[] = []
    for (let i = 0; i < 6; i++) results.push(await session.addMessage('user', `m${i}`).then(() => 'ok', (e: unknown) => e))
    expect(results).toEqual(Array(6).fill('ok'))
    const stored = (await session.getMessages()).messages.map((m) => m.content)
    expect(stored.slice(-6)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5'])
    expect(await internals(c).db.updates.filter((r) => !!r.snapshot).count()).toBe(0)
  })

  // A sync provider sends only what the store reports as committed (onCommitted), never a Y update
  // whose IndexedDB transaction was refused.
  test('an update refused for quota is never handed to a sync provider', async () => {
    const { c, user, session } = await setup()
    const doc = await internals(c).store.getDoc(userDocName(user.uid))
    // the peer (the server) holds what was synced so far; it then receives what the provider is given
    const peer = new Y.Doc()
    Y.applyUpdate(peer, Y.encodeStateAsUpdate(doc))
    const sent: Uint8Array[] = []
    internals(c).store.listen({ onCommitted: (_name, u) => sent.push(u) })
    restore.push(refuseAtIndexedDB('updates'))
    await expect(session.addMessage('user', 'REFUSED-SENT')).rejects.toBeInstanceOf(QuotaExceededError)
    restore.pop()!()
    await session.addMessage('user', 'stored after')
    for (const u of sent) Y.applyUpdate(peer, u)
    const text = JSON.stringify(peer.getMap('messages').toJSON())
    expect(text).not.toContain('REFUSED-SENT')
    expect(text).toContain('stored after')
  })
})

describe('a large update from another device refused for quota', () => {
  test('leaves nothing, drops the document from memory, and is stored when it comes again', async () => {
    const db = new KeepsakeDB(freshDbName('wire-quota'))
    await db.open()
    const store = new ReplicatedStore(db)
    const docName = userDocName('u1')
    const doc = await store.getDoc(docName)
    // enough messages for the projection's direct IndexedDB path (hundreds of block rows)
    const source = new Y.Doc()
    const N = 4200
    source.transact(() => {
      for (let i = 0; i < N; i++) {
        const m = { messageId: `m${i}`, sessionId: `s${i % 2}`, uid: 'u1', seq: Math.floor(i / 2), role: 'user' as const, content: `words ${i}`, timestamp: new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString() }
        source.getMap('messages').set(m.messageId, { sessionId: m.sessionId, seq: m.seq, role: m.role, content: m.content, timestamp: m.timestamp })
      }
    })
    const update = Y.encodeStateAsUpdate(source)
    const before = await dumpDatabase(db.name)
    restore.push(refuseAtIndexedDB('messageBlocks'))
    store.expectRemoteUpdate(docName, update)
    Y.applyUpdate(doc, update, 'a provider')
    await store.flush()
    expect(await dumpDatabase(db.name)).toEqual(before)
    // dropped from memory, so nothing unstored lingers; a provider attaches to the reloaded document and syncs again
    expect(store.loadedDocNames()).not.toContain(docName)
    restore.pop()!()
    const again = await store.getDoc(docName)
    expect(again.getMap('messages').size).toBe(0)
    store.expectRemoteUpdate(docName, update)
    Y.applyUpdate(again, update, 'a provider')
    await store.flush()
    expect(await countMessages(db)).toBe(N)
    expect((await db.messageBlocks.count()) >= 256).toBe(true)
    store.close()
    db.close()
  })
})

