import { afterEach, describe, expect, inject, test } from 'vitest'
import { createSpaceCredentials, MemoryClient, type Change, type SyncConfig } from '../../src/index'
import { KeepsakeDB } from '../../src/store/db'
import { toBlockRow } from '../../src/store/messageBlocks'
import type { MessageRecord } from '../../src/core/types'
import { countBlockReads } from './blockReads'
import { freshDbName } from './helpers'

const open: { close(): void }[] = []
afterEach(() => {
  for (const c of open.splice(0)) c.close()
})

async function openClient(dbName: string, sync?: SyncConfig): Promise<MemoryClient> {
  const c = await MemoryClient.open({ dbName, autoProcess: false, sync })
  open.push(c)
  return c
}

/** Every change the client reports, in order. */
function record(c: MemoryClient): Change[] {
  const seen: Change[] = []
  c.subscribe((ch) => seen.push(ch))
  return seen
}

const brief = (c: Change) => ({ table: c.table, userId: c.userId, origin: c.origin })

describe('client.subscribe: one change feed', () => {
  test("this client's writes are reported as local, with the table, the userId and the ids", async () => {
    const c = await openClient(freshDbName('feed'))
    const seen = record(c)
    const u = await c.createUser('alice', { name: 'Alice' })
    await expect.poll(() => seen).toEqual([
      { table: 'directory', userId: null, ids: ['alice'], origin: 'local' },
      { table: 'users', userId: 'alice', ids: ['alice'], origin: 'local' },
    ])
    seen.length = 0
    const s = await u.createSession()
    const m = await s.addMessage('user', 'I live in Paris')
    await expect.poll(() => seen.find((x) => x.table === 'messages')).toEqual({ table: 'messages', userId: 'alice', ids: [m.messageId], sessionId: s.sessionId, origin: 'local' })
    expect(seen.filter((x) => x.table === 'sessions')).toEqual([{ table: 'sessions', userId: 'alice', ids: [s.sessionId], origin: 'local' }])
    seen.length = 0
    await c.updateSettings({ mergeConflictsEnabled: true })
    await expect.poll(() => seen).toEqual([{ table: 'settings', userId: null, ids: ['space'], origin: 'local' }])
    seen.length = 0
    // a deleted user's changes still name the userId it had
    await u.delete()
    await expect.poll(() => seen.filter((x) => x.table === 'users').at(-1)).toEqual({ table: 'users', userId: 'alice', ids: ['alice'], origin: 'local' })
    expect(seen.filter((x) => x.table === 'directory')).toEqual([{ table: 'directory', userId: null, ids: ['alice'], origin: 'local' }])
  })

  test("another tab's writes are reported as tab: before this tab loaded the document, and after", async () => {
    const name = freshDbName('tabs')
    const a = await openClient(name)
    const b = await openClient(name)
    const seenA = record(a)
    const seenB = record(b)
    // b has no document loaded (as a tab on the welcome screen): the channel's summary says what changed
    await a.createUser('alice')
    await expect.poll(() => seenB.map(brief)).toEqual([
      { table: 'directory', userId: null, origin: 'tab' },
      { table: 'users', userId: 'alice', origin: 'tab' },
    ])
    expect(seenA.every((x) => x.origin === 'local')).toBe(true)
    // b writes to alice's document (now loaded in b); a's next write reaches b's loaded document from the log
    const ub = await b.getUser('alice')
    const sb = await ub.createSession()
    await expect.poll(() => seenA.filter((x) => x.origin === 'tab')).toEqual([{ table: 'sessions', userId: 'alice', ids: [sb.sessionId], origin: 'tab' }])
    seenB.length = 0
    seenA.length = 0
    const sa = await (await a.getUser('alice')).getSession(sb.sessionId)
    const m = await sa.addMessage('user', 'hello from tab A')
    await expect.poll(() => seenB.filter((x) => x.table === 'messages')).toEqual([{ table: 'messages', userId: 'alice', ids: [m.messageId], sessionId: sb.sessionId, origin: 'tab' }])
    // and the message is readable when b hears of it
    expect((await sb.getMessages()).messages.map((x) => x.content)).toEqual(['hello from tab A'])
    // each change once: a while later nothing more came
    await new Promise((r) => setTimeout(r, 200))
    expect(seenB.filter((x) => x.table === 'messages')).toHaveLength(1)
    expect(seenA.filter((x) => x.origin !== 'local')).toEqual([])
    // a's rename in the space: b's later changes name the new userId
    seenB.length = 0
    await (await a.getUser('alice')).update({ newUserId: 'alicia' })
    await expect.poll(() => seenB).toContainEqual({ table: 'directory', userId: null, ids: ['alicia'], origin: 'tab' })
    const m2 = await sa.addMessage('user', 'renamed')
    await expect.poll(() => seenB.find((x) => x.table === 'messages' && x.ids.includes(m2.messageId))?.userId).toBe('alicia')
  })

  test("another device's changes are reported as remote once stored", async () => {
    const { spaceId, secret } = await createSpaceCredentials()
    const cfg = { url: inject('syncUrl'), spaceId, secret }
    const a = await openClient(freshDbName('devA'), cfg)
    const b = await openClient(freshDbName('devB'), cfg)
    const seenB = record(b)
    const u = await a.createUser('alice')
    const s = await u.createSession()
    const m = await s.addMessage('user', 'from device A')
    await expect.poll(() => seenB.find((x) => x.table === 'messages' && x.ids.includes(m.messageId)), { timeout: 15_000 }).toEqual({
      table: 'messages',
      userId: 'alice',
      ids: [m.messageId],
      sessionId: s.sessionId,
      origin: 'remote',
    })
    expect(seenB.map(brief)).toContainEqual({ table: 'directory', userId: null, origin: 'remote' })
    expect(seenB.every((x) => x.origin === 'remote')).toBe(true)
    // readable when reported
    const ub = await b.getUser('alice')
    expect((await (await ub.getSession(s.sessionId)).getMessages()).messages.map((x) => x.content)).toEqual(['from device A'])
  })

  test('an unsubscribed listener hears nothing more, and a throwing listener does not stop the others', async () => {
    const c = await openClient(freshDbName('unsub'))
    const first: Change[] = []
    const off = c.subscribe((ch) => first.push(ch))
    c.subscribe(() => {
      throw new Error('listener bug')
    })
    const seen = record(c)
    await c.createUser('alice')
    await expect.poll(() => seen.length).toBe(2)
    off()
    await c.createUser('bob')
    await expect.poll(() => seen.length).toBe(4)
    expect(first).toHaveLength(2)
  })
})

describe('Session.getMessages reads only the blocks of its page', () => {
  test('a page of a long session reads its blocks and the last one, and is the same page as a full read', async () => {
    const c = await openClient(freshDbName('page'))
    const u = await c.createUser('alice')
    const s = await u.createSession()
    const n = 150 // ten blocks of 16
    for (let i = 0; i < n; i++) await s.addMessage(i % 2 ? 'assistant' : 'user', `message ${i}`)
    const all = Array.from({ length: n }, (_, i) => `message ${i}`)

    const page = await countBlockReads(() => s.getMessages({ offset: 40, limit: 10 }))
    expect(page.result.messages.map((m) => m.content)).toEqual(all.slice(40, 50))
    expect(page.result).toMatchObject({ total: n, hasMore: true })
    // blocks 2 and 3 hold positions 32..63, the last block (9) gives the total
    expect(page.rows).toBe(3)
    expect(page.messages).toBeLessThanOrEqual(3 * 16)

    const first = await countBlockReads(() => s.getMessages({ limit: 1 }))
    expect(first.result.messages.map((m) => m.content)).toEqual(['message 0'])
    expect(first.rows).toBe(2)

    // pages at every edge are those of the whole list
    for (const [offset, limit] of [[0, 50], [16, 16], [15, 2], [140, 50], [149, 1], [150, 5], [0, 200], [31, 33]]) {
      const { messages, total, hasMore } = await s.getMessages({ offset, limit })
      expect(messages.map((m) => m.content), `offset ${offset} limit ${limit}`).toEqual(all.slice(offset, offset + limit))
      expect(total).toBe(n)
      expect(hasMore).toBe(offset + limit < n)
    }
  })

  test('a page whose blocks do not follow the numbering (two devices apart, an import with gaps) comes from a whole read, and is right', async () => {
    const name = freshDbName('odd')
    const c = await openClient(name)
    const u = await c.createUser('alice')
    const s = await u.createSession()
    // rows as two devices that each added messages at the same seqs leave them: block 0 holds 18
    const db = new KeepsakeDB(name)
    open.push(db)
    await db.open()
    const msg = (seq: number, id: string): MessageRecord => ({ messageId: id, sessionId: s.sessionId, uid: u.uid, seq, role: 'user', content: `m${seq}-${id}`, timestamp: `2025-01-01T00:00:${String(seq).padStart(2, '0')}.000Z` })
    const block0 = Array.from({ length: 16 }, (_, i) => msg(i, `a${String(i).padStart(2, '0')}`)).concat([msg(3, 'b03'), msg(4, 'b04')])
    const block1 = [msg(16, 'a16'), msg(17, 'a17')]
    await db.messageBlocks.bulkPut([toBlockRow(u.uid, s.sessionId, 0, block0), toBlockRow(u.uid, s.sessionId, 1, block1)])
    const expected = [...block0, ...block1].sort((x, y) => x.seq - y.seq || (x.messageId < y.messageId ? -1 : 1)).map((m) => m.content)
    const whole = await s.getMessages({ limit: 200 })
    expect(whole.total).toBe(20)
    expect(whole.messages.map((m) => m.content)).toEqual(expected)
    const page = await s.getMessages({ offset: 2, limit: 4 })
    expect(page.messages.map((m) => m.content)).toEqual(expected.slice(2, 6))
    expect(page.total).toBe(20)
    // a missing block (an import with gaps): block 1 gone, block 2 there
    await db.messageBlocks.bulkPut([toBlockRow(u.uid, s.sessionId, 2, [msg(32, 'a32')])])
    await db.messageBlocks.delete([s.sessionId, 1])
    const gap = await s.getMessages({ offset: 18, limit: 5 })
    expect(gap.messages.map((m) => m.content)).toEqual(['m32-a32'])
    expect(gap.total).toBe(19)
  })
})
