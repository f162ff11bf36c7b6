import { afterEach, describe, expect, test } from 'vitest'
import { MemoryClient, type MemoryClientOptions, type MemoryEngine, type User } from '../../src/index'
import type { Decision, ExtractedFact, ResolvedMemory } from '../../src/core/types'
import type { ExtractInput } from '../../src/engine/types'
import { findInDatabase } from './rawIndexedDB'
import { freshDbName } from './helpers'
import { internals } from '../support/internals'

// "Deletion is real": after user.delete() (and the space document's compaction), the deleted user's
// words are nowhere in IndexedDB. The scan reads every object store of the database with the raw
// IndexedDB API: values as JSON, and the bytes of every Uint8Array (the Yjs update log) as UTF-8.

/** Test double at the LLM boundary: every user message becomes one memory, kept word for word. */
class VerbatimEngineDouble implements MemoryEngine {
  readonly id = 'verbatim-test-double'
  async extract(i: ExtractInput): Promise<ExtractedFact[]> {
    return i.messages.flatMap((m, idx) => (m.role === 'user' ? [{ content: `Memory: ${m.content}`, categories: ['personal'], sources: [idx] }] : []))
  }
  async decide(): Promise<Decision> {
    return { kind: 'INSERT' }
  }
  async clarify() {
    return []
  }
  async resolve(): Promise<ResolvedMemory[]> {
    return []
  }
}

type Scan = Awaited<ReturnType<typeof findInDatabase>>
const found = (s: Scan) => Object.keys(s.hits).length > 0

const open: MemoryClient[] = []
async function client(options: MemoryClientOptions = {}) {
  const c = await MemoryClient.open({ dbName: freshDbName('deletion'), autoProcess: false, engine: new VerbatimEngineDouble(), ...options })
  open.push(c)
  return c
}
afterEach(() => {
  for (const c of open.splice(0)) c.close()
})

const unique = (who: string) => `MARKER-${who}-${crypto.randomUUID()}`

/** A user whose every kind of record carries the marker: profile, docs, sessions, messages, memories. */
async function userWithMarker(c: MemoryClient, userId: string, marker: string): Promise<User> {
  const u = await c.createUser(userId, {
    name: `name ${marker}`,
    about: `about ${marker}`,
    metadata: { note: marker },
    docs: [{ title: `doc ${marker}`, content: `content ${marker}`, metadata: { m: marker } }],
  })
  // sessions in three months: three parts of the history, each a document of its own
  for (let i = 0; i < 3; i++) {
    const s = await u.createSession({ metadata: { topic: marker }, customCreatedAtUtc: new Date(Date.UTC(2024, i * 5, 10)) })
    await s.addMessage('user', `I said ${marker} #${i}`)
    await s.addMessage('assistant', `You said ${marker} #${i}`)
    await s.process()
  }
  await u.update({ name: `renamed ${marker}`, newMetadata: { note: `${marker} again` } })
  return u
}

describe('deletion is real', () => {
  test("after user.delete() and compaction, the deleted user's words are nowhere in IndexedDB; the other user's still are", async () => {
    const c = await client()
    const aliceMarker = unique('ALICE')
    const bobMarker = unique('BOB')
    // the marker is also the userId: the space document's directory held it
    const alice = await userWithMarker(c, `alice-${aliceMarker}`, aliceMarker)
    await userWithMarker(c, 'bob', bobMarker)
    expect((await alice.listMemories()).total).toBe(3)

    const before = await findInDatabase(internals(c).db.name, aliceMarker)
    // the scan does find the marker where it is: the log, and every projected table of the user
    expect(Object.keys(before.hits).sort()).toEqual(['directory', 'docs', 'memories', 'messageBlocks', 'sessions', 'updates', 'users'])

    await alice.delete()
    await internals(c).store.compact('space')

    const after = await findInDatabase(internals(c).db.name, aliceMarker)
    expect(after.stores.sort()).toEqual(['conflicts', 'connections', 'directory', 'docs', 'memories', 'messageBlocks', 'meta', 'problems', 'sessions', 'settings', 'updates', 'users'])
    expect(after.values).toBeGreaterThan(10)
    expect(after.hits).toEqual({})
    // the user who was not deleted is still all there: the scan is known to work
    const bob = await findInDatabase(internals(c).db.name, bobMarker)
    expect(Object.keys(bob.hits).sort()).toEqual(['docs', 'memories', 'messageBlocks', 'sessions', 'updates', 'users'])
    expect((await (await c.getUser('bob')).listMemories()).total).toBe(3)

    // and the deleted user's words do not come back when the documents are loaded again from the log
    const name = internals(c).db.name
    c.close()
    const again = await client({ dbName: name })
    expect((await again.listUsers()).users.map((u) => u.userId)).toEqual(['bob'])
    await again.createUser('carol') // a write to the space document after reload
    await internals(again).store.compact('space')
    expect(found(await findInDatabase(name, aliceMarker))).toBe(false)
    expect(found(await findInDatabase(name, bobMarker))).toBe(true)
  })

  test('before compaction the space log still holds the deleted userId; compaction removes it', async () => {
    const c = await client()
    const marker = unique('USERID')
    const u = await c.createUser(`user-${marker}`)
    await u.delete()
    // the user's own document is gone at once; the space document's log keeps the old directory entry
    // until it is compacted (a snapshot of a garbage-collected document keeps no deleted text)
    expect((await findInDatabase(internals(c).db.name, marker)).hits).toEqual({ updates: 1 })
    await internals(c).store.compact('space')
    expect((await findInDatabase(internals(c).db.name, marker)).hits).toEqual({})
  })

  test('destroyAllData() deletes the whole database: nobody\'s words are left', async () => {
    const c = await client()
    const aliceMarker = unique('ALICE')
    const bobMarker = unique('BOB')
    await userWithMarker(c, 'alice', aliceMarker)
    await userWithMarker(c, 'bob', bobMarker)
    const name = internals(c).db.name
    expect(found(await findInDatabase(name, aliceMarker))).toBe(true)
    expect(found(await findInDatabase(name, bobMarker))).toBe(true)

    await c.destroyAllData()
    const dbs = await indexedDB.databases()
    expect(dbs.map((d) => d.name)).not.toContain(name)
    // opening the name again makes a new, empty database
    const scan = await findInDatabase(name, aliceMarker)
    expect(scan.stores).toEqual([])
    expect(found(await findInDatabase(name, bobMarker))).toBe(false)
    await new Promise<void>((resolve, reject) => {
      const r = indexedDB.deleteDatabase(name)
      r.onsuccess = () => resolve()
      r.onerror = () => reject(r.error)
    })
  })
})
