import { join } from 'node:path'
import { HocuspocusProvider } from '@hocuspocus/provider'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { createSpaceCredentials, parseSyncRejectReason } from '../../src/core/spaceToken'
import { startSyncServer } from '../../src/server'
import { openSqlite } from '../../src/server/db'
import { cleanups, connect, expectDenied, newSocket, readMap, startServer as start, tempDir, waitFor, write } from './serverHarness'
import { authenticate, openRawSocket, sendGarbageUpdate } from './syncFrames'

// ------------------------------------------------------------------ tests

describe('sync server auth', () => {
  it('admits the right token and refuses every other case with a reason', async () => {
    const server = await start()
    const a = await server.createSpace()
    const b = await server.createSpace()

    const ok = connect(server.url, `${a.spaceId}/space`, a.token)
    expect(await ok.outcome).toEqual({ ok: true })

    await expectDenied(connect(server.url, `${a.spaceId}/space`, b.token), 'wrong-token')
    await expectDenied(connect(server.url, `${a.spaceId}/user/u1`, null), 'missing-token')
    await expectDenied(connect(server.url, `${a.spaceId}/space`, 'not-a-token'), 'malformed-token')
    const stranger = await createSpaceCredentials()
    const reason = await expectDenied(connect(server.url, `${stranger.spaceId}/space`, stranger.token), 'unknown-space')
    expect(reason).toContain(stranger.spaceId)
    await expectDenied(connect(server.url, 'space', a.token), 'invalid-document-name')

    // a refused document on a shared socket does not disturb the admitted one
    const shared = connect(server.url, `${a.spaceId}/user/u2`, b.token, ok.socket)
    await expectDenied(shared, 'wrong-token')
    await write(ok, 'still', 'works')
    expect(await readMap(server.url, `${a.spaceId}/space`, a.token)).toEqual({ still: 'works' })
    expect(server.logs.some((l) => l.level === 'warn' && l.message.includes('wrong-token'))).toBe(true)
  })

  it('open registration admits a new space on first use and then holds it to that token', async () => {
    const server = await start({ openRegistration: true })
    const creds = await createSpaceCredentials()
    const first = connect(server.url, `${creds.spaceId}/space`, creds.token)
    expect(await first.outcome).toEqual({ ok: true })
    await write(first, 'hello', 'world')

    const intruder = await createSpaceCredentials()
    await expectDenied(connect(server.url, `${creds.spaceId}/space`, intruder.token), 'wrong-token')
    await expectDenied(connect(server.url, `${creds.spaceId}/space`, 'x'.repeat(10)), 'malformed-token')
    expect(await readMap(server.url, `${creds.spaceId}/space`, creds.token)).toEqual({ hello: 'world' })
  })

  it('with open registration off, only created spaces are admitted', async () => {
    const dataDir = tempDir()
    const server = await start({ dataDir, openRegistration: false })
    const creds = await createSpaceCredentials()
    await expectDenied(connect(server.url, `${creds.spaceId}/space`, creds.token), 'unknown-space')
    await server.stop()

    // a space registered on first use stays registered when the server restarts without it
    const open = await start({ dataDir, openRegistration: true })
    expect(await connect(open.url, `${creds.spaceId}/space`, creds.token).outcome).toEqual({ ok: true })
    await open.stop()
    const closed = await start({ dataDir, openRegistration: false })
    expect(await connect(closed.url, `${creds.spaceId}/space`, creds.token).outcome).toEqual({ ok: true })
  })
})

describe('sync server persistence', () => {
  it('keeps documents across a restart on the same SQLite file', async () => {
    const sqlitePath = join(tempDir(), 'nested', 'sync.sqlite')
    const server = await start({ sqlitePath })
    const space = await server.createSpace()
    const writer = connect(server.url, `${space.spaceId}/user/u1`, space.token)
    expect(await writer.outcome).toEqual({ ok: true })
    await write(writer, 'name', 'Ada')
    writer.destroy()
    await server.stop()

    const again = await start({ sqlitePath })
    expect(again.port).not.toBe(0)
    expect(await readMap(again.url, `${space.spaceId}/user/u1`, space.token)).toEqual({ name: 'Ada' })
  })

  it('stores every document on stop even when the store debounce has not fired', async () => {
    const dataDir = tempDir()
    const server = await start({ dataDir, storeDebounceMs: 60_000, storeMaxDebounceMs: 120_000 })
    const space = await server.createSpace()
    const socket = newSocket(server.url)
    const one = connect(server.url, `${space.spaceId}/space`, space.token, socket)
    const two = connect(server.url, `${space.spaceId}/user/u1`, space.token, socket)
    expect(await one.outcome).toEqual({ ok: true })
    expect(await two.outcome).toEqual({ ok: true })
    await write(one, 'a', '1')
    await write(two, 'b', '2')
    // nothing is on disk yet: only the shutdown can have written it
    const peek = await openSqlite(server.sqlitePath)
    expect(await peek.get('SELECT COUNT(*) AS n FROM documents')).toEqual({ n: 0 })
    await peek.close()

    const t0 = Date.now()
    await server.stop() // clients still connected
    expect(Date.now() - t0).toBeLessThan(3000)
    await server.stop() // idempotent

    const again = await start({ dataDir })
    expect(await readMap(again.url, `${space.spaceId}/space`, space.token)).toEqual({ a: '1' })
    expect(await readMap(again.url, `${space.spaceId}/user/u1`, space.token)).toEqual({ b: '2' })
  })

  it("forgets a deleted user's documents (its user document and every part of its history): their rows go, they are never stored again, also after a restart", async () => {
    const dataDir = tempDir()
    const server = await start({ dataDir, storeDebounceMs: 10, storeMaxDebounceMs: 50 })
    const space = await server.createSpace()
    const socket = newSocket(server.url)
    const dir = connect(server.url, `${space.spaceId}/space`, space.token, socket)
    const user = connect(server.url, `${space.spaceId}/user/u1`, space.token, socket)
    const other = connect(server.url, `${space.spaceId}/user/u2`, space.token, socket)
    const part = connect(server.url, `${space.spaceId}/user/u1/2025-03`, space.token, socket)
    const otherPart = connect(server.url, `${space.spaceId}/user/u2/2025-03`, space.token, socket)
    for (const c of [dir, user, other, part, otherPart]) expect(await c.outcome).toEqual({ ok: true })
    const entry = (uid: string) => {
      const e = new Y.Map<unknown>()
      e.set('uid', uid)
      e.set('userId', uid === 'u1' ? 'alice' : 'bob')
      // (a whole directory record, as the app writes it)
      e.set('createdAt', new Date().toISOString())
      e.set('deletedAt', null)
      return e
    }
    dir.doc.getMap('directory').set('u1', entry('u1'))
    dir.doc.getMap('directory').set('u2', entry('u2'))
    await waitFor(() => !dir.provider.hasUnsyncedChanges)
    await write(user, 'words', 'SECRET-ALICE')
    await write(other, 'words', 'bob stays')
    await write(part, 'words', 'SECRET-ALICE-PART')
    await write(otherPart, 'words', 'bob part stays')
    const peek = await openSqlite(server.sqlitePath)
    cleanups.push(() => peek.close())
    const rows = async () => (await new Promise<{ name: string }[]>((resolve, reject) => peek.raw.all('SELECT name FROM documents ORDER BY name', (err, r) => (err ? reject(err) : resolve(r as { name: string }[]))))).map((r) => r.name)
    await expect.poll(rows, { timeout: 5000 }).toContain(`${space.spaceId}/user/u1`)
    await expect.poll(rows, { timeout: 5000 }).toContain(`${space.spaceId}/user/u1/2025-03`)

    // a device deletes alice: her directory entry gets its tombstone
    ;(dir.doc.getMap('directory').get('u1') as Y.Map<unknown>).set('deletedAt', new Date().toISOString())
    await waitFor(() => !dir.provider.hasUnsyncedChanges)
    await expect.poll(rows, { timeout: 5000 }).not.toContain(`${space.spaceId}/user/u1`)
    expect(await rows()).not.toContain(`${space.spaceId}/user/u1/2025-03`)
    // (logged after the WAL checkpoint that follows the delete: polled)
    await expect.poll(() => server.logs.some((l) => l.message.includes(`deleted the documents of a deleted user: "${space.spaceId}/user/u1"`)), { timeout: 5000 }).toBe(true)

    // a device that has not heard of it yet writes to her document and a part: accepted, never stored
    await write(user, 'late', 'SECRET-LATE')
    await write(part, 'late', 'SECRET-LATE-PART')
    const newPart = connect(server.url, `${space.spaceId}/user/u1/2025-04`, space.token, socket)
    expect(await newPart.outcome).toEqual({ ok: true })
    await write(newPart, 'late', 'SECRET-NEW-PART')
    await new Promise((r) => setTimeout(r, 300))
    expect((await rows()).filter((n) => n.startsWith(`${space.spaceId}/user/u1`))).toEqual([])
    await server.stop()
    const file = await openSqlite(server.sqlitePath)
    const all = await new Promise<{ name: string; data: Buffer }[]>((resolve, reject) => file.raw.all('SELECT name, data FROM documents', (err, r) => (err ? reject(err) : resolve(r as { name: string; data: Buffer }[]))))
    await file.close()
    expect(all.map((r) => r.name).sort()).toEqual([`${space.spaceId}/space`, `${space.spaceId}/user/u2`, `${space.spaceId}/user/u2/2025-03`])
    expect(all.some((r) => r.data.toString('latin1').includes('SECRET'))).toBe(false)

    // after a restart it stays forgotten, and a late device opening it takes no slot of the cap; bob is there
    const again = await start({ dataDir })
    expect(await readMap(again.url, `${space.spaceId}/user/u2`, space.token)).toEqual({ words: 'bob stays' })
    const late = connect(again.url, `${space.spaceId}/user/u1`, space.token)
    expect(await late.outcome).toEqual({ ok: true })
    await write(late, 'again', 'SECRET-AGAIN')
    late.destroy()
    await again.stop()
    const end = await openSqlite(again.sqlitePath)
    expect(await end.get('SELECT COUNT(*) AS n FROM documents WHERE name = ?', [`${space.spaceId}/user/u1`])).toEqual({ n: 0 })
    expect(await end.get("SELECT COUNT(*) AS n FROM documents WHERE name LIKE ?", [`${space.spaceId}/user/u1/%`])).toEqual({ n: 0 })
    expect(await end.get("SELECT COUNT(*) AS n FROM keepsake_space_documents WHERE space_id = ? AND doc_name LIKE 'user/u1%'", [space.spaceId])).toEqual({ n: 0 })
    await end.close()
  })

  it('reports a port already in use', async () => {
    const server = await start()
    await expect(startSyncServer({ port: server.port, dataDir: tempDir(), quiet: true })).rejects.toThrow(
      /EADDRINUSE/,
    )
  })
})

describe('sync server limits', () => {
  it("takes a large device's first upload with the default limits (a year of chat, as one sync step)", async () => {
    const server = await start()
    const space = await server.createSpace()
    const name = `${space.spaceId}/user/u1`
    // a device that used Keepsake alone for a long time: 60,000 messages in its document
    const doc = new Y.Doc()
    doc.transact(() => {
      const messages = doc.getMap('messages')
      for (let i = 0; i < 60_000; i++) messages.set(`01a2096c-99c6-7000-ad56-${String(i).padStart(12, '0')}`, { sessionId: `s${i % 500}`, seq: Math.floor(i / 500), role: 'user', content: `message ${i}: an ordinary sentence someone might type into a chat`, timestamp: new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString() })
    })
    const bytes = Y.encodeStateAsUpdate(doc).byteLength
    expect(bytes).toBeGreaterThan(8 * 1024 * 1024)
    const socket = newSocket(server.url)
    const provider = new HocuspocusProvider({ name, document: doc, token: space.token, websocketProvider: socket })
    provider.attach()
    cleanups.push(() => provider.destroy())
    await waitFor(() => provider.synced && !provider.hasUnsyncedChanges, 30_000)
    expect(server.logs.filter((l) => l.level === 'warn')).toEqual([])
    const fresh = connect(server.url, name, space.token)
    expect(await fresh.outcome).toEqual({ ok: true })
    expect(fresh.doc.getMap('messages').size).toBe(60_000)
    fresh.destroy()
  }, 60_000)

  it('refuses a too-large message, logs it and does not store it', async () => {
    const dataDir = tempDir()
    const server = await start({ dataDir, limits: { maxMessageBytes: 64 * 1024 } })
    const space = await server.createSpace()
    const name = `${space.spaceId}/space`
    const client = connect(server.url, name, space.token)
    expect(await client.outcome).toEqual({ ok: true })
    await write(client, 'small', 'ok')

    client.doc.getMap('m').set('big', 'x'.repeat(100_000))
    const reason = await client.closed
    expect(parseSyncRejectReason(reason).code).toBe('message-too-large')
    expect(server.logs.some((l) => l.level === 'warn' && l.message.includes('message-too-large'))).toBe(true)

    expect(await readMap(server.url, name, space.token)).toEqual({ small: 'ok' })
    client.destroy()
    await server.stop()
    const again = await start({ dataDir })
    expect(await readMap(again.url, name, space.token)).toEqual({ small: 'ok' })
  })

  it('refuses a malformed Yjs update before it reaches the document', async () => {
    const server = await start()
    const space = await server.createSpace()
    const name = `${space.spaceId}/space`
    const raw = await openRawSocket(server.url)
    await authenticate(raw, name, space.token)
    const reason = await sendGarbageUpdate(raw, name) // the server closes this document
    expect(reason).toContain('malformed-update')
    expect(server.logs.some((l) => l.message.includes('malformed-update'))).toBe(true)
    expect(await readMap(server.url, name, space.token)).toEqual({})
  })

  it('caps distinct sockets per space (one socket with many documents counts once)', async () => {
    const server = await start({ limits: { maxConnectionsPerSpace: 2 } })
    const space = await server.createSpace()
    const other = await server.createSpace()
    const a = connect(server.url, `${space.spaceId}/space`, space.token)
    const a2 = connect(server.url, `${space.spaceId}/user/u1`, space.token, a.socket)
    const b = connect(server.url, `${space.spaceId}/space`, space.token)
    for (const c of [a, a2, b]) expect(await c.outcome).toEqual({ ok: true })

    await expectDenied(connect(server.url, `${space.spaceId}/space`, space.token), 'too-many-connections')
    // other spaces are not affected
    expect(await connect(server.url, `${other.spaceId}/space`, other.token).outcome).toEqual({ ok: true })

    // a slot frees when a device goes away
    b.destroy()
    b.socket.destroy()
    let admitted = false
    for (let i = 0; i < 50 && !admitted; i++) {
      const c = connect(server.url, `${space.spaceId}/space`, space.token)
      const outcome = await c.outcome
      admitted = outcome.ok
      if (!admitted) {
        c.socket.destroy()
        await new Promise((r) => setTimeout(r, 20))
      }
    }
    expect(admitted).toBe(true)
  })

  it('caps documents per space', async () => {
    const server = await start({ limits: { maxDocumentsPerSpace: 2 } })
    const space = await server.createSpace()
    const socket = newSocket(server.url)
    expect(await connect(server.url, `${space.spaceId}/space`, space.token, socket).outcome).toEqual({ ok: true })
    expect(await connect(server.url, `${space.spaceId}/user/a`, space.token, socket).outcome).toEqual({ ok: true })
    await expectDenied(connect(server.url, `${space.spaceId}/user/b`, space.token, socket), 'too-many-documents')
    // known documents are still admitted on a new socket
    expect(await connect(server.url, `${space.spaceId}/user/a`, space.token).outcome).toEqual({ ok: true })
  })

  it('validates limits', async () => {
    await expect(startSyncServer({ port: 0, sqlitePath: ':memory:', limits: { maxMessageBytes: 0 } })).rejects.toThrow(
      /maxMessageBytes/,
    )
  })
})
