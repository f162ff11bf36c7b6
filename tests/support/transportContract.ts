import { afterEach, describe, expect, test } from 'vitest'
import * as Y from 'yjs'
import { MemoryClient, type MemoryClientOptions } from '../../src/index'
import type { SyncTransport, TransportEvents } from '../../src/sync/transport/types'
import { userDocName } from '../../src/sync/layout'
import { LOCAL_ORIGIN, LOG_ORIGIN } from '../../src/sync/ReplicatedStore'
import { internals } from './internals'

/**
 * One contract for every sync transport (src/sync/transport/types.ts), run on the in-process one
 * (tests/unit/transport.memory.test.ts) and on Hocuspocus against the real server
 * (tests/unit/transport.hocuspocus.test.ts). First the transport alone over plain Y.Docs, then
 * devices (MemoryClient over the sync driver), where the directory rules are checked.
 */
export interface TransportHarness {
  /** A new, empty space; every call gives another. */
  space(): Promise<TransportSpace>
}

export interface TransportSpace {
  /** A transport of this space (not started). */
  transport(): SyncTransport
  /** A way onto the space for one device: its MemoryClient.open options, and its network. */
  device(): TransportDevice
}

export interface TransportDevice {
  options: MemoryClientOptions
  /** Takes the device off the network and back (what it writes meanwhile stays local). */
  setOnline(client: MemoryClient, online: boolean): Promise<void>
}

let dbs = 0
const REMOTE = { onSynced: () => undefined, onChange: () => undefined }

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

/** A started transport with its events recorded. */
function started(t: SyncTransport) {
  const synced: string[] = []
  const events: TransportEvents = { ...REMOTE, onSynced: (name) => synced.push(name) }
  t.start(events)
  return { t, synced }
}

export function transportContract(name: string, harness: TransportHarness): void {
  const cleanups: (() => void | Promise<void>)[] = []
  afterEach(async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn()
  })

  const networks = new Map<MemoryClient, TransportDevice>()

  async function device(space: TransportSpace): Promise<MemoryClient> {
    const d = space.device()
    const c = await MemoryClient.open({ dbName: `contract-${name}-${dbs++}`, autoProcess: false, ...d.options })
    networks.set(c, d)
    cleanups.push(() => c.destroyAllData())
    return c
  }
  const setOnline = (c: MemoryClient, online: boolean) => networks.get(c)!.setOnline(c, online)

  describe(`sync transport contract: ${name}`, () => {
    test('attach syncs a document both ways; remote updates come with an origin of the transport; only sent updates leave', async () => {
      const space = await harness.space()
      const a = started(space.transport())
      const b = started(space.transport())
      cleanups.push(() => a.t.destroy(), () => b.t.destroy())
      const docA = new Y.Doc()
      const docB = new Y.Doc()
      docA.getMap('m').set('before', 1) // written before the attach: the sync step carries it
      a.t.attach('space', docA)
      await until(() => a.t.documentStatus('space')?.synced === true, 'A synced')
      expect(a.synced).toContain('space')
      const origins: unknown[] = []
      docB.on('update', (_u: Uint8Array, origin: unknown) => origins.push(origin))
      b.t.attach('space', docB)
      await until(() => docB.getMap('m').get('before') === 1, 'the sync step to bring A state to B')
      expect(b.t.documentStatus('space')?.synced).toBe(true)
      expect(b.t.connection().state).toBe('connected')

      // what is sent arrives, and is acknowledged
      let last!: Uint8Array
      docA.on('update', (u: Uint8Array) => (last = u))
      docA.getMap('m').set('sent', 2)
      a.t.send('space', last)
      await until(() => docB.getMap('m').get('sent') === 2, 'the sent update on B')
      expect(origins.length).toBeGreaterThan(0)
      // (the transport itself, or its document's provider: anything but the store's own origins)
      expect(origins.every((o) => o != null && o !== LOCAL_ORIGIN && o !== LOG_ORIGIN)).toBe(true)
      await until(() => a.t.documentStatus('space')?.pending === 0, 'the other end to acknowledge A update')
      // a change that is not sent stays (the store sends only what it committed)
      docA.getMap('m').set('unsent', 1)
      const c = started(space.transport())
      cleanups.push(() => c.t.destroy())
      const docC = new Y.Doc()
      c.t.attach('space', docC)
      await until(() => c.t.documentStatus('space')?.synced === true, 'C synced')
      await new Promise((r) => setTimeout(r, 100))
      expect(docC.getMap('m').get('sent')).toBe(2)
      expect(docC.getMap('m').get('unsent')).toBeUndefined()
      expect(docB.getMap('m').get('unsent')).toBeUndefined()
    })

    test('a fast writer: what is sent before the document is in step (many new documents, 1 MB of updates) all arrives, and nothing stays pending', async () => {
      const space = await harness.space()
      const a = started(space.transport())
      const b = started(space.transport())
      cleanups.push(() => a.t.destroy(), () => b.t.destroy())
      const names = Array.from({ length: 12 }, (_, i) => `user/fast/2025-${String(i + 1).padStart(2, '0')}`)
      const docs = names.map(() => new Y.Doc())
      // connected first; then attached and written at once, as a device that fills a month's part
      // per task does: the updates go out while the other end is still checking each document's token
      a.t.attach('space', new Y.Doc())
      await until(() => a.t.documentStatus('space')?.synced === true, 'A connected')
      names.forEach((n, i) => a.t.attach(n, docs[i]))
      for (let round = 0; round < 40; round++) {
        if (round % 4 === 0) await new Promise((r) => setTimeout(r, 0))
        docs.forEach((doc, i) => {
          let last!: Uint8Array
          const keep = (u: Uint8Array) => (last = u)
          doc.on('update', keep)
          doc.getMap('m').set(`k${round}`, `${'x'.repeat(2000)} ${round}`)
          doc.off('update', keep)
          a.t.send(names[i], last)
        })
      }
      await until(() => names.every((n) => a.t.documentStatus(n)?.synced === true && a.t.documentStatus(n)?.pending === 0), 'every document synced with nothing pending', 20_000)
      const copies = names.map(() => new Y.Doc())
      names.forEach((n, i) => b.t.attach(n, copies[i]))
      await until(() => names.every((n) => b.t.documentStatus(n)?.synced === true), 'B synced')
      for (const copy of copies) expect(copy.getMap('m').size).toBe(40)
    })

    test('a large document: once it says synced it holds all of it, and what was written meanwhile arrives too', async () => {
      const space = await harness.space()
      const a = started(space.transport())
      cleanups.push(() => a.t.destroy())
      const docA = new Y.Doc()
      // about 1.5 MB in one document: more than one piece for a transport that applies in pieces
      docA.transact(() => {
        const m = docA.getMap('m')
        for (let i = 0; i < 3000; i++) m.set(`k${i}`, `${i} `.padEnd(500, 'words '))
      })
      a.t.attach('user/big', docA)
      await until(() => a.t.documentStatus('user/big')?.synced === true && a.t.documentStatus('user/big')?.pending === 0, 'A synced', 20_000)

      const docB = new Y.Doc()
      const sizeWhenSynced: number[] = []
      const b = space.transport()
      b.start({ ...REMOTE, onSynced: (name) => name === 'user/big' && sizeWhenSynced.push(docB.getMap('m').size) })
      cleanups.push(() => b.destroy())
      b.attach('user/big', docB)
      // written on A while B receives
      let last!: Uint8Array
      docA.on('update', (u: Uint8Array) => (last = u))
      for (let i = 0; i < 5; i++) {
        await new Promise((r) => setTimeout(r, 5))
        docA.getMap('m').set('late', i)
        a.t.send('user/big', last)
      }
      await until(() => b.documentStatus('user/big')?.synced === true, 'B synced', 20_000)
      expect(sizeWhenSynced[0]).toBeGreaterThanOrEqual(3000)
      await until(() => docB.getMap('m').get('late') === 4, 'the writes made meanwhile on B')
      expect(docB.getMap('m').size).toBe(3001)
      expect(Y.encodeStateVector(docB)).toEqual(Y.encodeStateVector(docA))
    })

    test('a detached document receives nothing more, and its status is gone', async () => {
      const space = await harness.space()
      const a = started(space.transport())
      const b = started(space.transport())
      cleanups.push(() => a.t.destroy(), () => b.t.destroy())
      const docA = new Y.Doc()
      const docB = new Y.Doc()
      a.t.attach('user/x', docA)
      b.t.attach('user/x', docB)
      await until(() => !!a.t.documentStatus('user/x')?.synced && !!b.t.documentStatus('user/x')?.synced, 'both synced')
      b.t.detach('user/x')
      expect(b.t.documentStatus('user/x')).toBeUndefined()
      let last!: Uint8Array
      docA.on('update', (u: Uint8Array) => (last = u))
      docA.getMap('m').set('k', 'after detach')
      a.t.send('user/x', last)
      await until(() => a.t.documentStatus('user/x')?.pending === 0, 'A update acknowledged')
      await new Promise((r) => setTimeout(r, 100))
      expect(docB.getMap('m').get('k')).toBeUndefined()
      // and a third transport that attaches now gets it from the other end
      const c = started(space.transport())
      cleanups.push(() => c.t.destroy())
      const docC = new Y.Doc()
      c.t.attach('user/x', docC)
      await until(() => docC.getMap('m').get('k') === 'after detach', 'a new attach to bring the update')
    })

    test('devices: what one writes arrives on the other and back; whenSynced resolves with nothing pending', async () => {
      const space = await harness.space()
      const a = await device(space)
      const b = await device(space)
      const u = await a.createUser('alice', { name: 'Alice' })
      const s = await u.createSession()
      await s.addMessage('user', 'I live in Paris')
      await a.updateSettings({ mergeConflictsEnabled: true })
      for (const c of [a, b, a, b]) await c.whenSynced(10_000)
      const ub = await b.getUser('alice')
      expect(ub.name).toBe('Alice')
      expect((await ub.getLastNMessages(10)).messages.map((m) => m.content)).toEqual(['I live in Paris'])
      expect((await b.getSettings()).mergeConflictsEnabled).toBe(true)
      const sb = await ub.getSession(s.sessionId)
      await sb.addMessage('assistant', 'Noted')
      for (const c of [b, a]) await c.whenSynced(10_000)
      await until(async () => (await s.getMessages()).total === 2, 'B message on A')
      expect(a.syncStatus).toMatchObject({ state: 'synced', pendingChanges: 0 })
    })

    test('a device that joins later has every user stored once whenSynced resolves', async () => {
      const space = await harness.space()
      const a = await device(space)
      for (const id of ['u1', 'u2', 'u3']) {
        const u = await a.createUser(id)
        await (await u.createSession()).addMessage('user', `hello from ${id}`)
      }
      await a.whenSynced(10_000)
      const b = await device(space)
      await b.whenSynced(10_000)
      // no polling: whenSynced means stored, projected, and every user attached
      expect((await b.listUsers()).total).toBe(3)
      for (const id of ['u1', 'u2', 'u3']) expect((await (await b.getUser(id)).getLastNMessages(5)).messages[0].content).toBe(`hello from ${id}`)
    })

    test('directory rules: a user deleted while a device was offline is never sent again by it, and a new device never gets it', async () => {
      const space = await harness.space()
      const a = await device(space)
      const b = await device(space)
      const u = await a.createUser('gone')
      await (await u.createSession()).addMessage('user', 'before')
      await a.createUser('kept')
      for (const c of [a, b, a, b]) await c.whenSynced(10_000)
      const ub = await b.getUser('gone')
      await setOnline(b, false)
      // B, offline, writes to the user; A deletes it meanwhile
      await (await ub.createSession()).addMessage('user', 'written offline')
      await u.delete()
      await a.whenSynced(10_000)
      await setOnline(b, true)
      await b.whenSynced(10_000)
      await until(async () => !(await internals(b).store.storedDocNames()).includes(userDocName(ub.uid)), 'B to drop the deleted user')
      await expect(b.getUser('gone')).rejects.toThrow(/not found/i)
      expect((await b.getUser('kept')).userId).toBe('kept')
      // a new device: the user is not there, and its document never arrives
      const c = await device(space)
      await c.whenSynced(10_000)
      expect((await c.listUsers()).users.map((x) => x.userId)).toEqual(['kept'])
      expect(await internals(c).store.storedDocNames()).not.toContain(userDocName(ub.uid))
      await expect(c.getUser('gone')).rejects.toThrow(/not found/i)
    })

    test('a user created on another device is attached once the directory names it', async () => {
      const space = await harness.space()
      const a = await device(space)
      const b = await device(space)
      for (const c of [a, b]) await c.whenSynced(10_000)
      const u = await a.createUser('late')
      await (await u.createSession()).addMessage('user', 'arrives')
      await a.whenSynced(10_000)
      await until(async () => (await b.listUsers()).total === 1, 'the directory on B')
      await b.whenSynced(10_000)
      expect((await (await b.getUser('late')).getLastNMessages(5)).messages.map((m) => m.content)).toEqual(['arrives'])
    })

    test('directory rules: a malformed directory entry still syncs its user (only a deletion mark stops it); a valid write brings the user back', async () => {
      const space = await harness.space()
      const a = await device(space)
      const u = await a.createUser('carol', { name: 'Carol' })
      await (await u.createSession()).addMessage('user', 'kept through it all')
      await a.whenSynced(10_000)
      // a peer with the token and no schema overwrites the entry with a string
      const raw = started(space.transport())
      cleanups.push(() => raw.t.destroy())
      const doc = new Y.Doc()
      let last!: Uint8Array
      doc.on('update', (up: Uint8Array, origin: unknown) => {
        if (origin === null) last = up // (its own writes, not what the transport applied)
      })
      raw.t.attach('space', doc)
      await until(() => raw.t.documentStatus('space')?.synced === true && doc.getMap('directory').has(u.uid), 'the raw peer to get the directory')
      const entry = (doc.getMap('directory').get(u.uid) as Y.Map<unknown>).toJSON()
      doc.getMap('directory').set(u.uid, 'garbage')
      raw.t.send('space', last)
      await until(() => raw.t.documentStatus('space')?.pending === 0, 'the garbage to reach the other end')
      // a new device: the user is not listed (its entry is quarantined) but its document arrives
      const b = await device(space)
      await b.whenSynced(10_000)
      expect((await b.listUsers()).total).toBe(0)
      expect((await b.listSyncProblems()).map((p) => [p.kind, p.recordId])).toEqual([['directory', u.uid]])
      await until(async () => (await internals(b).store.storedDocNames()).includes(userDocName(u.uid)), 'the user document on B')
      // a valid write of the entry: the user is back, with its data
      const fixed = new Y.Map<unknown>()
      for (const [k, v] of Object.entries(entry)) fixed.set(k, v)
      doc.getMap('directory').set(u.uid, fixed)
      raw.t.send('space', last)
      await until(async () => (await b.listUsers()).total === 1, 'the user back on B')
      await b.whenSynced(10_000)
      expect((await (await b.getUser('carol')).getLastNMessages(5)).messages.map((m) => m.content)).toEqual(['kept through it all'])
      expect(await b.listSyncProblems()).toEqual([])
    })

    test('directory rules: a deletion mark in a malformed entry still deletes the user on every device', async () => {
      const space = await harness.space()
      const a = await device(space)
      const b = await device(space)
      const u = await a.createUser('dave')
      await (await u.createSession()).addMessage('user', 'to be deleted')
      await a.createUser('erin')
      for (const c of [a, b, a, b]) await c.whenSynced(10_000)
      expect((await b.listUsers()).total).toBe(2)
      const raw = started(space.transport())
      cleanups.push(() => raw.t.destroy())
      const doc = new Y.Doc()
      let last!: Uint8Array
      doc.on('update', (up: Uint8Array, origin: unknown) => {
        if (origin === null) last = up
      })
      raw.t.attach('space', doc)
      await until(() => raw.t.documentStatus('space')?.synced === true && doc.getMap('directory').has(u.uid), 'the raw peer to get the directory')
      // deletedAt set, but to a number: the record fails its schema (it is not projected)
      ;(doc.getMap('directory').get(u.uid) as Y.Map<unknown>).set('deletedAt', 42)
      raw.t.send('space', last)
      for (const c of [a, b]) {
        await until(async () => !(await internals(c).store.storedDocNames()).includes(userDocName(u.uid)), 'the local copy to go')
        await expect(c.getUser('dave')).rejects.toThrow(/not found/i)
        expect((await c.getUser('erin')).userId).toBe('erin')
      }
      const c = await device(space)
      await c.whenSynced(10_000)
      expect((await c.listUsers()).users.map((x) => x.userId)).toEqual(['erin'])
      expect(await internals(c).store.storedDocNames()).not.toContain(userDocName(u.uid))
    })

    test('stopped: the status is disabled and nothing more arrives', async () => {
      const space = await harness.space()
      const a = await device(space)
      const b = await device(space)
      for (const c of [a, b]) await c.whenSynced(10_000)
      b.disconnectSync()
      expect(b.syncStatus.state).toBe('disabled')
      await expect(b.whenSynced(100)).rejects.toThrow(/not configured/)
      await a.createUser('after-stop')
      await a.whenSynced(10_000)
      await new Promise((r) => setTimeout(r, 150))
      expect((await b.listUsers()).total).toBe(0)
    })
  })
}
