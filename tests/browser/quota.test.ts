import Dexie from 'dexie'
import { afterEach, describe, expect, test } from 'vitest'
import * as Y from 'yjs'
import { MemoryClient, QuotaExceededError, SessionNotFoundError, type MemoryClientOptions, type Session, type User } from '../../src/index'
import { sessionDocName, userDocName } from '../../src/sync/layout'
import { plainCopy } from '../support/hostilePeer'
import { DELETION_RESERVE_BYTES, MIN_RESERVE_BYTES, ReplicatedStore } from '../../src/sync/ReplicatedStore'
import { KeepsakeDB } from '../../src/store/db'
import { databaseContains, dumpDatabase } from './rawIndexedDB'
import { freshDbName, quota, refuseAtIndexedDB } from './helpers'
import { countMessages, sessionMessages } from '../../src/store/messageBlocks'
import { ScriptedEngine } from '../testDoubles'
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
    expect(await dumpDatabase(internals(c).db.name)).toEqual(before)
    expect((await (await c.getUser('alice')).getSession(session.sessionId)).sessionId).toBe(session.sessionId)
    restore.pop()!()
    await user.delete()
    await expect(c.getUser('alice')).rejects.toThrow(/not found/)
    expect(await countMessages(internals(c).db)).toBe(0)
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

// ---- deleting on a real full disk ----
//
// Not a simulation: the databases of these tests live in a storage bucket with a quota of its own
// (the Storage Buckets API), and the bucket is filled until IndexedDB itself refuses a one-byte put.
// Measured there (and with the origin's quota lowered over CDP, which behaves the same): any
// transaction that adds, even one that deletes more than it adds, is refused; a transaction that
// only deletes commits and frees room at once. The bucket is this test file's own: other test files
// running in parallel keep the origin's quota.

interface StorageBucket {
  name: string
  indexedDB: IDBFactory
  estimate(): Promise<{ usage: number; quota: number }>
}
interface StorageBucketManager {
  open(name: string, options?: { quota?: number }): Promise<StorageBucket>
  delete(name: string): Promise<void>
}

function req<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result)
    r.onerror = () => reject(r.error)
  })
}

/** Size of a stored value as IndexedDB is asked to store it: its bytes, plus the JSON of the rest. */
function valueBytes(value: unknown): number {
  let bytes = 0
  const json = JSON.stringify(value, (_k, x) => {
    if (x instanceof Uint8Array) return (bytes += x.byteLength), null
    return x
  })
  return bytes + (json?.length ?? 0)
}

/** Counts the adds and puts of committed transactions (what a step really wrote), per object store. */
function measureWrites() {
  const proto = IDBObjectStore.prototype
  const add = proto.add
  const put = proto.put
  const del = proto.delete
  let reserveFreed = false
  type Write = { store: string; bytes: number; snapshot: boolean }
  const committed: Write[] = []
  const pending = new Map<IDBTransaction, Write[]>()
  const track = (store: IDBObjectStore, value: unknown) => {
    const tx = store.transaction
    let list = pending.get(tx)
    if (!list) {
      pending.set(tx, (list = []))
      tx.addEventListener('complete', () => committed.push(...pending.get(tx)!))
    }
    list.push({ store: store.name, bytes: valueBytes(value), snapshot: (value as { snapshot?: boolean })?.snapshot === true })
  }
  proto.add = function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
    const r = add.call(this, value, key)
    track(this, value)
    return r
  }
  proto.put = function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
    const r = put.call(this, value, key)
    track(this, value)
    return r
  }
  proto.delete = function (this: IDBObjectStore, query: IDBValidKey | IDBKeyRange) {
    const r = del.call(this, query)
    if (this.name === 'meta') this.transaction.addEventListener('complete', () => (reserveFreed = true))
    return r
  }
  return {
    stop() {
      proto.add = add
      proto.put = put
      proto.delete = del
    },
    /** rows and bytes the deletion wrote (the compaction's snapshot apart, the reserve's put back not counted), and whether it needed the reserve */
    summary() {
      const snapshots = committed.filter((w) => w.snapshot)
      const rest = committed.filter((w) => w.store !== 'meta' && !w.snapshot)
      const byStore: Record<string, { rows: number; bytes: number }> = {}
      for (const w of rest) {
        const s = (byStore[w.store] ??= { rows: 0, bytes: 0 })
        s.rows++
        s.bytes += w.bytes
      }
      const sum = (ws: Write[]) => ws.reduce((n, w) => n + w.bytes, 0)
      return { rows: rest.length, bytes: sum(rest), byStore, compactionSnapshot: sum(snapshots), reserveFreed }
    },
  }
}

describe('deleting on a full disk (a storage bucket at its real quota)', () => {
  const mine: MemoryClient[] = []
  const cleanup: (() => Promise<void> | void)[] = []
  afterEach(async () => {
    for (const c of mine.splice(0)) c.close()
    for (const f of cleanup.splice(0).reverse()) await f()
  })

  /** A bucket with `quota` bytes that this file's databases (Dexie and the raw scans) use until the test ends. */
  async function useBucket(quota: number): Promise<StorageBucket> {
    const manager = (navigator as Navigator & { storageBuckets: StorageBucketManager }).storageBuckets
    const bucket = await manager.open(`quota-${Math.random().toString(36).slice(2, 10)}`, { quota })
    const deps = Dexie.dependencies as { indexedDB: IDBFactory }
    const before = deps.indexedDB
    const own = Object.getOwnPropertyDescriptor(window, 'indexedDB')
    deps.indexedDB = bucket.indexedDB
    Object.defineProperty(window, 'indexedDB', { value: bucket.indexedDB, configurable: true, writable: true })
    cleanup.push(async () => {
      deps.indexedDB = before
      if (own) Object.defineProperty(window, 'indexedDB', own)
      else delete (window as { indexedDB?: IDBFactory }).indexedDB
      await manager.delete(bucket.name)
    })
    return bucket
  }

  async function bucketClient(options: MemoryClientOptions = {}) {
    const c = await MemoryClient.open({ dbName: freshDbName('full'), autoProcess: false, ...options })
    mine.push(c)
    return c
  }

  /** Fills the bucket with other data until IndexedDB refuses even a 16-byte value. */
  async function fillDisk(bucket: StorageBucket): Promise<void> {
    const open = bucket.indexedDB.open('filler', 1)
    open.onupgradeneeded = () => open.result.createObjectStore('junk', { autoIncrement: true })
    const db = await req(open)
    const addOne = (size: number) =>
      new Promise<boolean>((resolve) => {
        const tx = db.transaction('junk', 'readwrite')
        const bytes = new Uint8Array(size)
        for (let o = 0; o < size; o += 65536) crypto.getRandomValues(bytes.subarray(o, Math.min(size, o + 65536)))
        tx.objectStore('junk').add(bytes)
        tx.oncomplete = () => resolve(true)
        tx.onabort = () => resolve(false)
      })
    for (const size of [256 * 1024, 16 * 1024, 1024, 64, 16]) while (await addOne(size)) {}
    db.close()
  }

  const reserveHeld = async (c: MemoryClient) => ((await internals(c).db.meta.get('deletionReserve'))?.value as Uint8Array | undefined)?.byteLength ?? 0

  /** The disk is full for the app: an ordinary write is refused with the typed error. */
  async function expectFull(session: Session) {
    await expect(session.addMessage('user', 'one more')).rejects.toBeInstanceOf(QuotaExceededError)
  }

  const marker = (who: string) => `MARK${who}${crypto.randomUUID().replaceAll('-', '')}`

  test('session.delete() succeeds; its messages are gone from IndexedDB; the deletion survives reopen', async () => {
    const bucket = await useBucket(4 * 1024 * 1024)
    const c = await bucketClient()
    const user = await c.createUser('alice')
    const gone = await user.createSession()
    const kept = await user.createSession()
    const goneMark = marker('GONE')
    const keptMark = marker('KEPT')
    for (let i = 0; i < 150; i++) await gone.addMessage('user', `${goneMark} message ${i} about the weather and the garden`)
    for (let i = 0; i < 20; i++) await kept.addMessage('user', `${keptMark} message ${i}`)
    expect(await databaseContains(internals(c).db.name, goneMark)).toBe(true)

    await fillDisk(bucket)
    await expectFull(kept)
    const usageBefore = (await bucket.estimate()).usage
    const writes = measureWrites()
    await gone.delete()
    writes.stop()
    const usageAfter = (await bucket.estimate()).usage
    console.log('session.delete() on a full disk wrote', JSON.stringify(writes.summary()), `; reserve held after: ${await reserveHeld(c)}; bucket usage ${usageBefore} -> ${usageAfter} of ${(await bucket.estimate()).quota}`)

    // nothing of the session is left on disk: not in the projection, not in the (compacted) log
    expect(await databaseContains(internals(c).db.name, goneMark)).toBe(false)
    expect(await databaseContains(internals(c).db.name, keptMark)).toBe(true)
    await expect(user.getSession(gone.sessionId)).rejects.toBeInstanceOf(SessionNotFoundError)
    expect((await kept.getMessages()).total).toBe(20)
    // the reserve came back from the room the deletion freed, so the next deletion has it too
    expect(((await internals(c).db.meta.get('deletionReserve'))?.value as Uint8Array).byteLength).toBe(DELETION_RESERVE_BYTES)
    // the room it freed is usable: the message that was refused is stored now
    await kept.addMessage('user', `${keptMark} after`)

    const name = internals(c).db.name
    c.close()
    const again = await bucketClient({ dbName: name })
    const alice = await again.getUser('alice')
    await expect(alice.getSession(gone.sessionId)).rejects.toBeInstanceOf(SessionNotFoundError)
    expect((await (await alice.getSession(kept.sessionId)).getMessages()).total).toBe(21)
    const udoc = await internals(again).store.getDoc(userDocName(user.uid))
    expect(JSON.stringify(udoc.toJSON())).not.toContain(goneMark)
  })

  test('user.delete() succeeds; none of the user\'s text is left; the other user is whole; survives reopen', async () => {
    const bucket = await useBucket(4 * 1024 * 1024)
    const c = await bucketClient()
    const goneMark = marker('ALICE')
    const keptMark = marker('BOB')
    const alice = await c.createUser(`alice-${goneMark}`, { name: `name ${goneMark}`, about: `about ${goneMark}`, metadata: { note: goneMark }, docs: [{ title: `doc ${goneMark}`, content: `content ${goneMark}` }] })
    for (let s = 0; s < 3; s++) {
      const session = await alice.createSession({ metadata: { topic: goneMark } })
      for (let i = 0; i < 40; i++) await session.addMessage('user', `${goneMark} says ${i}`)
    }
    const bob = await c.createUser('bob', { name: `name ${keptMark}` })
    const bobSession = await bob.createSession()
    await bobSession.addMessage('user', `${keptMark} hello`)

    await fillDisk(bucket)
    await expectFull(bobSession)
    const usageBefore = (await bucket.estimate()).usage
    const writes = measureWrites()
    await alice.delete()
    writes.stop()
    const usageAfter = (await bucket.estimate()).usage
    console.log('user.delete() on a full disk wrote', JSON.stringify(writes.summary()), `; reserve held after: ${await reserveHeld(c)}; bucket usage ${usageBefore} -> ${usageAfter}`)
    await expect(c.getUser(`alice-${goneMark}`)).rejects.toThrow(/not found/)
    // the directory's old entry leaves the space log with its compaction, which fits now too
    await internals(c).store.compact('space')
    expect(await databaseContains(internals(c).db.name, goneMark)).toBe(false)
    expect(await databaseContains(internals(c).db.name, keptMark)).toBe(true)
    expect(((await internals(c).db.meta.get('deletionReserve'))?.value as Uint8Array).byteLength).toBe(DELETION_RESERVE_BYTES)

    const name = internals(c).db.name
    c.close()
    const again = await bucketClient({ dbName: name })
    expect((await again.listUsers()).users.map((u) => u.userId)).toEqual(['bob'])
    expect((await (await (await again.getUser('bob')).getSession(bobSession.sessionId)).getMessages()).messages.map((m) => m.content)).toEqual([`${keptMark} hello`])
    expect(await databaseContains(name, goneMark)).toBe(false)
  })

  test('deleteMemory() succeeds, for one version and with deletePreviousVersions; the deleted words leave the disk', async () => {
    const bucket = await useBucket(4 * 1024 * 1024)
    // every message is a fact; "lives in" facts continue the one chain (a fact that changed over time)
    const engine = new ScriptedEngine({
      extractFn: ({ messages }) => messages.map((m, i) => ({ content: m.content, categories: ['personal'], sources: [i] })),
      decideFn: ({ fact, candidates }) => {
        const prev = candidates.find((x) => x.content.includes('lives in'))
        return fact.content.includes('lives in') && prev ? { kind: 'TEMPORAL_CONFLICT', memoryIds: [prev.memoryId] } : { kind: 'INSERT' }
      },
    })
    const c = await bucketClient({ engine })
    const user = await c.createUser('alice')
    const places = ['PARIS', 'LYON', 'BERLIN', 'OSLO'].map((p) => `${p}${marker('')}`)
    for (const p of places) {
      const s = await user.createSession()
      await s.addMessage('user', `User lives in ${p}`)
      await s.process()
    }
    const keep = await user.createSession()
    await keep.addMessage('user', 'User likes cheese')
    await keep.process()
    const pending = await user.createSession() // one that takes messages (a processed one does not)
    const chain = (await user.listMemories()).items.find((i) => i.content.includes('lives in'))!
    expect(chain.totalVersions).toBe(4)
    const [oslo, berlin, lyon] = [chain, ...chain.previousVersions!]
    // the memories' words are also in the messages they came from: delete those sessions' messages first
    for (const s of (await user.listSessions({ limit: 100 })).sessions) if (s.sessionId !== keep.sessionId && s.sessionId !== pending.sessionId) await s.delete()
    expect(await databaseContains(internals(c).db.name, places[1])).toBe(true) // still a memory

    await fillDisk(bucket)
    await expectFull(pending)
    const one = measureWrites()
    await user.deleteMemory(berlin.memoryId) // a middle version: the chain is relinked (rows rewritten)
    one.stop()
    console.log('deleteMemory() of a middle version on a full disk wrote', JSON.stringify(one.summary()), `; reserve held after: ${await reserveHeld(c)}`)
    expect(await databaseContains(internals(c).db.name, places[2])).toBe(false)
    let now = (await user.listMemories()).items.find((i) => i.content.includes('lives in'))!
    expect(now).toMatchObject({ memoryId: oslo.memoryId, versionNumber: 3, totalVersions: 3 })

    await fillDisk(bucket) // full again: what the deletion freed is taken
    await expectFull(pending)
    const history = measureWrites()
    await user.deleteMemory(lyon.memoryId, { deletePreviousVersions: true })
    history.stop()
    console.log('deleteMemory({ deletePreviousVersions }) on a full disk wrote', JSON.stringify(history.summary()), `; reserve held after: ${await reserveHeld(c)}`)
    now = (await user.listMemories()).items.find((i) => i.content.includes('lives in'))!
    expect(now).toMatchObject({ memoryId: oslo.memoryId, versionNumber: 1, totalVersions: 1, hasPreviousVersions: false })
    for (const p of places.slice(0, 3)) expect(await databaseContains(internals(c).db.name, p)).toBe(false)
    expect(await databaseContains(internals(c).db.name, places[3])).toBe(true)

    const name = internals(c).db.name
    c.close()
    const again = await bucketClient({ dbName: name, engine })
    const items = (await (await again.getUser('alice')).listMemories()).items.map((i) => i.content).sort()
    expect(items).toEqual(['User likes cheese', `User lives in ${places[3]}`])
  })

  // A crash between the steps of a deletion, on a full disk: each step is its own transaction, so
  // a crash is a close of the database after any one of them.
  test('a crash after the reserve was freed and before the deletion wrote: nothing changed, the reserve is back at the next start, and the deletion works', async () => {
    const bucket = await useBucket(4 * 1024 * 1024)
    const c = await bucketClient()
    const user = await c.createUser('alice')
    const session = await user.createSession()
    const mark = marker('CRASH')
    for (let i = 0; i < 20; i++) await session.addMessage('user', `${mark} ${i}`)
    await fillDisk(bucket)
    const before = await dumpDatabase(internals(c).db.name)
    // step 1 of a deletion on a full disk, as the store does it (a delete-only transaction); then the crash
    await internals(c).db.meta.delete('deletionReserve')
    const name = internals(c).db.name
    c.close()
    const after = await dumpDatabase(name)
    // the log and every projected table are as they were: only the reserve is missing
    expect({ ...after, meta: '' }).toEqual({ ...before, meta: '' })
    const again = await bucketClient({ dbName: name })
    // put back from the room it had freed (IndexedDB's accounting of that room is not exact: at least the minimum)
    const held = ((await internals(again).db.meta.get('deletionReserve'))?.value as Uint8Array).byteLength
    console.log(`reserve put back at the next start: ${held} bytes`)
    expect(held).toBeGreaterThanOrEqual(MIN_RESERVE_BYTES)
    const s = await (await again.getUser('alice')).getSession(session.sessionId)
    expect((await s.getMessages()).total).toBe(20)
    await fillDisk(bucket) // what the reserve did not take back is taken
    await expectFull(s)
    await s.delete()
    expect(await databaseContains(name, mark)).toBe(false)
  })

  test("a crash after user.delete()'s tombstone and before its document was dropped: the next start finishes the deletion on the full disk", async () => {
    const bucket = await useBucket(4 * 1024 * 1024)
    const c = await bucketClient()
    const mark = marker('HALF')
    const alice = await c.createUser(`alice-${mark}`, { name: `name ${mark}` })
    const s = await alice.createSession()
    for (let i = 0; i < 20; i++) await s.addMessage('user', `${mark} ${i}`)
    await fillDisk(bucket)
    // the crash: the second step (deleteUser, delete-only) never runs
    internals(c).store.deleteUser = () => Promise.reject(new Error('crashed'))
    await expect(alice.delete()).rejects.toThrow('crashed')
    const name = internals(c).db.name
    c.close()
    // the user is tombstoned and the projection agrees; the emptied document is still in the log
    const again = await bucketClient({ dbName: name })
    await expect(again.getUser(`alice-${mark}`)).rejects.toThrow(/not found/)
    expect(await internals(again).store.storedDocNames()).not.toContain(userDocName(alice.uid))
    await internals(again).store.compact('space')
    expect(await databaseContains(name, mark)).toBe(false)
  })

  test('with no reserve left and no room at all, a deletion is refused with the typed error and changes nothing', async () => {
    const bucket = await useBucket(4 * 1024 * 1024)
    const c = await bucketClient()
    const user = await c.createUser('alice')
    const session = await user.createSession()
    await session.addMessage('user', 'kept')
    await internals(c).db.meta.delete('deletionReserve') // as in a database that filled up before it had one
    await fillDisk(bucket)
    const before = await dumpDatabase(internals(c).db.name)
    await expect(session.delete()).rejects.toBeInstanceOf(QuotaExceededError)
    expect(await dumpDatabase(internals(c).db.name)).toEqual(before)
    expect((await session.getMessages()).messages.map((m) => m.content)).toEqual(['kept'])
  })
})
