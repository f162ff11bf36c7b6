import Dexie from 'dexie'
import { afterEach, describe, expect, test } from 'vitest'
import { MemoryClient, QuotaExceededError, SessionNotFoundError, type MemoryClientOptions, type Session } from '../../src/index'
import { userDocName } from '../../src/sync/layout'
import { RESERVE_CHUNK_BYTES, RESERVE_CHUNKS, RESERVE_KEYS } from '../../src/sync/ReplicatedStore'
import { databaseContains, dumpDatabase } from './rawIndexedDB'
import { freshDbName } from './helpers'
import { ScriptedEngine } from '../testDoubles'
import { internals } from '../support/internals'

// Deleting on a real full disk.
//
// Not a simulation: the databases of these tests live in a storage bucket with a quota of its own
// (the Storage Buckets API), and the bucket is filled until IndexedDB itself refuses a 16-byte put.
// They run in the browser-disk project, on a profile on disk as a person's is (an incognito page
// keeps IndexedDB in memory, where deleting frees no room at all). Measured here, Chromium 150: any
// transaction that adds, even one that deletes more than it adds, is refused; a transaction that
// only deletes commits; deleting a value over 64 KiB (stored in a file of its own) gives its room
// back at once, deleting smaller ones (LevelDB rows) does not, until the browser compacts.

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

  const reserveHeld = async (c: MemoryClient) => JSON.stringify(await internals(c).store.reserveHeld())
  const chunksHeld = async (c: MemoryClient) => (await internals(c).store.reserveHeld()).chunks

  /** What a person does when the disk is full: deletes other data (the filler's large values, whose room comes back at once). */
  async function freeRoom(bucket: StorageBucket): Promise<void> {
    const db = await req(bucket.indexedDB.open('filler', 1))
    const tx = db.transaction('junk', 'readwrite')
    tx.objectStore('junk').clear()
    await new Promise((resolve) => (tx.oncomplete = resolve))
    db.close()
  }

  /** The disk is full for the app: an ordinary write is refused with the typed error. */
  async function expectFull(session: Session) {
    await expect(session.addMessage('user', 'one more')).rejects.toBeInstanceOf(QuotaExceededError)
  }

  /**
   * A deletion at the quota. Chromium 150 counts the bytes of LevelDB's log and tombstones in the
   * usage until it compacts them, so right after a run of writes the usage can stand further over the
   * quota than the reserve frees (measured: up to 0.9 MB over a 4 MB bucket): then the deletion is
   * refused. Either way the contract holds: it is stored whole, or refused with the typed error and
   * nothing but the reserve changed; refused, it works once the person frees room. Prints which.
   */
  async function deleteAtQuota(c: MemoryClient, bucket: StorageBucket, label: string, del: () => Promise<unknown>): Promise<'stored at the quota' | 'stored once there was room'> {
    const name = internals(c).db.name
    const before = await dumpDatabase(name)
    const usage = (await bucket.estimate()).usage
    const writes = measureWrites()
    try {
      await del()
      writes.stop()
      console.log(`${label} at the quota (usage ${usage} of ${(await bucket.estimate()).quota}): stored; wrote ${JSON.stringify(writes.summary())}; reserve held after: ${await reserveHeld(c)}`)
      return 'stored at the quota'
    } catch (e) {
      writes.stop()
      expect(e).toBeInstanceOf(QuotaExceededError)
      expect({ ...(await dumpDatabase(name)), meta: '' }).toEqual({ ...before, meta: '' })
      console.log(`${label} at the quota (usage ${usage} of ${(await bucket.estimate()).quota}): refused whole, reserve held after: ${await reserveHeld(c)}; with room:`)
      await freeRoom(bucket)
      await del()
      return 'stored once there was room'
    }
  }

  const marker = (who: string) => `MARK${who}${crypto.randomUUID().replaceAll('-', '')}`

  test('session.delete() on a full disk, twice in a row: stored whole or refused whole; its messages leave IndexedDB; the reserve is whole again once there is room; survives reopen', async () => {
    const bucket = await useBucket(4 * 1024 * 1024)
    const c = await bucketClient()
    expect(await chunksHeld(c)).toBe(RESERVE_CHUNKS)
    const user = await c.createUser('alice')
    const gone = await user.createSession()
    const goneToo = await user.createSession()
    const kept = await user.createSession()
    const goneMark = marker('GONE')
    const keptMark = marker('KEPT')
    for (let i = 0; i < 150; i++) await gone.addMessage('user', `${goneMark} message ${i} about the weather and the garden`)
    for (let i = 0; i < 30; i++) await goneToo.addMessage('user', `${goneMark} again ${i}`)
    for (let i = 0; i < 20; i++) await kept.addMessage('user', `${keptMark} message ${i}`)
    expect(await databaseContains(internals(c).db.name, goneMark)).toBe(true)

    await fillDisk(bucket)
    await expectFull(kept)
    await deleteAtQuota(c, bucket, 'session.delete()', () => gone.delete())
    await expect(user.getSession(gone.sessionId)).rejects.toBeInstanceOf(SessionNotFoundError)
    await fillDisk(bucket) // full again (the words deleted give no room back on Chromium)
    await expectFull(kept)
    await deleteAtQuota(c, bucket, 'a second session.delete()', () => goneToo.delete())
    await expect(user.getSession(goneToo.sessionId)).rejects.toBeInstanceOf(SessionNotFoundError)

    // nothing of the sessions is left on disk: not in the projection, not in the (compacted) log
    expect(await databaseContains(internals(c).db.name, goneMark)).toBe(false)
    expect(await databaseContains(internals(c).db.name, keptMark)).toBe(true)
    expect((await kept.getMessages()).total).toBe(20)

    // the person frees room: writes work again, and the next start makes the reserve whole
    await freeRoom(bucket)
    await kept.addMessage('user', `${keptMark} after`)
    const name = internals(c).db.name
    c.close()
    const again = await bucketClient({ dbName: name })
    expect(await internals(again).store.reserveHeld()).toEqual({ chunks: RESERVE_CHUNKS, bytes: RESERVE_CHUNKS * RESERVE_CHUNK_BYTES })
    const alice = await again.getUser('alice')
    await expect(alice.getSession(gone.sessionId)).rejects.toBeInstanceOf(SessionNotFoundError)
    expect((await (await alice.getSession(kept.sessionId)).getMessages()).total).toBe(21)
    const udoc = await internals(again).store.getDoc(userDocName(user.uid))
    expect(JSON.stringify(udoc.toJSON())).not.toContain(goneMark)
  })

  test('user.delete() on a full disk: stored whole or refused whole; none of the user\'s text is left; the other user is whole; survives reopen', async () => {
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
    await deleteAtQuota(c, bucket, 'user.delete()', () => alice.delete())
    await expect(c.getUser(`alice-${goneMark}`)).rejects.toThrow(/not found/)
    // the directory's old entry leaves the space log with its next compaction (given room)
    await freeRoom(bucket)
    await internals(c).store.compact('space')
    expect(await databaseContains(internals(c).db.name, goneMark)).toBe(false)
    expect(await databaseContains(internals(c).db.name, keptMark)).toBe(true)

    const name = internals(c).db.name
    c.close()
    const again = await bucketClient({ dbName: name })
    expect((await again.listUsers()).users.map((u) => u.userId)).toEqual(['bob'])
    expect((await (await (await again.getUser('bob')).getSession(bobSession.sessionId)).getMessages()).messages.map((m) => m.content)).toEqual([`${keptMark} hello`])
    expect(await databaseContains(name, goneMark)).toBe(false)
  })

  test('deleteMemory() on a full disk, for one version and with deletePreviousVersions; the deleted words leave the disk', async () => {
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
    // a middle version: the chain is relinked (rows rewritten)
    await deleteAtQuota(c, bucket, 'deleteMemory() of a middle version', () => user.deleteMemory(berlin.memoryId))
    expect(await databaseContains(internals(c).db.name, places[2])).toBe(false)
    let now = (await user.listMemories()).items.find((i) => i.content.includes('lives in'))!
    expect(now).toMatchObject({ memoryId: oslo.memoryId, versionNumber: 3, totalVersions: 3 })

    await fillDisk(bucket) // full again: what is left of the room is taken
    await expectFull(pending)
    await deleteAtQuota(c, bucket, 'deleteMemory({ deletePreviousVersions })', () => user.deleteMemory(lyon.memoryId, { deletePreviousVersions: true }))
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
  test('a crash after a chunk of the reserve was freed and before the deletion wrote: nothing changed, the chunk is put back in its room at the next start, and the deletion works', async () => {
    const bucket = await useBucket(4 * 1024 * 1024)
    const c = await bucketClient()
    const user = await c.createUser('alice')
    const session = await user.createSession()
    const mark = marker('CRASH')
    for (let i = 0; i < 20; i++) await session.addMessage('user', `${mark} ${i}`)
    await fillDisk(bucket)
    const before = await dumpDatabase(internals(c).db.name)
    // step 1 of a deletion on a full disk, as the store does it (a delete-only transaction); then the crash
    await internals(c).db.meta.delete(RESERVE_KEYS[RESERVE_CHUNKS - 1])
    const name = internals(c).db.name
    c.close()
    const after = await dumpDatabase(name)
    // the log and every projected table are as they were: only the chunk is missing
    expect({ ...after, meta: '' }).toEqual({ ...before, meta: '' })
    const again = await bucketClient({ dbName: name })
    // put back in the room it had freed, when that room is still counted as free (the delete's own
    // tombstone can take the few bytes that a chunk of the same size needs)
    const held = await internals(again).store.reserveHeld()
    console.log(`reserve at the next start: ${JSON.stringify(held)}`)
    expect(held.chunks).toBeGreaterThanOrEqual(RESERVE_CHUNKS - 1)
    const s = await (await again.getUser('alice')).getSession(session.sessionId)
    expect((await s.getMessages()).total).toBe(20)
    await fillDisk(bucket) // any room the chunk did not take back is taken
    await expectFull(s)
    await deleteAtQuota(again, bucket, 'session.delete() after the crash', () => s.delete())
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
    await internals(c).db.meta.bulkDelete(RESERVE_KEYS) // as in a database that filled up before it had one
    await fillDisk(bucket)
    const before = await dumpDatabase(internals(c).db.name)
    await expect(session.delete()).rejects.toBeInstanceOf(QuotaExceededError)
    expect(await dumpDatabase(internals(c).db.name)).toEqual(before)
    expect((await session.getMessages()).messages.map((m) => m.content)).toEqual(['kept'])
  })
})
