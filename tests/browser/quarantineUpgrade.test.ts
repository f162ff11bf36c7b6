import Dexie from 'dexie'
import { afterEach, expect, test } from 'vitest'
import { MemoryClient } from '../../src/index'
import { KeepsakeDB } from '../../src/store/db'
import { toBlockRow } from '../../src/store/messageBlocks'
import type { MemoryRecord, MessageRecord } from '../../src/core/types'
import { freshDbName } from './helpers'

// A database written by a build without the schema checks may hold rows that arrived malformed over
// sync (the build projected whatever came). Opening it with this build (Dexie version 3) checks every
// row: what fails leaves the projection and is reported; everything valid stays as it was.

const open: { close(): void }[] = []
afterEach(() => {
  for (const c of open.splice(0)) c.close()
})

const AT = '2025-01-08T10:00:00.000Z'
const UID = 'u1'

test('opening a version-2 database quarantines the malformed rows it holds and keeps the rest', async () => {
  const name = freshDbName('v2')
  const old = new Dexie(name)
  // the version-2 layout, as the previous build declared it
  old.version(2).stores({
    updates: '++seq, [doc+seq]',
    meta: 'key',
    settings: 'key',
    directory: 'uid, userId, createdAt',
    users: 'uid, createdAt',
    docs: 'docId, [uid+createdAt]',
    sessions: 'sessionId, [uid+createdAt], status',
    messageBlocks: '[sessionId+block], [uid+sig]',
    memories: 'memoryId, [uid+createdAt]',
    connections: 'connectionId, uid',
    conflicts: 'conflictId, [uid+createdAt]',
  })
  const memory = (id: string, fields: Partial<Record<keyof MemoryRecord, unknown>> = {}) => ({
    memoryId: id, uid: UID, chainId: id, prevVersionId: null, content: `memory ${id}`, categories: ['food'], eventDateStart: null, eventDateEnd: null,
    createdAt: AT, expiredAt: null, expirationReason: null, mergeConflictId: null, pendingConflictId: null, sessionId: null, sourceMessageIds: [], ...fields,
  })
  const message = (id: string, seq: number, fields: Record<string, unknown> = {}) => ({ messageId: id, sessionId: 's1', uid: UID, seq, role: 'user', content: `text ${id}`, timestamp: AT, ...fields }) as MessageRecord
  await old.table('directory').bulkAdd([{ uid: UID, userId: 'alice', createdAt: AT, deletedAt: null }, { uid: 'u2', userId: 5, createdAt: AT, deletedAt: null }])
  await old.table('users').add({ uid: UID, name: 7, about: '', metadata: { plan: 'pro' }, mergeConflictEnabled: null, createdAt: AT, updatedAt: AT, lastActiveAt: AT })
  await old.table('settings').add({ key: 'space', categories: 'food', mergeConflictsEnabled: true })
  await old.table('sessions').add({ sessionId: 's1', uid: UID, status: 'pending', metadata: {}, createdAt: AT, autoProcessAfterSeconds: 600, processedAt: null, error: null, updatedAt: AT })
  await old.table('memories').bulkAdd([memory('good'), memory('bad', { categories: 'food' })])
  await old.table('messageBlocks').add(toBlockRow(UID, 's1', 0, [message('m0', 0), message('m1', 1, { content: { x: 1 } }), message('m2', 2, { role: 'system' })]))
  old.close()

  const db = new KeepsakeDB(name)
  open.push(db)
  await db.open()
  expect(db.verno).toBe(4)
  expect((await db.memories.toArray()).map((m) => m.memoryId)).toEqual(['good'])
  expect((await db.messageBlocks.toArray()).flatMap((b) => b.messages.map((m) => m.messageId))).toEqual(['m0'])
  expect((await db.directory.toArray()).map((d) => d.uid)).toEqual([UID])
  expect(await db.users.get(UID)).toMatchObject({ name: '', metadata: { plan: 'pro' } })
  expect(await db.settings.get('space')).toEqual({ key: 'space', mergeConflictsEnabled: true })
  const problems = await db.problems.toArray()
  expect(problems.map((p) => [p.kind, p.recordId]).sort()).toEqual([
    ['directory', 'u2'],
    ['memory', 'bad'],
    ['message', 'm1'],
    ['message', 'm2'],
    ['profile', UID],
    ['settings', 'space'],
  ])
  expect(problems.find((p) => p.recordId === 'm2')!.problem).toBe('role: a role is "user" or "assistant", got "system"')
  db.close()

  // and through the public API: the valid data reads, the problems are listed
  const client = await MemoryClient.open({ dbName: name, autoProcess: false })
  open.push(client)
  const alice = await client.getUser('alice')
  expect(alice.name).toBe('')
  expect((await alice.listMemories()).items.map((m) => m.content)).toEqual(['memory good'])
  expect((await client.getSettings()).mergeConflictsEnabled).toBe(true)
  expect((await client.listSyncProblems()).filter((p) => p.userId === 'alice').map((p) => p.kind).sort()).toEqual(['memory', 'message', 'message', 'profile'])
})
