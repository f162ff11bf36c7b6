/**
 * "Synced" means on the server's disk: the server appends every accepted update to its update log
 * (fsynced) before it acknowledges it, folds the log into the document's row later, and a deleted
 * user's bytes leave the database and write-ahead log files.
 */
import { readFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { parseSyncRejectReason } from '../../src/core/spaceToken'
import { openSqlite } from '../../src/server/db'
import type { DocumentStore } from '../../src/server/DocumentStore'
import { DurablePersistence } from '../../src/server/DurablePersistence'
import { SQLITE_DOCUMENT_SCHEMA, SqliteDocumentStore } from '../../src/server/SqliteDocumentStore'
import { cleanups, connect, createSpaceIn, readMap, spawnServer, startServer, streamWrites, tempDir, waitFor, write } from './serverHarness'

describe('durable acknowledgement', () => {
  it('every update a device was told is synced survives kill -9 of the server, also when the writing devices are gone', async () => {
    const dataDir = tempDir()
    const { spaceId, token } = await createSpaceIn(dataDir)
    const name = `${spaceId}/user/u1/2026-12`
    const server = await spawnServer(dataDir)

    const a = connect(server.url, name, token)
    const b = connect(server.url, name, token)
    expect(await a.outcome).toEqual({ ok: true })
    expect(await b.outcome).toEqual({ ok: true })
    // (the first sync's own acknowledgement can come after 'synced')
    await waitFor(() => !a.provider.hasUnsyncedChanges && !b.provider.hasUnsyncedChanges)
    const streams = [streamWrites(a, 'a', 2), streamWrites(b, 'b', 2)]
    // long enough that the old 2 s store debounce would have lost the tail, short for the test
    await new Promise((r) => setTimeout(r, 1500))
    server.child.kill('SIGKILL')
    expect(await server.exited).toBe('SIGKILL')
    for (const s of streams) await s.stop()
    // the writers are gone (a lost phone): nothing they hold is sent again
    a.destroy()
    b.destroy()
    const acknowledged = streams.map((s) => s.synced)
    expect(Math.min(...acknowledged)).toBeGreaterThan(20)

    const again = await spawnServer(dataDir)
    const seen = await readMap(again.url, name, token, 'messages')
    const missing: string[] = []
    for (const [i, prefix] of ['a', 'b'].entries()) {
      for (let n = 0; n < acknowledged[i]!; n++) if (!(`${prefix}-${n}` in seen)) missing.push(`${prefix}-${n}`)
    }
    expect(missing).toEqual([])
  }, 60_000)

  it('a graceful stop folds the update log into the rows, and a restart loads row plus log', async () => {
    const dataDir = tempDir()
    // a long debounce: nothing is folded while the test writes
    const server = await startServer({ dataDir, storeDebounceMs: 60_000, storeMaxDebounceMs: 60_000 })
    const space = await server.createSpace()
    const name = `${space.spaceId}/user/u1`
    const client = connect(server.url, name, space.token)
    expect(await client.outcome).toEqual({ ok: true })
    for (let i = 0; i < 5; i++) await write(client, `k${i}`, `value ${i}`)
    const peek = await openSqlite(server.sqlitePath)
    cleanups.push(() => peek.close())
    const count = async (table: string) => (await peek.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table} WHERE name = ?`, [name]))!.n
    // acknowledged, so in the log already; no row yet
    expect(await count('keepsake_updates')).toBeGreaterThanOrEqual(5)
    expect(await count('documents')).toBe(0)
    client.destroy()
    await server.stop()
    expect(await count('keepsake_updates')).toBe(0)
    expect(await count('documents')).toBe(1)
    const again = await startServer({ dataDir })
    expect(await readMap(again.url, name, space.token)).toEqual({ k0: 'value 0', k1: 'value 1', k2: 'value 2', k3: 'value 3', k4: 'value 4' })
  })
})

describe('a store that fails', () => {
  it('does not acknowledge an update it could not store: the document closes with server-storage-failed, and the error is logged', async () => {
    const server = await startServer({ storeDebounceMs: 50, storeMaxDebounceMs: 100 })
    const space = await server.createSpace()
    const client = connect(server.url, `${space.spaceId}/user/u1`, space.token)
    expect(await client.outcome).toEqual({ ok: true })
    await write(client, 'before', 'stored')
    // the disk goes bad under the server: its update log cannot be written (nor read, to fold it)
    const peek = await openSqlite(server.sqlitePath)
    cleanups.push(() => peek.close())
    const row = () => peek.get<{ data: Buffer }>('SELECT data FROM documents WHERE name = ?', [`${space.spaceId}/user/u1`])
    await expect.poll(async () => (await row())?.data.toString('latin1') ?? '', { timeout: 5000 }).toContain('stored')
    await peek.exec('DROP TABLE keepsake_updates')
    client.doc.getMap('m').set('after', 'not stored')
    expect(parseSyncRejectReason(await client.closed).code).toBe('server-storage-failed')
    expect(client.provider.hasUnsyncedChanges).toBe(true)
    expect(server.logs.some((l) => l.level === 'error' && l.message.startsWith('could not store an update of') && l.message.includes('keepsake_updates'))).toBe(true)
    // the disk comes back: the server stops cleanly, and what was acknowledged is in the row
    await peek.exec(SQLITE_DOCUMENT_SCHEMA)
    client.destroy()
    await server.stop()
    expect((await row())?.data.toString('latin1')).toContain('stored')
  })
})

describe('DurablePersistence', () => {
  it('reports a fold that fails instead of throwing it (Hocuspocus would rethrow it from a timer and end the process)', async () => {
    const failing: DocumentStore = {
      load: async () => [],
      append: async () => undefined,
      fold: async () => {
        throw new Error('disk I/O error')
      },
      purge: async () => undefined,
      close: async () => undefined,
    }
    const errors: string[] = []
    const persistence = new DurablePersistence(failing, (what, error) => errors.push(`${what}: ${(error as Error).message}`))
    const payload = { documentName: 's/user/u1', document: new Y.Doc() } as unknown as Parameters<DurablePersistence['onStoreDocument']>[0]
    await expect(persistence.onStoreDocument(payload)).resolves.toBeUndefined()
    expect(errors).toEqual(['store "s/user/u1": disk I/O error'])
  })
})

describe('SqliteDocumentStore', () => {
  async function openStore() {
    const sqlite = await openSqlite(join(tempDir(), 'store.sqlite'))
    cleanups.push(() => sqlite.close())
    await sqlite.exec('CREATE TABLE keepsake_deleted_documents (space_id TEXT, doc_name TEXT, deleted_at TEXT)')
    return { sqlite, store: await SqliteDocumentStore.open(sqlite) }
  }
  const updateOf = (fn: (doc: Y.Doc) => void, doc = new Y.Doc()) => {
    let update: Uint8Array | null = null
    doc.once('update', (u: Uint8Array) => (update = u))
    fn(doc)
    return update!
  }

  it('a fold keeps the updates logged after its state was taken', async () => {
    const { store } = await openStore()
    const doc = new Y.Doc()
    await store.append('s/d', updateOf((d) => d.getMap('m').set('a', 1), doc))
    // the fold takes the state now; an update that comes while it writes is not in that state
    const folding = store.fold('s/d', doc)
    const later = updateOf((d) => d.getMap('m').set('b', 2), doc)
    await Promise.all([folding, store.append('s/d', later)])
    const loaded = await store.load('s/d')
    expect(loaded).toHaveLength(2) // the row and the later update
    const fresh = new Y.Doc()
    Y.applyUpdate(fresh, Y.mergeUpdates(loaded))
    expect(fresh.getMap('m').toJSON()).toEqual({ a: 1, b: 2 })
    // the next fold takes it in
    await store.fold('s/d', doc)
    expect(await store.load('s/d')).toHaveLength(1)
  })

  it('commits updates appended together in one go, all there after', async () => {
    const { store } = await openStore()
    const doc = new Y.Doc()
    const updates = Array.from({ length: 300 }, (_, i) => updateOf((d) => d.getMap('m').set(`k${i}`, i), doc))
    await Promise.all(updates.map((u) => store.append('s/d', u)))
    const fresh = new Y.Doc()
    Y.applyUpdate(fresh, Y.mergeUpdates(await store.load('s/d')))
    expect(fresh.getMap('m').size).toBe(300)
  })

  it("never logs a deleted user's documents, and purge removes the rows and logs under a name", async () => {
    const { sqlite, store } = await openStore()
    await sqlite.run("INSERT INTO keepsake_deleted_documents VALUES ('s', 'user/gone', 'now')")
    const u = updateOf((d) => d.getMap('m').set('x', 'y'))
    await store.append('s/user/gone', u)
    await store.append('s/user/gone/2025-01', u)
    await store.append('s/user/kept', u)
    await store.append('s/user/kept/2025-01', u)
    expect(await store.load('s/user/gone')).toEqual([])
    expect(await store.load('s/user/gone/2025-01')).toEqual([])
    const kept = new Y.Doc()
    Y.applyUpdate(kept, u)
    await store.fold('s/user/kept', kept)
    expect(await store.load('s/user/kept')).toHaveLength(1)
    await store.purge('s/user/kept')
    expect(await store.load('s/user/kept')).toEqual([])
    expect(await store.load('s/user/kept/2025-01')).toEqual([])
  })
})

describe('deletion reaches the disk', () => {
  it("after a user is deleted, neither the database file nor its write-ahead log holds the user's words; another user's are still there", async () => {
    const dataDir = tempDir()
    const server = await startServer({ dataDir, storeDebounceMs: 50, storeMaxDebounceMs: 200 })
    const space = await server.createSpace()
    const doc = (n: string) => connect(server.url, `${space.spaceId}/${n}`, space.token)
    const dir = doc('space')
    const alice = doc('user/u1')
    const alicePart = doc('user/u1/2025-03')
    const bob = doc('user/u2')
    for (const c of [dir, alice, alicePart, bob]) expect(await c.outcome).toEqual({ ok: true })
    const entry = (uid: string, userId: string) => {
      const e = new Y.Map<unknown>()
      for (const [k, v] of Object.entries({ uid, userId, createdAt: new Date().toISOString(), deletedAt: null })) e.set(k, v)
      return e
    }
    dir.doc.getMap('directory').set('u1', entry('u1', 'MARKER-ALICE-ID'))
    dir.doc.getMap('directory').set('u2', entry('u2', 'MARKER-BOB-ID'))
    await waitFor(() => !dir.provider.hasUnsyncedChanges)
    await write(alice, 'name', 'MARKER-ALICE-NAME')
    await write(alicePart, 'words', 'MARKER-ALICE-FACT')
    await write(bob, 'name', 'MARKER-BOB-NAME')
    // let the rows be written too (the debounce), so the words are in both the log and the rows
    await new Promise((r) => setTimeout(r, 400))

    const files = [server.sqlitePath, `${server.sqlitePath}-wal`]
    const onDisk = () => files.filter(existsSync).map((f) => readFileSync(f).toString('latin1')).join('\n')
    expect(onDisk()).toContain('MARKER-ALICE-FACT')

    // the app's deletion: the entry is emptied and marked deleted
    const e = dir.doc.getMap('directory').get('u1') as Y.Map<unknown>
    dir.doc.transact(() => {
      e.set('userId', null)
      e.set('deletedAt', new Date().toISOString())
    })
    await waitFor(() => !dir.provider.hasUnsyncedChanges)
    await expect.poll(() => /MARKER-ALICE/.test(onDisk()), { timeout: 5000 }).toBe(false)
    expect(onDisk()).toContain('MARKER-BOB-NAME')
    expect(onDisk()).toContain('MARKER-BOB-ID')
  })
})
