import 'fake-indexeddb/auto'
import { afterEach, describe, expect, test } from 'vitest'
import { MemoryClient } from '../../../src/index'
import { ScriptedEngine } from '../../testDoubles'
import { MemoryDevices } from './MemoryDevices'
import { RandomSource } from './RandomSource'
import { internals } from '../../support/internals'

let n = 0
const open: MemoryClient[] = []
afterEach(() => {
  for (const c of open.splice(0)) c.close()
})

/** Test double: "lives in" facts replace the earlier one (TEMPORAL_CONFLICT), others are inserted. */
function engine() {
  return new ScriptedEngine({
    decideFn: ({ fact, candidates }) => {
      const old = candidates.find((c) => c.content.startsWith('User lives in'))
      return fact.content.startsWith('User lives in') && old ? { kind: 'TEMPORAL_CONFLICT', memoryIds: [old.memoryId] } : { kind: 'INSERT' }
    },
  })
}

async function devices(count: number) {
  const net = new MemoryDevices(new RandomSource(7))
  for (let i = 0; i < count; i++) open.push(await net.add({ dbName: `cross-${n++}`, engine: engine(), autoProcess: false }))
  return { net, clients: net.clients }
}

async function reconcileAll(clients: MemoryClient[], net: MemoryDevices) {
  for (let round = 0; round < 4; round++) {
    await net.settle()
    let changed = false
    for (const c of clients) for (const e of await internals(c).db.directory.toArray()) if (e.userId) changed = (await c.reconcile(e.uid)) || changed
    if (!changed) break
  }
  await net.settle()
}

describe('cross-device rules', () => {
  test('two devices that each add a version to one chain while apart get one conflict, settled from either', async () => {
    const { net, clients } = await devices(2)
    const [a, b] = clients
    const ua = await a.createUser('alice')
    const s0 = await ua.createSession()
    await s0.addMessage('user', 'User lives in Paris')
    await s0.process()
    await net.settle()
    net.setOnline(0, false)
    net.setOnline(1, false)
    const ub = await b.getUser('alice')
    const sa = await ua.createSession()
    await sa.addMessage('user', 'User lives in Berlin')
    await sa.process()
    const sb = await ub.createSession()
    await sb.addMessage('user', 'User lives in Rome')
    await sb.process()
    await reconcileAll(clients, net)
    for (const c of clients) {
      const u = await c.getUser('alice')
      const { conflicts } = await u.listMergeConflicts()
      expect(conflicts).toHaveLength(1)
      expect(conflicts[0]).toMatchObject({ status: 'PENDING', origin: 'sync' })
      expect(conflicts[0].clarifyingQuestions[0].options.sort()).toEqual(['User lives in Berlin', 'User lives in Rome'])
      const { items } = await u.listMemories()
      expect(items.map((i) => i.content).sort()).toEqual(['User lives in Berlin', 'User lives in Rome'])
      expect(items.every((i) => i.mergeConflictInProgress)).toBe(true)
    }
    // settled on B, seen on A
    const [conflictB] = (await ub.listMergeConflicts()).conflicts
    const q = conflictB.clarifyingQuestions[0]
    await conflictB.resolve([{ question: q.question, answer: 'User lives in Rome' }])
    await reconcileAll(clients, net)
    for (const c of clients) {
      const u = await c.getUser('alice')
      expect((await u.listMergeConflicts())).toMatchObject({ total: 1 })
      expect((await u.listMergeConflicts()).conflicts[0].status).toBe('RESOLVED')
      const { items } = await u.listMemories()
      expect(items.map((i) => [i.content, i.mergeConflictInProgress])).toEqual([['User lives in Rome', false]])
      expect(items[0].previousVersions!.map((p) => p.expirationReason)).toContain('MERGE_CONFLICT')
    }
  })

  test('a session processed on two devices apart keeps one device’s memories, never both', async () => {
    const { net, clients } = await devices(3)
    const [a, b] = clients
    const ua = await a.createUser('alice')
    const s0 = await ua.createSession()
    await s0.addMessage('user', 'User lives in Paris')
    await s0.process()
    const s = await ua.createSession()
    await s.addMessage('user', 'User lives in Berlin')
    await s.addMessage('user', 'User likes jazz')
    await net.settle()
    net.setOnline(0, false)
    net.setOnline(1, false)
    await s.process()
    const sb = await (await b.getUser('alice')).getSession(s.sessionId)
    await sb.process()
    expect(sb.status).toBe('processed')
    await reconcileAll(clients, net)
    for (const c of clients) {
      const u = await c.getUser('alice')
      const { items } = await u.listMemories()
      expect(items.map((i) => i.content).sort()).toEqual(['User likes jazz', 'User lives in Berlin'])
      const berlin = items.find((i) => i.content.includes('Berlin'))!
      expect(berlin).toMatchObject({ versionNumber: 2, totalVersions: 2 })
      expect(await internals(c).db.memories.count()).toBe(3)
      expect((await u.listMergeConflicts()).total).toBe(0)
    }
  })

  test('a user renamed on one device onto an id created on the other: both survive and the clash is listed', async () => {
    const { net, clients } = await devices(2)
    const [a, b] = clients
    const ua = await a.createUser('alice')
    await net.settle()
    net.setOnline(0, false)
    net.setOnline(1, false)
    await ua.update({ newUserId: 'sam' })
    await b.createUser('sam', { name: 'Sam from B' })
    await net.settle()
    for (const c of clients) {
      expect((await c.listUsers()).total).toBe(2)
      const clashes = await c.listUserIdClashes()
      expect(clashes).toHaveLength(1)
      expect(clashes[0].userId).toBe('sam')
      expect(clashes[0].users).toHaveLength(2)
    }
    // getUser is deterministic: the same user on both devices
    expect((await a.getUser('sam')).uid).toBe((await b.getUser('sam')).uid)
    // the person renames one: the clash is gone everywhere
    const [first] = (await b.listUserIdClashes())[0].users
    await first.update({ newUserId: 'sam-2' })
    await net.settle()
    for (const c of clients) expect(await c.listUserIdClashes()).toEqual([])
  })
})
