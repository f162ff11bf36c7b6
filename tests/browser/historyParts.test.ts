import { afterEach, describe, expect, inject, test } from 'vitest'
import Dexie from 'dexie'
import * as Y from 'yjs'
import { createSpaceCredentials, MemoryClient, type MemoryClientOptions, type SyncConfig } from '../../src/index'
import { partDocName, PARTS_YMAP, SPACE_DOC, userDocName } from '../../src/sync/layout'
import { LOCAL_ORIGIN } from '../../src/sync/origins'
import { partsOf } from '../../src/sync/schema/views'
import { MemoryHub } from '../../src/sync/transport/memory'
import { ScriptedEngine } from '../testDoubles'
import { internals } from '../support/internals'
import { freshDbName } from './helpers'

// A user's history in parts (docs/DESIGN.md, "History in parts"): a write loads only the parts it
// touches, idle parts leave memory, and a database written before the split is moved on open.

const open: MemoryClient[] = []
afterEach(() => {
  for (const c of open.splice(0)) c.close()
})

async function client(options: MemoryClientOptions = {}) {
  const c = await MemoryClient.open({ dbName: freshDbName('parts'), autoProcess: false, engine: new ScriptedEngine(), ...options })
  open.push(c)
  return c
}

const MONTHS = ['2024-02', '2024-07', '2025-01', '2025-06']

describe('history in parts', () => {
  test('after a reload, a message to a session of an old month loads only that part; reads load nothing', async () => {
    const first = await client()
    const u = await first.createUser('alice', { name: 'Alice' })
    const ids: string[] = []
    for (const m of MONTHS) {
      const s = await u.createSession({ customCreatedAtUtc: `${m}-10T09:00:00Z` })
      for (let i = 0; i < 20; i++) await s.addMessage('user', `${m} message ${i}`)
      ids.push(s.sessionId)
    }
    const dbName = internals(first).db.name
    first.close()

    const c = await client({ dbName })
    expect(internals(c).store.loadedDocNames()).toEqual([])
    const alice = await c.getUser('alice')
    const old = await alice.getSession(ids[1])
    // reads come from the projection: no document is loaded
    expect((await old.getMessages({ limit: 100 })).total).toBe(20)
    expect((await alice.listSessions()).total).toBe(4)
    expect((await alice.getLastNMessages(5)).messages.map((m) => m.content)).toContain('2025-06 message 19')
    expect(internals(c).store.loadedDocNames()).toEqual([])

    await old.addMessage('user', 'a late thought about July')
    expect(internals(c).store.loadedDocNames().sort()).toEqual([SPACE_DOC, partDocName(alice.uid, '2024-07')])
    expect((await old.getMessages({ limit: 100 })).messages.at(-1)).toMatchObject({ content: 'a late thought about July', seq: 20 })

    // a new session this month: its own part, still not the user document
    const now = await alice.createSession({ customCreatedAtUtc: '2025-06-20T09:00:00Z' })
    await now.addMessage('user', 'June again')
    expect(internals(c).store.loadedDocNames().sort()).toEqual([SPACE_DOC, partDocName(alice.uid, '2024-07'), partDocName(alice.uid, '2025-06')])
    // processing writes memories: the user document joins, with that part only
    await now.process()
    expect(internals(c).store.loadedDocNames()).toContain(userDocName(alice.uid))
    expect(internals(c).store.loadedDocNames()).not.toContain(partDocName(alice.uid, '2024-02'))

    // the space lists every part, so another device knows which documents there are
    const space = await internals(c).store.getDoc(SPACE_DOC)
    expect(partsOf(space.getMap(PARTS_YMAP), alice.uid)).toEqual(MONTHS)
  })

  test('parts no write used for a while are released from memory, and load again when written', async () => {
    const c = await client({ releaseIdleAfterMs: 150 })
    const u = await c.createUser('alice')
    const s = await u.createSession({ customCreatedAtUtc: '2024-03-01T10:00:00Z' })
    await s.addMessage('user', 'hello')
    const part = partDocName(u.uid, '2024-03')
    expect(internals(c).store.loadedDocNames()).toContain(part)
    await expect.poll(() => internals(c).store.loadedDocNames(), { timeout: 3000, interval: 50 }).toEqual([SPACE_DOC])
    await s.addMessage('user', 'again')
    expect(internals(c).store.loadedDocNames()).toContain(part)
    expect((await s.getMessages()).messages.map((m) => m.content)).toEqual(['hello', 'again'])
  })
})

describe('a new device', () => {
  test('receives the user document and the newest part first, the older parts after, and reports its progress', async () => {
    const hub = new MemoryHub()
    const a = await client({ syncTransport: () => hub.connect('a') })
    const u = await a.createUser('alice', { name: 'Alice' })
    for (const m of MONTHS) {
      const s = await u.createSession({ customCreatedAtUtc: `${m}-10T09:00:00Z` })
      await s.addMessage('user', `${m} hello`)
    }
    await a.whenSynced(10_000)
    const transport = hub.connect('b')
    const attached: string[] = []
    const attach = transport.attach.bind(transport)
    transport.attach = (name, doc) => {
      attached.push(name)
      attach(name, doc)
    }
    const seen: { synced: number; total: number }[] = []
    const b = await client({ syncTransport: () => transport })
    b.onSyncStatus((st) => st.progress && seen.push(st.progress))
    await b.whenSynced(10_000)
    const parts = [...MONTHS].reverse().map((m) => partDocName(u.uid, m))
    expect(attached).toEqual([SPACE_DOC, userDocName(u.uid), ...parts])
    expect(seen.at(-1)).toEqual({ synced: 2 + MONTHS.length, total: 2 + MONTHS.length })
    // the figure only grows once the directory is known, and it was seen short of the end
    const known = seen.filter((p) => p.total === 2 + MONTHS.length)
    expect(known.some((p) => p.synced < p.total)).toBe(true)
    for (let i = 1; i < known.length; i++) expect(known[i].synced).toBeGreaterThanOrEqual(known[i - 1].synced)
    expect(b.syncStatus.progress).toEqual({ synced: 6, total: 6 })
    const alice = await b.getUser('alice')
    await expect.poll(async () => (await alice.getLastNMessages(10)).messages.map((m) => m.content), { timeout: 5000 }).toEqual(MONTHS.map((m) => `${m} hello`))
  })
})

/**
 * Writes sessions, messages and memories as the build before the split did: into the user document's
 * `sessions` and `messages` maps (the same Y values, the same projection).
 */
async function writeOldLayout(c: MemoryClient, uid: string, months: string[]): Promise<void> {
  await internals(c).store.write([SPACE_DOC, userDocName(uid)], (tx) => {
    const doc = tx.user(uid).doc
    doc.transact(() => {
      months.forEach((m, k) => {
        const sessionId = `0190b000-0000-7000-8000-${String(k).padStart(12, '0')}`
        const at = `${m}-10T09:00:00.000Z`
        const s = new Y.Map<unknown>()
        for (const [f, v] of Object.entries({ uid, status: 'pending', metadata: { old: k }, createdAt: at, autoProcessAfterSeconds: 600, lastMessageAt: at, processedAt: null, error: null, updatedAt: at, messageCount: 3, futureField: 'kept' })) s.set(f, v)
        doc.getMap('sessions').set(sessionId, s)
        for (let i = 0; i < 3; i++) {
          doc.getMap('messages').set(`0190b000-0000-7000-9000-${String(k * 10 + i).padStart(12, '0')}`, { sessionId, seq: i, role: 'user', content: `old layout ${m} #${i}`, timestamp: at })
        }
      })
    }, LOCAL_ORIGIN)
  })
}

describe('a database written before the split', () => {
  test('is moved into parts on open: every session and message is found, on this device and, after sync, on a new one', async () => {
    const { spaceId, secret } = await createSpaceCredentials()
    const sync: SyncConfig = { url: inject('syncUrl'), spaceId, secret }
    const before = await client()
    const u = await before.createUser('alice', { name: 'Alice' })
    await writeOldLayout(before, u.uid, MONTHS)
    // the old layout reads and writes as it did: sessions in the user document
    const rows = await internals(before).db.sessions.toArray()
    expect(rows.map((r) => r.part)).toEqual([undefined, undefined, undefined, undefined])
    const legacy = await (await before.getUser('alice')).getSession(rows[0].sessionId)
    await legacy.addMessage('user', 'written before the move')
    expect((await legacy.getMessages()).messages.map((m) => m.content)).toEqual(['old layout 2024-02 #0', 'old layout 2024-02 #1', 'old layout 2024-02 #2', 'written before the move'])
    const dbName = internals(before).db.name
    before.close()

    // the next open moves them
    const after = await client({ dbName, sync })
    const alice = await after.getUser('alice')
    const sessions = (await alice.listSessions({ limit: 10 })).sessions
    expect(sessions).toHaveLength(4)
    expect((await internals(after).db.sessions.toArray()).map((r) => r.part).sort()).toEqual(MONTHS)
    const udoc = await internals(after).store.getDoc(userDocName(u.uid))
    expect(udoc.getMap('sessions').size).toBe(0)
    expect(udoc.getMap('messages').size).toBe(0)
    const part = await internals(after).store.getDoc(partDocName(u.uid, '2024-02'))
    expect((part.getMap('sessions').get(rows[0].sessionId) as Y.Map<unknown>).get('futureField')).toBe('kept')
    const moved = await alice.getSession(rows[0].sessionId)
    expect((await moved.getMessages()).messages.map((m) => [m.seq, m.content])).toEqual([
      [0, 'old layout 2024-02 #0'],
      [1, 'old layout 2024-02 #1'],
      [2, 'old layout 2024-02 #2'],
      [3, 'written before the move'],
    ])
    await moved.addMessage('user', 'after the move')
    expect((await moved.getMessages()).messages.at(-1)).toMatchObject({ seq: 4, content: 'after the move' })
    expect((await internals(after).store.storedDocNames()).sort()).toEqual([SPACE_DOC, userDocName(u.uid), ...MONTHS.map((m) => partDocName(u.uid, m))].sort())
    // nothing of the old layout is left in the user document's log (it was compacted)
    const name = userDocName(u.uid)
    const log = await internals(after).db.updates.where('[doc+seq]').between([name, Dexie.minKey], [name, Dexie.maxKey]).toArray()
    expect(log).toHaveLength(1)
    expect(new TextDecoder().decode(log[0].data)).not.toContain('old layout')
    // opening again finds nothing to move
    expect(await internals(after).db.hasLegacySessions()).toBe(false)
    await after.whenSynced(15_000)

    // a new device receives every part
    const late = await client({ sync })
    await late.whenSynced(15_000)
    await expect.poll(async () => (await late.listUsers()).total, { timeout: 10_000 }).toBe(1)
    const there = await late.getUser('alice')
    await expect.poll(async () => (await there.listSessions({ limit: 10 })).total, { timeout: 10_000 }).toBe(4)
    const copy = await there.getSession(rows[0].sessionId)
    await expect.poll(async () => (await copy.getMessages()).messages.map((m) => m.content), { timeout: 10_000 }).toEqual(['old layout 2024-02 #0', 'old layout 2024-02 #1', 'old layout 2024-02 #2', 'written before the move', 'after the move'])
    expect((await internals(late).db.sessions.toArray()).map((r) => r.part).sort()).toEqual(MONTHS)
  })

  test.each(['parts first', 'user document first'])('another device receives the move, %s: nothing is lost or shown twice', async (order) => {
    // A writes the old layout; B has it as it was
    const a = await client()
    const u = await a.createUser('alice')
    await writeOldLayout(a, u.uid, MONTHS.slice(0, 2))
    const b = await client()
    const names = [SPACE_DOC, userDocName(u.uid)]
    const deliver = async (from: MemoryClient, to: MemoryClient, docs: string[]) => {
      for (const n of docs) {
        const update = Y.encodeStateAsUpdate(await internals(from).store.getDoc(n), Y.encodeStateVector(await internals(to).store.getDoc(n)))
        // applied as a sync provider applies what arrives: a remote origin, stored and projected by the store
        Y.applyUpdate(await internals(to).store.getDoc(n), update, 'test-remote')
        await internals(to).store.flush()
      }
    }
    await deliver(a, b, names)
    expect((await internals(b).db.sessions.toArray()).map((r) => r.part)).toEqual([undefined, undefined])
    expect(await countAllMessages(b)).toBe(6)
    // A reopens and moves them into parts
    const dbName = internals(a).db.name
    a.close()
    const a2 = await client({ dbName })
    expect(await internals(a2).db.hasLegacySessions()).toBe(false)
    const parts = MONTHS.slice(0, 2).map((m) => partDocName(u.uid, m))
    // B receives the move in one order or the other
    await deliver(a2, b, order === 'parts first' ? [SPACE_DOC, ...parts, userDocName(u.uid)] : [SPACE_DOC, userDocName(u.uid), ...parts])
    expect((await internals(b).db.sessions.toArray()).map((r) => r.part).sort()).toEqual(MONTHS.slice(0, 2))
    const bob = await b.getUser('alice')
    for (const s of (await bob.listSessions()).sessions) expect((await s.getMessages()).messages.map((m) => m.seq)).toEqual([0, 1, 2])
    expect(await countAllMessages(b)).toBe(6)
    expect(await b.listSyncProblems()).toEqual([])
    // and what B shows is what A shows
    const alice = await a2.getUser('alice')
    expect((await bob.getLastNMessages(10)).messages.map((m) => m.content)).toEqual((await alice.getLastNMessages(10)).messages.map((m) => m.content))
  })
})

async function countAllMessages(c: MemoryClient): Promise<number> {
  return (await internals(c).db.messageBlocks.toArray()).reduce((n, r) => n + r.messages.length, 0)
}
