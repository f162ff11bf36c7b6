import { afterEach, describe, expect, test } from 'vitest'
import {
  DocNotFoundError,
  InvalidSessionStateError,
  MemoryClient,
  SessionNotFoundError,
  UserAlreadyExistsError,
  UserNotFoundError,
  ValidationError,
} from '../../src/index'
import { freshDbName, movableClock } from './helpers'
import { countMessages } from '../../src/store/messageBlocks'
import { internals } from '../support/internals'

const open: MemoryClient[] = []
async function client(dbName = freshDbName(), now?: () => Date) {
  const c = await MemoryClient.open({ dbName, now, autoProcess: false })
  open.push(c)
  return c
}
afterEach(() => {
  for (const c of open.splice(0)) c.close()
})

describe('users', () => {
  test('createUser stores every field and getUser finds it', async () => {
    const clock = movableClock('2025-02-01T09:00:00Z')
    const c = await client(undefined, clock.now)
    const u = await c.createUser('alice', { name: 'Alice', about: 'Likes tea', metadata: { plan: 'pro', tags: ['x'] }, mergeConflictEnabled: true, docs: [{ title: 'CV', content: 'Engineer at Acme' }] })
    expect(u).toMatchObject({ userId: 'alice', name: 'Alice', about: 'Likes tea', metadata: { plan: 'pro', tags: ['x'] }, mergeConflictEnabled: true })
    expect(u.createdAt.toISOString()).toBe('2025-02-01T09:00:00.000Z')
    const again = await c.getUser('alice')
    expect(again).toMatchObject({ userId: 'alice', name: 'Alice', about: 'Likes tea', metadata: { plan: 'pro', tags: ['x'] }, mergeConflictEnabled: true })
    expect((await again.listDocs()).docs.map((d) => d.title)).toEqual(['CV'])
    const plain = await c.createUser('bob')
    expect(plain).toMatchObject({ name: '', about: '', metadata: {}, mergeConflictEnabled: null })
  })

  test('userId is unique; bad arguments throw ValidationError and write nothing', async () => {
    const c = await client()
    await c.createUser('alice')
    await expect(c.createUser('alice')).rejects.toBeInstanceOf(UserAlreadyExistsError)
    await expect(c.createUser('')).rejects.toBeInstanceOf(ValidationError)
    await expect(c.createUser('carol', { metadata: [] as never })).rejects.toBeInstanceOf(ValidationError)
    await expect(c.createUser('carol', { docs: [{ title: '', content: 'x' }] })).rejects.toBeInstanceOf(ValidationError)
    await expect(c.createUser('carol', { mergeConflictEnabled: 'yes' as never })).rejects.toBeInstanceOf(ValidationError)
    await expect(c.getUser('carol')).rejects.toBeInstanceOf(UserNotFoundError)
    expect((await c.listUsers()).total).toBe(1)
  })

  test('listUsers: newest first, paginated, filtered by metadata containment', async () => {
    const clock = movableClock()
    const c = await client(undefined, clock.now)
    for (let i = 0; i < 12; i++) {
      clock.advance(60)
      await c.createUser(`u${i}`, { metadata: { team: i % 2 ? 'odd' : 'even', profile: { level: i } } })
    }
    const first = await c.listUsers()
    expect(first.users.map((u) => u.userId)).toEqual(['u11', 'u10', 'u9', 'u8', 'u7', 'u6', 'u5', 'u4', 'u3', 'u2'])
    expect(first).toMatchObject({ total: 12, hasMore: true })
    const second = await c.listUsers({ offset: 10, limit: 10 })
    expect(second.users.map((u) => u.userId)).toEqual(['u1', 'u0'])
    expect(second.hasMore).toBe(false)
    const odd = await c.listUsers({ metadataFilter: { team: 'odd' }, limit: 100 })
    expect(odd.total).toBe(6)
    expect((await c.listUsers({ metadataFilter: { profile: { level: 3 } } })).users.map((u) => u.userId)).toEqual(['u3'])
    await expect(c.listUsers({ limit: 0 })).rejects.toBeInstanceOf(ValidationError)
    await expect(c.listUsers({ limit: 101 })).rejects.toBeInstanceOf(ValidationError)
  })

  test('update: metadata replaced, rename keeps everything, null inherits', async () => {
    const c = await client()
    const u = await c.createUser('alice', { metadata: { a: 1, b: 2 }, mergeConflictEnabled: true })
    const s = await u.createSession()
    await s.addMessage('user', 'hello there')
    await u.addDoc({ title: 'Notes', content: 'some notes' })
    await u.update({ newMetadata: { c: 3 }, name: 'Alice A.', about: 'new about', mergeConflictEnabled: null })
    expect(u.metadata).toEqual({ c: 3 })
    const fresh = await c.getUser('alice')
    expect(fresh).toMatchObject({ metadata: { c: 3 }, name: 'Alice A.', about: 'new about', mergeConflictEnabled: null })

    await c.createUser('bob')
    await expect(u.update({ newUserId: 'bob' })).rejects.toBeInstanceOf(UserAlreadyExistsError)
    await u.update({ newUserId: 'alicia' })
    expect(u.userId).toBe('alicia')
    await expect(c.getUser('alice')).rejects.toBeInstanceOf(UserNotFoundError)
    const renamed = await c.getUser('alicia')
    expect(renamed.name).toBe('Alice A.')
    expect((await renamed.listSessions()).sessions.map((x) => x.sessionId)).toEqual([s.sessionId])
    expect((await renamed.getLastNMessages(5)).messages.map((m) => m.content)).toEqual(['hello there'])
    expect((await renamed.listDocs()).total).toBe(1)
    // the session handle made before the rename still works
    await s.addMessage('user', 'still here')
    expect((await s.getMessages()).total).toBe(2)
    // the old id can be used again
    await c.createUser('alice')
  })

  test('delete cascades, and every later call throws the matching NotFound error', async () => {
    const c = await client()
    const u = await c.createUser('alice')
    const s = await u.createSession()
    await s.addMessage('user', 'secret text')
    const d = await u.addDoc({ title: 'Doc', content: 'doc body' })
    await u.delete()
    await expect(c.getUser('alice')).rejects.toBeInstanceOf(UserNotFoundError)
    await expect(u.refresh()).rejects.toBeInstanceOf(UserNotFoundError)
    await expect(u.createSession()).rejects.toBeInstanceOf(UserNotFoundError)
    await expect(u.listSessions()).rejects.toBeInstanceOf(UserNotFoundError)
    await expect(u.getLastNMessages(1)).rejects.toBeInstanceOf(UserNotFoundError)
    await expect(u.addDoc({ title: 't', content: 'c' })).rejects.toBeInstanceOf(UserNotFoundError)
    await expect(u.deleteDoc(d.docId)).rejects.toBeInstanceOf(UserNotFoundError)
    await expect(u.update({ name: 'x' })).rejects.toBeInstanceOf(UserNotFoundError)
    await expect(u.delete()).rejects.toBeInstanceOf(UserNotFoundError)
    await expect(s.addMessage('user', 'x')).rejects.toBeInstanceOf(UserNotFoundError)
    await expect(s.refresh()).rejects.toBeInstanceOf(SessionNotFoundError)
    await expect(s.getMessages()).rejects.toBeInstanceOf(SessionNotFoundError)
    expect(await countMessages(internals(c).db)).toBe(0)
    expect(await internals(c).db.sessions.count()).toBe(0)
    expect(await internals(c).db.docs.count()).toBe(0)
    expect((await c.listUsers()).total).toBe(0)
    // the same id can be created again, fresh
    const again = await c.createUser('alice')
    expect((await again.listSessions()).total).toBe(0)
  })

  test('settings: defaults, update, validation', async () => {
    const c = await client()
    const s = await c.getSettings()
    expect(s.mergeConflictsEnabled).toBe(false)
    expect(s.categories.map((x) => x.name)).toContain('food_preferences')
    const updated = await c.updateSettings({ mergeConflictsEnabled: true, categories: [{ name: 'pets', description: 'animals' }], modelId: 'Qwen2.5-1.5B' })
    expect(updated).toEqual({ mergeConflictsEnabled: true, categories: [{ name: 'pets', description: 'animals' }], modelId: 'Qwen2.5-1.5B' })
    await expect(c.updateSettings({ categories: [{ name: 'Bad Name', description: '' }] })).rejects.toBeInstanceOf(ValidationError)
    await expect(c.updateSettings({ mergeConflictsEnabled: 'on' as never })).rejects.toBeInstanceOf(ValidationError)
    expect((await c.getSettings()).categories).toEqual([{ name: 'pets', description: 'animals' }])
  })
})

describe('sessions and messages', () => {
  test('createSession: defaults, custom creation time with a zone, bad times refused', async () => {
    const clock = movableClock('2025-03-03T12:00:00Z')
    const c = await client(undefined, clock.now)
    const u = await c.createUser('alice')
    const s = await u.createSession({ metadata: { topic: 'food' } })
    expect(s).toMatchObject({ userId: 'alice', status: 'pending', metadata: { topic: 'food' }, autoProcessAfterSeconds: 600, processedAt: null })
    expect(s.createdAt.toISOString()).toBe('2025-03-03T12:00:00.000Z')
    const old = await u.createSession({ customCreatedAtUtc: '2023-05-08T13:56:00+02:00', autoProcessAfterSeconds: 30 })
    expect(old.createdAt.toISOString()).toBe('2023-05-08T11:56:00.000Z')
    expect(old.autoProcessAfterSeconds).toBe(30)
    const fromDate = await u.createSession({ customCreatedAtUtc: new Date('2020-01-01T00:00:00Z') })
    expect(fromDate.createdAt.toISOString()).toBe('2020-01-01T00:00:00.000Z')
    await expect(u.createSession({ customCreatedAtUtc: '2023-05-08T13:56:00' })).rejects.toBeInstanceOf(ValidationError)
    await expect(u.createSession({ customCreatedAtUtc: 'not a date' })).rejects.toBeInstanceOf(ValidationError)
    await expect(u.createSession({ autoProcessAfterSeconds: -1 })).rejects.toBeInstanceOf(ValidationError)
    expect((await u.listSessions()).total).toBe(3)
  })

  test('listSessions: newest first, status and metadata filters, pagination', async () => {
    const clock = movableClock()
    const c = await client(undefined, clock.now)
    const u = await c.createUser('alice')
    const ids: string[] = []
    for (let i = 0; i < 13; i++) {
      clock.advance(10)
      ids.push((await u.createSession({ metadata: { n: i, kind: i < 5 ? 'a' : 'b' } })).sessionId)
    }
    const page = await u.listSessions()
    expect(page.sessions.map((s) => s.sessionId)).toEqual(ids.slice(3).reverse())
    expect(page).toMatchObject({ total: 13, hasMore: true })
    expect((await u.listSessions({ offset: 10 })).sessions.map((s) => s.sessionId)).toEqual(ids.slice(0, 3).reverse())
    expect((await u.listSessions({ metadataFilter: { kind: 'a' } })).total).toBe(5)
    expect((await u.listSessions({ statusFilter: 'pending' })).total).toBe(13)
    expect((await u.listSessions({ statusFilter: 'processed' })).total).toBe(0)
    await expect(u.listSessions({ statusFilter: 'done' as never })).rejects.toBeInstanceOf(ValidationError)
    const got = await u.getSession(ids[4])
    expect(got.metadata).toEqual({ n: 4, kind: 'a' })
    await expect(u.getSession('nope')).rejects.toBeInstanceOf(SessionNotFoundError)
    const other = await c.createUser('bob')
    await expect(other.getSession(ids[0])).rejects.toBeInstanceOf(SessionNotFoundError)
  })

  test('addMessage: order, validation, lastActiveAt moves, state rules', async () => {
    const clock = movableClock('2025-01-01T00:00:00Z')
    const c = await client(undefined, clock.now)
    const u = await c.createUser('alice')
    const s = await u.createSession()
    clock.advance(5)
    await s.addMessage('user', 'one')
    clock.advance(5)
    await s.addMessage('assistant', 'two')
    await s.addMessage('user', 'three\nwith a newline')
    const { messages, total, hasMore } = await s.getMessages()
    expect(messages.map((m) => [m.role, m.content, m.seq])).toEqual([
      ['user', 'one', 0],
      ['assistant', 'two', 1],
      ['user', 'three\nwith a newline', 2],
    ])
    expect(total).toBe(3)
    expect(hasMore).toBe(false)
    expect((await s.getMessages({ offset: 1, limit: 1 })).messages.map((m) => m.content)).toEqual(['two'])
    await u.refresh()
    expect(u.lastActiveAt.toISOString()).toBe('2025-01-01T00:00:10.000Z')
    await expect(s.addMessage('system' as never, 'x')).rejects.toBeInstanceOf(ValidationError)
    await expect(s.addMessage('user', '')).rejects.toBeInstanceOf(ValidationError)
    await expect(s.addMessage('user', '   ')).rejects.toBeInstanceOf(ValidationError)
    await expect(s.getMessages({ limit: 0 })).rejects.toBeInstanceOf(ValidationError)
    expect((await s.getMessages()).total).toBe(3)
  })

  test('addMessage on a processing or processed session throws InvalidSessionStateError', async () => {
    const c = await client()
    const u = await c.createUser('alice')
    const s = await u.createSession()
    await s.addMessage('user', 'I live in Paris')
    await s.process()
    expect(s.status).toBe('processed')
    await expect(s.addMessage('user', 'more')).rejects.toBeInstanceOf(InvalidSessionStateError)
    await expect(s.process()).rejects.toBeInstanceOf(InvalidSessionStateError)
  })

  test('getLastNMessages: across sessions, oldest first, with sessionId, n in 1..100', async () => {
    const clock = movableClock()
    const c = await client(undefined, clock.now)
    const u = await c.createUser('alice')
    const a = await u.createSession()
    const b = await u.createSession()
    for (let i = 0; i < 6; i++) {
      clock.advance(1)
      await (i % 2 ? b : a).addMessage(i % 3 ? 'user' : 'assistant', `m${i}`)
    }
    const last = await u.getLastNMessages(4)
    expect(last.messages.map((m) => m.content)).toEqual(['m2', 'm3', 'm4', 'm5'])
    expect(last.messages.map((m) => m.sessionId)).toEqual([a.sessionId, b.sessionId, a.sessionId, b.sessionId])
    expect(last.messages[0].timestamp).toBeInstanceOf(Date)
    expect((await u.getLastNMessages(100)).messages).toHaveLength(6)
    await expect(u.getLastNMessages(0)).rejects.toBeInstanceOf(ValidationError)
    await expect(u.getLastNMessages(101)).rejects.toBeInstanceOf(ValidationError)
  })

  test('session update, refresh and delete', async () => {
    const c = await client()
    const u = await c.createUser('alice')
    const s = await u.createSession({ metadata: { a: 1 } })
    await s.addMessage('user', 'hello')
    await s.update({ newMetadata: { b: 2 } })
    expect((await u.getSession(s.sessionId)).metadata).toEqual({ b: 2 })
    await expect(s.update({ newMetadata: 'x' as never })).rejects.toBeInstanceOf(ValidationError)
    await s.refresh()
    expect(s.metadata).toEqual({ b: 2 })
    await s.delete()
    await expect(u.getSession(s.sessionId)).rejects.toBeInstanceOf(SessionNotFoundError)
    await expect(s.refresh()).rejects.toBeInstanceOf(SessionNotFoundError)
    await expect(s.addMessage('user', 'x')).rejects.toBeInstanceOf(SessionNotFoundError)
    expect((await u.getLastNMessages(10)).messages).toHaveLength(0)
  })
})

describe('documents', () => {
  test('add, list, search, delete', async () => {
    const c = await client()
    const u = await c.createUser('alice')
    await u.addDoc({ title: 'Recipe', content: 'Lentil soup with cumin and carrots', metadata: { kind: 'food' } })
    await u.addDoc({ title: 'Trip plan', content: 'Train to Berlin in March, hotel near Alexanderplatz', metadata: { kind: 'travel' } })
    const d3 = await u.addDoc({ title: 'Soup ideas', content: 'Tomato soup, miso soup', metadata: { kind: 'food' } })
    expect((await u.listDocs()).docs.map((d) => d.title)).toEqual(['Soup ideas', 'Trip plan', 'Recipe'])
    expect((await u.listDocs({ metadataFilter: { kind: 'food' } })).total).toBe(2)
    const hits = await u.searchDocs('soup')
    expect(hits.map((h) => h.doc.title).sort()).toEqual(['Recipe', 'Soup ideas'])
    expect(hits[0].score).toBeGreaterThan(0)
    expect((await u.searchDocs('berlin')).map((h) => h.doc.title)).toEqual(['Trip plan'])
    expect((await u.searchDocs('soup', { metadataFilter: { kind: 'travel' } }))).toEqual([])
    expect((await u.searchDocs('soup', { limit: 1 }))).toHaveLength(1)
    await expect(u.searchDocs('')).rejects.toBeInstanceOf(ValidationError)
    await expect(u.addDoc({ title: 'x', content: '' })).rejects.toBeInstanceOf(ValidationError)
    await u.deleteDoc(d3.docId)
    await expect(u.deleteDoc(d3.docId)).rejects.toBeInstanceOf(DocNotFoundError)
    expect((await u.listDocs()).total).toBe(2)
  })
})

describe('persistence and two clients', () => {
  test('everything survives close() and a fresh open on the same dbName', async () => {
    const dbName = freshDbName()
    const a = await MemoryClient.open({ dbName, autoProcess: false })
    const u = await a.createUser('alice', { name: 'Alice', metadata: { k: 'v' } })
    const s = await u.createSession({ metadata: { t: 1 } })
    await s.addMessage('user', 'persist me')
    await u.addDoc({ title: 'Doc', content: 'body' })
    await a.updateSettings({ mergeConflictsEnabled: true })
    a.close()
    const b = await client(dbName)
    const u2 = await b.getUser('alice')
    expect(u2).toMatchObject({ name: 'Alice', metadata: { k: 'v' } })
    const s2 = await u2.getSession(s.sessionId)
    expect((await s2.getMessages()).messages.map((m) => m.content)).toEqual(['persist me'])
    expect((await u2.listDocs()).total).toBe(1)
    expect((await b.getSettings()).mergeConflictsEnabled).toBe(true)
    // and the reopened client can keep writing on the same documents
    await s2.addMessage('user', 'after reopen')
    expect((await s2.getMessages()).messages.map((m) => m.seq)).toEqual([0, 1])
  })

  test('two clients on one dbName see each other’s writes and never overwrite them', async () => {
    const dbName = freshDbName()
    const a = await client(dbName)
    const b = await client(dbName)
    const ua = await a.createUser('alice', { name: 'A' })
    const ub = await b.getUser('alice')
    const sa = await ua.createSession()
    const sb = await ub.getSession(sa.sessionId)
    // interleaved writes on the same session from both clients
    for (let i = 0; i < 10; i++) await (i % 2 ? sb : sa).addMessage('user', `m${i}`)
    const msgs = (await sa.getMessages()).messages
    expect(msgs.map((m) => m.content)).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`))
    expect(msgs.map((m) => m.seq)).toEqual(Array.from({ length: 10 }, (_, i) => i))
    // b renames, a updates the profile: both changes kept
    await ub.update({ newUserId: 'alicia' })
    await ua.update({ about: 'from a' })
    const seen = await b.getUser('alicia')
    expect(seen.about).toBe('from a')
    expect((await a.getUser('alicia')).name).toBe('A')
    // concurrent writes, not awaited one by one
    await Promise.all([ua.addDoc({ title: 'd1', content: 'x' }), ub.addDoc({ title: 'd2', content: 'y' }), sa.addMessage('user', 'x1'), sb.addMessage('user', 'x2')])
    expect((await ub.listDocs()).total).toBe(2)
    expect((await sb.getMessages()).total).toBe(12)
    // a write that follows another client's write found the log moved, and was tried again
    expect(internals(a).store.staleRetries + internals(b).store.staleRetries).toBeGreaterThan(0)
    // a fresh client rebuilt from the same log agrees
    const cNew = await client(dbName)
    expect((await (await cNew.getUser('alicia')).getSession(sa.sessionId).then((s) => s.getMessages())).total).toBe(12)
  })

  test('a write in a tab no other tab writes to is stored in one try', async () => {
    const c = await client()
    const u = await c.createUser('alice')
    const s = await u.createSession()
    for (let i = 0; i < 20; i++) await s.addMessage('user', `m${i}`)
    expect(internals(c).store.staleRetries).toBe(0)
    expect((await s.getMessages()).total).toBe(20)
  })

  test('the update log is compacted and the projection still rebuilds from it', async () => {
    const dbName = freshDbName()
    const a = await MemoryClient.open({ dbName, autoProcess: false, compaction: { maxUpdates: 20, maxBytes: 1 << 20 } })
    open.push(a)
    const u = await a.createUser('alice')
    const s = await u.createSession()
    for (let i = 0; i < 50; i++) await s.addMessage('user', `message ${i}`)
    const rows = await internals(a).db.updates.toArray()
    expect(rows.length).toBeLessThan(30)
    expect(rows.some((r) => r.snapshot)).toBe(true)
    // Rebuild: a new client reads the Y document from the compacted log and keeps writing after it.
    const b = await client(dbName)
    const s2 = await (await b.getUser('alice')).getSession(s.sessionId)
    await s2.addMessage('user', 'after compaction')
    expect((await s2.getMessages({ limit: 100 })).messages.map((m) => m.seq).slice(-2)).toEqual([49, 50])
  })
})
