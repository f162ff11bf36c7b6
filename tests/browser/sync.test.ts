import { afterEach, describe, expect, inject, test } from 'vitest'
import { createSpaceCredentials, InvalidSessionStateError, MemoryClient, SyncError, type SyncConfig } from '../../src/index'
import { ScriptedEngine } from '../testDoubles'
import { freshDbName, refuseAtIndexedDB } from './helpers'
import { STORAGE_FULL } from '../../src/sync/SyncProvider'
import Dexie from 'dexie'
import { countMessages } from '../../src/store/messageBlocks'
import { partDocName, partKeyOf, SPACE_DOC, userDocName } from '../../src/sync/layout'
import { LOCAL_ORIGIN } from '../../src/sync/origins'
import { uuidv7 } from '../../src/core/ids'
import type { MessageRecord } from '../../src/core/types'
import { internals } from '../support/internals'

const open: MemoryClient[] = []
afterEach(() => {
  for (const c of open.splice(0)) c.close()
})

async function space(): Promise<SyncConfig> {
  const { spaceId, secret } = await createSpaceCredentials()
  return { url: inject('syncUrl'), spaceId, secret }
}

/** A "device": its own database, syncing with the space. */
async function device(sync: SyncConfig, engine = new ScriptedEngine()) {
  const c = await MemoryClient.open({ dbName: freshDbName('device'), sync, engine, autoProcess: false })
  open.push(c)
  return c
}

async function settle(...clients: MemoryClient[]) {
  for (let round = 0; round < 2; round++) for (const c of clients) await c.whenSynced(10_000)
}

describe('sync through the real Hocuspocus server', () => {
  test('a user created on A, with sessions, messages and docs, appears on B', async () => {
    const cfg = await space()
    const a = await device(cfg)
    const b = await device(cfg)
    const u = await a.createUser('alice', { name: 'Alice', metadata: { plan: 'pro' } })
    const s = await u.createSession({ metadata: { topic: 't' } })
    await s.addMessage('user', 'I live in Paris')
    await u.addDoc({ title: 'Notes', content: 'doc text' })
    await a.updateSettings({ mergeConflictsEnabled: true })
    await settle(a, b)
    await expect.poll(async () => (await b.listUsers()).total, { timeout: 10_000 }).toBe(1)
    const ub = await b.getUser('alice')
    expect(ub).toMatchObject({ name: 'Alice', metadata: { plan: 'pro' } })
    await expect.poll(async () => (await ub.getLastNMessages(10)).messages.map((m) => m.content), { timeout: 10_000 }).toEqual(['I live in Paris'])
    expect((await ub.listDocs()).docs.map((d) => d.title)).toEqual(['Notes'])
    expect((await b.getSettings()).mergeConflictsEnabled).toBe(true)
    expect(a.syncStatus.state).toBe('synced')
    // and back: B writes, A sees
    const sb = await ub.getSession(s.sessionId)
    await sb.addMessage('assistant', 'Noted: Paris')
    await settle(b, a)
    await expect.poll(async () => (await s.getMessages()).messages.map((m) => m.content), { timeout: 10_000 }).toEqual(['I live in Paris', 'Noted: Paris'])
  })

  test('a device that joins later receives everything, including memories with their history', async () => {
    const cfg = await space()
    const a = await device(cfg)
    const u = await a.createUser('alice')
    const s = await u.createSession()
    await s.addMessage('user', 'User lives in Paris')
    await s.process()
    await settle(a)
    const late = await device(cfg)
    await settle(late)
    await expect.poll(async () => (await late.listUsers()).total, { timeout: 10_000 }).toBe(1)
    const ul = await late.getUser('alice')
    await expect.poll(async () => (await ul.listMemories()).items.map((m) => m.content), { timeout: 10_000 }).toEqual(['User lives in Paris'])
  })

  test('a new device receiving a large user stores it as one snapshot entry, with every message in order', async () => {
    const cfg = await space()
    const a = await device(cfg)
    const u = await a.createUser('alice')
    const sessions = [await u.createSession(), await u.createSession()]
    for (let i = 0; i < 240; i++) await sessions[i % 2].addMessage(i % 4 < 2 ? 'user' : 'assistant', `message ${i}: `.padEnd(400, 'words '))
    await settle(a)
    // the new device, watched: the provider hands the store the update bytes of the large message
    const late = await MemoryClient.open({ dbName: freshDbName('late'), autoProcess: false })
    open.push(late)
    const handed: [string, Uint8Array][] = []
    const expectRemote = internals(late).store.expectRemoteUpdate.bind(internals(late).store)
    internals(late).store.expectRemoteUpdate = (name, update) => {
      handed.push([name, update])
      expectRemote(name, update)
    }
    await late.connectSync(cfg)
    await settle(late)
    const ul = await expect.poll(async () => (await late.listUsers()).total, { timeout: 10_000 }).toBe(1).then(() => late.getUser('alice'))
    for (const s of sessions) {
      const want = (await s.getMessages({ limit: 200 })).messages.map((m) => m.content)
      await expect.poll(async () => (await (await ul.getSession(s.sessionId)).getMessages({ limit: 200 })).messages.map((m) => m.content), { timeout: 10_000 }).toEqual(want)
    }
    // the messages are in the part of this month's sessions; far over the size that is stored as
    // received: one entry, a snapshot, so no compaction follows
    const part = partDocName(u.uid, partKeyOf(sessions[0].createdAt.toISOString()))
    const entries = await internals(late).db.updates.where('[doc+seq]').between([part, Dexie.minKey], [part, Dexie.maxKey]).toArray()
    expect(entries).toHaveLength(1)
    expect(entries[0].snapshot).toBe(true)
    expect(entries[0].data.byteLength).toBeGreaterThan(64 * 1024)
    expect(handed.map(([name]) => name)).toEqual([part])
    expect(entries[0].data).toEqual(handed[0][1])
    expect((await ul.getLastNMessages(3)).messages.map((m) => m.content.slice(0, 12))).toEqual(['message 237:', 'message 238:', 'message 239:'])
  })

  test('a document of megabytes arrives in pieces, one task each, is synced only once all are in, and is stored as one snapshot', async () => {
    const cfg = await space()
    const a = await device(cfg)
    const u = await a.createUser('alice')
    // about 1 MB of messages in one session, so in one month's part: four pieces or more
    const sessionId = await writeLongSession(a, u.uid, 2000)
    const s = await u.getSession(sessionId)
    await settle(a)
    const part = partDocName(u.uid, partKeyOf(s.createdAt.toISOString()))

    const lateDb = freshDbName('late')
    const late = await MemoryClient.open({ dbName: lateDb, autoProcess: false })
    open.push(late)
    // the pieces as the provider hands them to the store, with a tick count that a timer chain
    // advances (a task between two pieces advances it) and whether the part said synced yet
    const pieces: { bytes: number; tick: number; synced: boolean }[] = []
    let ticks = 0
    let ticking = true
    const tick = () => {
      ticks++
      if (ticking) setTimeout(tick, 0)
    }
    tick()
    const store = internals(late).store
    const expectRemote = store.expectRemoteUpdate.bind(store)
    store.expectRemoteUpdate = (name, update) => {
      if (name === part) pieces.push({ bytes: update.byteLength, tick: ticks, synced: late.syncStatus.progress?.synced === late.syncStatus.progress?.total })
      expectRemote(name, update)
    }
    await late.connectSync(cfg)
    await settle(late)
    ticking = false
    const ul = await late.getUser('alice')
    await expect.poll(async () => (await ul.getLastNMessages(1)).messages.map((m) => m.content.slice(0, 13)), { timeout: 10_000 }).toEqual(['message 1999:'])
    expect(await countMessages(internals(late).db, u.uid)).toBe(2000)

    expect(pieces.length).toBeGreaterThanOrEqual(4)
    for (const p of pieces) expect(p.bytes).toBeLessThan(400 * 1024)
    // each piece in a task of its own, and the part not in step until the last is in
    for (let i = 1; i < pieces.length; i++) expect(pieces[i].tick).toBeGreaterThan(pieces[i - 1].tick)
    expect(pieces.every((p) => !p.synced)).toBe(true)
    // stored: one snapshot entry in the end (the whole update as received), not one per piece
    await expect
      .poll(async () => (await internals(late).db.updates.where('[doc+seq]').between([part, Dexie.minKey], [part, Dexie.maxKey]).toArray()).map((e) => e.snapshot), { timeout: 10_000 })
      .toEqual([true])
    const [entry] = await internals(late).db.updates.where('[doc+seq]').between([part, Dexie.minKey], [part, Dexie.maxKey]).toArray()
    expect(entry.data.byteLength).toBeGreaterThan(pieces.reduce((n, p) => Math.max(n, p.bytes), 0))
    // and reopened from that entry alone, the part is whole
    late.close()
    const again = await MemoryClient.open({ dbName: lateDb, autoProcess: false })
    open.push(again)
    const ua = await again.getUser('alice')
    const session = await ua.getSession(s.sessionId)
    await session.addMessage('user', 'one more')
    expect((await session.getMessages({ limit: 3, offset: 1999 })).messages.map((m) => m.content.slice(0, 13))).toEqual(['message 1999:', 'one more'])
  })

  test('a device with no room for what arrives says so, does not fetch it in a loop, and catches up once there is room', async () => {
    const cfg = await space()
    const a = await device(cfg)
    const u = await a.createUser('alice')
    const s = await u.createSession()
    await s.addMessage('user', 'arrives once there is room')
    await settle(a)
    const full = await MemoryClient.open({ dbName: freshDbName('full'), autoProcess: false })
    open.push(full)
    const failures: number[] = []
    internals(full).store.listen({ onRemoteFailed: () => failures.push(performance.now()) })
    const restore = refuseAtIndexedDB('messageBlocks')
    try {
      await full.connectSync(cfg)
      await expect.poll(() => full.syncStatus.state, { timeout: 10_000 }).toBe('error')
      expect(full.syncStatus.error).toBe(STORAGE_FULL)
      await new Promise((r) => setTimeout(r, 2500))
      // tried again later each time (0.5 s, 1 s, 2 s...), not over and over
      expect(failures.length).toBeGreaterThanOrEqual(1)
      expect(failures.length).toBeLessThanOrEqual(3)
    } finally {
      restore()
    }
    await expect.poll(() => full.syncStatus.state, { timeout: 15_000 }).toBe('synced')
    expect(full.syncStatus.error).toBeUndefined()
    const uf = await full.getUser('alice')
    expect((await uf.getLastNMessages(5)).messages.map((m) => m.content)).toEqual(['arrives once there is room'])
  })

  test('a device back from offline learns that a user was deleted before it would send that user again', async () => {
    const cfg = await space()
    const a = await device(cfg)
    const b = await device(cfg)
    const u = await a.createUser('alice')
    const s = await u.createSession()
    await s.addMessage('user', 'alice said this')
    await settle(a, b)
    await expect.poll(async () => (await b.listUsers()).total, { timeout: 10_000 }).toBe(1)
    b.disconnectSync()
    // B, offline, adds to alice; meanwhile A deletes alice
    const sb = await (await b.getUser('alice')).getSession(s.sessionId)
    await sb.addMessage('user', 'written on B while offline')
    await u.delete()
    await settle(a)
    // B comes back: every frame it sends is watched for alice's document name
    const docName = new TextEncoder().encode(`${cfg.spaceId}/${userDocName(u.uid)}`)
    const { frames, stop } = watchSentFrames()
    try {
      await b.connectSync(cfg)
      await settle(b)
      await expect.poll(async () => (await b.listUsers()).total, { timeout: 10_000 }).toBe(0)
      await expect.poll(() => countMessages(internals(b).db), { timeout: 10_000 }).toBe(0)
    } finally {
      stop()
    }
    const mentions = frames.filter((f) => indexOf(f, docName) >= 0)
    expect(frames.length).toBeGreaterThan(0)
    expect(mentions).toEqual([])
  })

  test('a device reopened after a deletion elsewhere does not send that user, even when it reads and writes the user at once', async () => {
    const cfg = await space()
    const a = await device(cfg)
    const dbName = freshDbName('reopened')
    let b = await MemoryClient.open({ dbName, sync: cfg, engine: new ScriptedEngine(), autoProcess: false })
    const u = await a.createUser('alice')
    const s = await u.createSession()
    await s.addMessage('user', 'alice said this')
    await settle(a, b)
    await expect.poll(async () => (await b.listUsers()).total, { timeout: 10_000 }).toBe(1)
    b.close()
    await u.delete()
    await settle(a)
    const docName = new TextEncoder().encode(`${cfg.spaceId}/${userDocName(u.uid)}`)
    const { frames, stop } = watchSentFrames()
    try {
      b = await MemoryClient.open({ dbName, engine: new ScriptedEngine(), autoProcess: false })
      open.push(b)
      const stale = await (await b.getUser('alice')).getSession(s.sessionId)
      await b.connectSync(cfg)
      // the app loads and writes alice right away, before the space document is back from the server
      await internals(b).store.getDoc(userDocName(u.uid))
      await stale.addMessage('user', 'written before hearing of the deletion').catch((e: Error) => expect(e.name).toMatch(/UserNotFound|SessionNotFound/))
      await settle(b)
      await expect.poll(async () => (await b.listUsers()).total, { timeout: 10_000 }).toBe(0)
    } finally {
      stop()
    }
    expect(frames.length).toBeGreaterThan(0)
    expect(frames.filter((f) => indexOf(f, docName) >= 0)).toEqual([])
  })

  test('a wrong secret is refused by the server and the status says why', async () => {
    const cfg = await space()
    const a = await device(cfg)
    await a.createUser('alice')
    await settle(a)
    const wrong = { ...cfg, secret: (await createSpaceCredentials()).secret }
    const intruder = await MemoryClient.open({ dbName: freshDbName('intruder'), autoProcess: false })
    open.push(intruder)
    await intruder.connectSync(wrong)
    await expect(intruder.whenSynced(10_000)).rejects.toBeInstanceOf(SyncError)
    expect(intruder.syncStatus.state).toBe('error')
    expect(intruder.syncStatus.error).toMatch(/token/i)
    expect((await intruder.listUsers()).total).toBe(0)
  })

  test('offline edits on both devices converge when they reconnect', async () => {
    const cfg = await space()
    const a = await device(cfg)
    const b = await device(cfg)
    const u = await a.createUser('alice')
    const s = await u.createSession()
    await settle(a, b)
    await expect.poll(async () => (await b.listUsers()).total, { timeout: 10_000 }).toBe(1)
    a.disconnectSync()
    b.disconnectSync()
    expect(a.syncStatus.state).toBe('disabled')
    await s.addMessage('user', 'from A while offline')
    const ub = await b.getUser('alice')
    const sb = await ub.getSession(s.sessionId)
    await sb.addMessage('user', 'from B while offline')
    await ub.addDoc({ title: 'B doc', content: 'x' })
    await u.update({ about: 'edited on A' })
    await a.connectSync(cfg)
    await b.connectSync(cfg)
    await settle(a, b)
    for (const c of [a, b]) {
      const uu = await c.getUser('alice')
      await expect.poll(async () => (await uu.getLastNMessages(10)).messages.map((m) => m.content).sort(), { timeout: 10_000 }).toEqual(['from A while offline', 'from B while offline'])
      await expect.poll(async () => (await uu.refresh()).about, { timeout: 10_000 }).toBe('edited on A')
      expect((await uu.listDocs()).total).toBe(1)
    }
  })

  test('a user deleted on one device is deleted on the other', async () => {
    const cfg = await space()
    const a = await device(cfg)
    const b = await device(cfg)
    const u = await a.createUser('alice')
    const s = await u.createSession()
    await s.addMessage('user', 'secret words')
    await settle(a, b)
    await expect.poll(async () => (await b.listUsers()).total, { timeout: 10_000 }).toBe(1)
    await expect.poll(async () => countMessages(internals(b).db), { timeout: 10_000 }).toBe(1)
    await u.delete()
    await settle(a, b)
    await expect.poll(async () => (await b.listUsers()).total, { timeout: 10_000 }).toBe(0)
    await expect.poll(async () => countMessages(internals(b).db), { timeout: 10_000 }).toBe(0)
  })

  test('a session is processed by one device: B processes A’s session while both are online, nothing is duplicated', async () => {
    const cfg = await space()
    const a = await device(cfg)
    const b = await device(cfg)
    const u = await a.createUser('alice')
    const s = await u.createSession()
    await s.addMessage('user', 'User likes jazz')
    await s.addMessage('user', 'User lives in Oslo')
    await settle(a, b)
    const ub = await b.getUser('alice')
    await expect.poll(async () => (await ub.getLastNMessages(10)).messages.length, { timeout: 10_000 }).toBe(2)
    const sb = await ub.getSession(s.sessionId)
    await sb.process()
    expect(sb.status).toBe('processed')
    await settle(b, a)
    await expect.poll(async () => (await s.refresh()).status, { timeout: 10_000 }).toBe('processed')
    await expect(s.process()).rejects.toBeInstanceOf(InvalidSessionStateError)
    for (const c of [a, b]) {
      const uu = await c.getUser('alice')
      await expect.poll(async () => (await uu.listMemories()).items.map((m) => m.content).sort(), { timeout: 10_000 }).toEqual(['User likes jazz', 'User lives in Oslo'])
      expect(await internals(c).db.memories.count()).toBe(2)
    }
  })

  test('one chain changed on two devices while apart becomes one conflict on both, answered on B, settled on A', async () => {
    const cfg = await space()
    const engine = () =>
      new ScriptedEngine({
        decideFn: ({ fact, candidates }) => {
          const old = candidates.find((c) => c.content.startsWith('User lives in'))
          return old && fact.content.startsWith('User lives in') ? { kind: 'TEMPORAL_CONFLICT', memoryIds: [old.memoryId] } : { kind: 'INSERT' }
        },
      })
    const a = await device(cfg, engine())
    const b = await device(cfg, engine())
    const ua = await a.createUser('alice')
    const s0 = await ua.createSession()
    await s0.addMessage('user', 'User lives in Paris')
    await s0.process()
    await settle(a, b)
    const ub = await b.getUser('alice')
    await expect.poll(async () => (await ub.listMemories()).total, { timeout: 10_000 }).toBe(1)
    a.disconnectSync()
    b.disconnectSync()
    for (const [u, city] of [[ua, 'Berlin'], [ub, 'Rome']] as const) {
      const s = await u.createSession()
      await s.addMessage('user', `User lives in ${city}`)
      await s.process()
    }
    await a.connectSync(cfg)
    await b.connectSync(cfg)
    for (const c of [a, b]) {
      const u = await c.getUser('alice')
      await expect.poll(async () => (await u.listMergeConflicts({ status: 'PENDING' })).total, { timeout: 15_000 }).toBe(1)
    }
    await settle(a, b)
    const [conflict] = (await ub.listMergeConflicts({ status: 'PENDING' })).conflicts
    expect(conflict.origin).toBe('sync')
    const q = conflict.clarifyingQuestions[0]
    expect([...q.options].sort()).toEqual(['User lives in Berlin', 'User lives in Rome'])
    await conflict.resolve([{ question: q.question, answer: 'User lives in Berlin' }])
    await settle(b, a)
    for (const c of [a, b]) {
      const u = await c.getUser('alice')
      await expect.poll(async () => (await u.listMemories()).items.map((m) => m.content), { timeout: 10_000 }).toEqual(['User lives in Berlin'])
      expect((await u.listMergeConflicts()).conflicts.map((x) => x.status)).toEqual(['RESOLVED'])
    }
  })
})

/** One session of `count` messages of 500 characters, written in one store write (the API would take a write per message). */
async function writeLongSession(client: MemoryClient, uid: string, count: number): Promise<string> {
  const at = new Date().toISOString()
  const sessionId = uuidv7()
  await internals(client).store.write([SPACE_DOC, userDocName(uid), partDocName(uid, partKeyOf(at))], (tx) => {
    const user = tx.user(uid)
    user.doc.transact(() => {
      user.sessions.set(sessionId, { sessionId, uid, status: 'pending', metadata: {}, createdAt: at, autoProcessAfterSeconds: 600, lastMessageAt: at, processedAt: null, error: null, updatedAt: at, messageCount: count })
      for (let m = 0; m < count; m++) {
        const msg: MessageRecord = { messageId: uuidv7(), sessionId, uid, seq: m, role: m % 2 ? 'assistant' : 'user', content: `message ${m}: `.padEnd(500, 'words '), timestamp: new Date(Date.parse(at) + m).toISOString() }
        user.messages.append(msg)
      }
    }, LOCAL_ORIGIN)
  })
  return sessionId
}

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer
    return i
  }
  return -1
}

/** Records every binary frame any WebSocket of the page sends, until stop(). */
function watchSentFrames(): { frames: Uint8Array[]; stop: () => void } {
  const frames: Uint8Array[] = []
  const send = WebSocket.prototype.send
  WebSocket.prototype.send = function (this: WebSocket, data: Parameters<WebSocket['send']>[0]) {
    if (data instanceof ArrayBuffer) frames.push(new Uint8Array(data.slice(0)))
    else if (ArrayBuffer.isView(data)) frames.push(new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)))
    return send.call(this, data)
  }
  return { frames, stop: () => (WebSocket.prototype.send = send) }
}
