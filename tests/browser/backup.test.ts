import { afterEach, describe, expect, test } from 'vitest'
import { ImportError, MemoryClient, UserNotFoundError, type MemoryClientOptions, type MemoryEngine, type User } from '../../src/index'
import { checkBackup, type BackupFile, type ImportResult } from '../../src/index'
import type { ClarifyingQuestion, Decision, ExtractedFact, MemoryCandidate, ResolvedMemory } from '../../src/core/types'
import type { ClarifyInput, DecideInput, ExtractInput, ResolveInput } from '../../src/engine/types'
import { PART_MAPS, partDocName, PARTS_YMAP, SPACE_DOC, USER_MAPS, userDocName } from '../../src/sync/layout'
import { partsOf } from '../../src/sync/schema/views'
import { plainCopy } from '../support/hostilePeer'
import type { MessageBlockRow } from '../../src/store/messageBlocks'
import { dumpDatabase } from './rawIndexedDB'
import { freshDbName, movableClock } from './helpers'
import { internals } from '../support/internals'

// ---------------------------------------------------------------------------------------------
// Test double at the LLM boundary: each user message carries a directive for the scripted decision.
//   "INSERT::text", "INSERT+target::text" (connect to the memory containing target),
//   "ADD>target::text" (ADDITION_TO_EXISTING_MEMORY), "TEMPORAL>target::text",
//   "MERGE>target::text" (MERGE_CONFLICT), "IGNORE::text", "FAIL::text" (extract throws).
// A date written YYYY-MM-DD in the text becomes the fact's eventDateStart.
// ---------------------------------------------------------------------------------------------
class DirectiveEngineDouble implements MemoryEngine {
  readonly id = 'directive-test-double'
  private readonly directives = new Map<string, { kind: string; target?: string }>()

  async extract(i: ExtractInput): Promise<ExtractedFact[]> {
    const facts: ExtractedFact[] = []
    i.messages.forEach((m, idx) => {
      if (m.role !== 'user') return
      const d = /^(\w+)(?:([>+])(.+?))?::([\s\S]*)$/.exec(m.content)
      if (!d) return
      const [, kind, , target, text] = d
      if (kind === 'FAIL') throw new Error(`scripted extraction failure: ${text}`)
      this.directives.set(text, { kind, target })
      const date = /(\d{4}-\d{2}-\d{2})/.exec(text)
      facts.push({
        content: text,
        categories: text.includes('eat') || text.includes('vegetarian') ? ['food_preferences', 'personal'] : text.includes('live') || text.includes('moved') ? ['location'] : ['pets'],
        ...(date ? { eventDateStart: new Date(`${date[1]}T00:00:00Z`) } : {}),
        sources: [idx],
      })
    })
    return facts
  }

  private pick(cands: MemoryCandidate[], target: string | undefined): string {
    const c = cands.find((x) => target && x.content.includes(target))
    if (!c) throw new Error(`no candidate contains "${target}"`)
    return c.memoryId
  }

  async decide(i: DecideInput): Promise<Decision> {
    const d = this.directives.get(i.fact.content) ?? { kind: 'INSERT' }
    switch (d.kind) {
      case 'INSERT':
        return { kind: 'INSERT', relatedMemoryIds: d.target ? [this.pick(i.candidates, d.target)] : [] }
      case 'ADD':
        return { kind: 'ADDITION_TO_EXISTING_MEMORY', memoryId: this.pick(i.candidates, d.target), content: i.fact.content }
      case 'TEMPORAL':
        return { kind: 'TEMPORAL_CONFLICT', memoryIds: [this.pick(i.candidates, d.target)] }
      case 'MERGE':
        return { kind: 'MERGE_CONFLICT', memoryIds: [this.pick(i.candidates, d.target)], reason: 'they contradict each other' }
      default:
        return { kind: 'IGNORE', reason: 'small talk' }
    }
  }

  async clarify(i: ClarifyInput): Promise<ClarifyingQuestion[]> {
    return [
      { question: 'Which is right?', options: [i.conflicting[0].content, i.fact.content] },
      { question: 'Since when?', options: ['always', 'recently'] },
    ]
  }

  async resolve(i: ResolveInput): Promise<ResolvedMemory[]> {
    const pick = i.answers.find((a) => a.question === 'Which is right?')?.answer
    return pick === i.fact.content ? i.conflicting.map((c) => ({ content: i.fact.content, categories: i.fact.categories, eventDateEnd: new Date('2030-01-01T00:00:00Z'), replaces: c.memoryId })) : []
  }
}

async function rowCounts(c: MemoryClient): Promise<Record<string, number>> {
  const out: Record<string, number> = {}
  for (const t of internals(c).db.tables) out[t.name] = await t.count()
  return out
}

// ---------------------------------------------------------------------------------------------

const open: MemoryClient[] = []
async function client(options: MemoryClientOptions = {}) {
  const c = await MemoryClient.open({ dbName: freshDbName('backup'), autoProcess: false, engine: new DirectiveEngineDouble(), ...options })
  open.push(c)
  return c
}
afterEach(() => {
  for (const c of open.splice(0)) c.close()
})

const withoutTime = (f: BackupFile) => {
  const { exportedAt: _t, ...rest } = f
  return rest
}

async function chat(user: User, lines: string[], options: { at?: string; metadata?: Record<string, string | number> } = {}) {
  const s = await user.createSession({ ...(options.at ? { customCreatedAtUtc: options.at } : {}), metadata: options.metadata ?? {} })
  for (const l of lines) await s.addMessage('user', l)
  await s.process()
  return s
}

/**
 * Everything the public API can create: settings; users with metadata, docs, renames and the three
 * conflict switches; sessions with custom dates and metadata (processed, pending, failed, deleted);
 * messages (also with custom timestamps and assistant replies); memories with several versions and
 * every expiration reason; connections; pending and resolved conflicts; deleted versions.
 */
async function populate(c: MemoryClient, clock: ReturnType<typeof movableClock>) {
  const step = () => clock.advance(61)
  await c.updateSettings({
    categories: [
      { name: 'personal', description: 'who they are' },
      { name: 'food_preferences', description: 'what they eat' },
      { name: 'location', description: 'where they live' },
      { name: 'pets', description: 'their animals' },
    ],
    mergeConflictsEnabled: true,
    modelId: 'test-model-1',
  })
  step()
  const alice = await c.createUser('alice', {
    name: 'Alice',
    about: 'A tester',
    metadata: { plan: 'pro', tags: ['a', 'b'], address: { city: 'Paris' }, n: 1.5, flag: false, none: null },
    docs: [{ title: 'Recipe', content: 'Lentil soup', metadata: { kind: 'recipe' } }],
  })
  step()
  await alice.addDoc({ title: 'Notes', content: 'Call mum on Sunday' })
  const gone = await alice.addDoc({ title: 'Draft', content: 'to delete' })
  await alice.deleteDoc(gone.docId)
  step()
  const s1 = await alice.createSession({ customCreatedAtUtc: '2024-03-01T09:00:00+01:00', metadata: { topic: 'intro', mood: 'good' }, autoProcessAfterSeconds: 120 })
  await s1.addMessage('user', 'INSERT::I am vegetarian', { timestamp: '2024-03-01T08:00:05Z' })
  await s1.addMessage('assistant', 'Noted, no meat for you.', { timestamp: '2024-03-01T08:00:06Z' })
  await s1.addMessage('user', 'INSERT::I live in Paris')
  await s1.addMessage('user', 'INSERT::I have a cat named Tom since 2024-02-20')
  await s1.addMessage('user', 'IGNORE::just chatting')
  await s1.process()
  step()
  await chat(alice, ['ADD>vegetarian::I am vegetarian and avoid dairy', 'TEMPORAL>Paris::I moved to Berlin', 'INSERT+cat::I adopted a second cat'], {
    at: '2024-04-01T10:00:00Z',
    metadata: { topic: 'update', n: 2 },
  })
  step()
  // a pending conflict (conflicts are enabled for the space; alice inherits)
  await chat(alice, ['MERGE>avoid dairy::I eat fish every Friday'])
  step()
  // a resolved conflict: the Berlin version expires with MERGE_CONFLICT and the conflict's id
  await chat(alice, ['MERGE>Berlin::I live in Rome'])
  const rome = (await alice.listMergeConflicts({ status: 'PENDING' })).conflicts.find((x) => x.proposedMemoryContent === 'I live in Rome')!
  step()
  await rome.resolve([
    { question: 'Which is right?', answer: 'I live in Rome', message: 'I moved again' },
    { question: 'Since when?', answer: 'recently' },
  ])
  step()
  // a failed session, and a pending one with unprocessed messages
  await chat(alice, ['FAIL::the engine breaks'])
  const pending = await alice.createSession({ autoProcessAfterSeconds: 3600 })
  await pending.addMessage('user', 'INSERT::I like hiking')
  await pending.addMessage('assistant', 'Where do you hike?')
  step()

  // bob: conflicts switched off for him, so MERGE_CONFLICT supersedes at once (no conflict id)
  const bob = await c.createUser('bob', { mergeConflictEnabled: false, metadata: { plan: 'free' } })
  step()
  await chat(bob, ['INSERT::I like tea'])
  step()
  await chat(bob, ['MERGE>tea::I hate tea'])
  step()
  // a session deleted after processing: its memories stay, naming it
  const doomed = await chat(bob, ['INSERT::I play chess', 'INSERT::I own a piano'])
  await doomed.delete()
  step()
  // deleting the first version of a chain: the chain id names no version any more
  await chat(bob, ['ADD>chess::I play chess every week'])
  const chess = (await bob.listMemories()).items.find((m) => m.content === 'I play chess every week')!
  await bob.deleteMemory(chess.previousVersions![0].memoryId)
  step()
  // the person's own changes: an edit (USER_EDIT) and a memory added by hand
  const tea = (await bob.listMemories()).items.find((m) => m.content === 'I hate tea')!
  await bob.updateMemory(tea.memoryId, { content: 'I hate black tea, green tea is fine', categories: ['food_preferences'] })
  await bob.addMemory({ content: 'I keep bees', categories: ['pets'], eventDateStart: '2023-06-01T00:00:00Z' })
  step()

  // carol: renamed, conflicts switched on explicitly; a middle version deleted; a conflict whose
  // memory was deleted while it waited
  const carol = await c.createUser('carol-old', { name: 'Carol', mergeConflictEnabled: true })
  await carol.update({ newUserId: 'carol', about: 'renamed', newMetadata: { v: 2 } })
  step()
  await chat(carol, ['INSERT::I live in Oslo'])
  step()
  await chat(carol, ['ADD>Oslo::I live in Oslo, near the sea'])
  step()
  await chat(carol, ['ADD>sea::I live in Oslo, near the sea, with a view'])
  const view = (await carol.listMemories()).items.find((m) => m.content.includes('view'))!
  await carol.deleteMemory(view.previousVersions![0].memoryId) // the middle version: the chain is relinked
  step()
  await chat(carol, ['INSERT::I have a dog', 'INSERT::I eat meat'])
  step()
  await chat(carol, ['MERGE>dog::I have no pets'])
  const dog = (await carol.listMemories()).items.find((m) => m.content === 'I have a dog')!
  await carol.deleteMemory(dog.memoryId)
  step()
  // a user with nothing but a profile
  await c.createUser('dave')
  return { alice, bob, carol }
}

/** Every record projected from the Y documents equals what the Y documents hold. */
async function expectProjectionMatchesY(c: MemoryClient) {
  const dir = await internals(c).db.directory.toArray()
  for (const e of dir.filter((x) => x.userId)) {
    const udoc = await internals(c).store.getDoc(userDocName(e.uid))
    // sessions and messages are in the parts of the user's history that the space lists
    const space = await internals(c).store.getDoc(SPACE_DOC)
    const parts = await Promise.all(partsOf(space.getMap(PARTS_YMAP), e.uid).map(async (key) => ({ key, doc: await internals(c).store.getDoc(partDocName(e.uid, key)) })))
    for (const spec of USER_MAPS) {
      const table = internals(c).db.table(spec.table)
      if (spec.shape === 'fields') {
        expect({ ...(await table.get(e.uid)), uid: e.uid }).toEqual({ ...(udoc.getMap(spec.ymap).toJSON() as object), uid: e.uid })
        continue
      }
      const fromY: Record<string, unknown> = {}
      const holders = PART_MAPS.includes(spec) ? [{ key: null, doc: udoc }, ...parts] : [{ key: null, doc: udoc }]
      for (const h of holders) {
        h.doc.getMap(spec.ymap).forEach((v, id) => {
          const rec: Record<string, unknown> = { ...plainCopy(v), [spec.idField]: id, uid: e.uid }
          for (const f of spec.unprojected ?? []) delete rec[f] // kept in Y, read from the messages index
          if (spec.table === 'sessions' && h.key) rec.part = h.key // the projection says where it is
          fromY[id] = rec
        })
      }
      let rows = (await table.toArray()) as Record<string, unknown>[]
      // messages are stored in blocks of a session: compare the messages they hold
      if (spec.shape === 'blocks') rows = (rows as unknown as MessageBlockRow[]).flatMap((b) => b.messages) as unknown as Record<string, unknown>[]
      const fromDexie = Object.fromEntries(rows.filter((r) => r.uid === e.uid).map((r) => [r[spec.idField] as string, r]))
      expect(fromDexie).toEqual(fromY)
    }
  }
}

function recordCount(f: BackupFile): number {
  return f.users.reduce(
    (n, u) => n + u.docs.length + u.sessions.length + u.sessions.reduce((m, s) => m + s.messages.length, 0) + u.memories.length + u.connections.length + u.conflicts.length,
    0,
  )
}

/** What the public API shows of a user, for comparing two databases. */
async function apiView(u: User) {
  const sessions = (await u.listSessions({ limit: 100 })).sessions
  return {
    user: { userId: u.userId, name: u.name, about: u.about, metadata: u.metadata, mergeConflictEnabled: u.mergeConflictEnabled, createdAt: u.createdAt, updatedAt: u.updatedAt, lastActiveAt: u.lastActiveAt },
    docs: (await u.listDocs()).docs,
    sessions: await Promise.all(
      sessions.map(async (s) => ({ ...s, ctx: undefined, processor: undefined, uid: undefined, messages: (await s.getMessages({ limit: 200 })).messages })),
    ),
    memories: (await u.listMemories({ limit: 200 })).items,
    conflicts: (await u.listMergeConflicts({ limit: 100 })).conflicts.map((c) => ({ ...c, ctx: undefined, uid: undefined })),
    last: (await u.getLastNMessages(100)).messages,
  }
}

describe('export and import', () => {
  test('round trip: export(A) imported into a fresh database exports the same bytes, and the API shows the same', async () => {
    const clock = movableClock('2025-01-08T10:00:00Z')
    const a = await client({ now: clock.now })
    await populate(a, clock)
    const fileA = await a.exportSpace()

    // the export has everything the API created
    expect(checkBackup(fileA)).toEqual({ ok: true, value: fileA })
    expect(fileA).toMatchObject({ format: 'keepsake-backup', version: 1, scope: 'space', exportedAt: clock.now().toISOString() })
    expect(fileA.settings).toEqual({
      categories: [
        { name: 'personal', description: 'who they are' },
        { name: 'food_preferences', description: 'what they eat' },
        { name: 'location', description: 'where they live' },
        { name: 'pets', description: 'their animals' },
      ],
      mergeConflictsEnabled: true,
      modelId: 'test-model-1',
    })
    expect(fileA.users.map((u) => u.userId)).toEqual(['alice', 'bob', 'carol', 'dave'])
    const [alice, bob, carol] = fileA.users
    expect(alice.profile.metadata).toEqual({ plan: 'pro', tags: ['a', 'b'], address: { city: 'Paris' }, n: 1.5, flag: false, none: null })
    expect(alice.docs.map((d) => d.title)).toEqual(['Recipe', 'Notes'])
    expect(alice.sessions.map((s) => s.status)).toEqual(['processed', 'processed', 'processed', 'processed', 'failed', 'pending'])
    expect(alice.sessions[0]).toMatchObject({ createdAt: '2024-03-01T08:00:00.000Z', metadata: { topic: 'intro', mood: 'good' }, autoProcessAfterSeconds: 120 })
    expect(alice.sessions[0].messages.map((m) => [m.seq, m.role])).toEqual([[0, 'user'], [1, 'assistant'], [2, 'user'], [3, 'user'], [4, 'user']])
    expect(alice.sessions.find((s) => s.status === 'failed')!.error).toMatch(/scripted extraction failure/)
    const reasons = fileA.users.flatMap((u) => u.memories.map((m) => m.expirationReason))
    for (const r of ['ADDITION_TO_EXISTING_MEMORY', 'TEMPORAL_CONFLICT', 'MERGE_CONFLICT', 'USER_EDIT', null]) expect(reasons).toContain(r)
    expect(bob.memories.filter((m) => m.byUser).map((m) => m.content).sort()).toEqual(['I hate black tea, green tea is fine', 'I keep bees'])
    expect(fileA.users.flatMap((u) => u.memories).every((m) => typeof m.byUser === 'boolean')).toBe(true)
    expect(bob.memories.some((m) => m.expirationReason === 'MERGE_CONFLICT' && m.mergeConflictId === null)).toBe(true)
    expect(alice.memories.some((m) => m.expirationReason === 'MERGE_CONFLICT' && m.mergeConflictId !== null)).toBe(true)
    expect(alice.memories.some((m) => m.pendingConflictId !== null)).toBe(true)
    expect(alice.memories.find((m) => m.content.includes('cat named Tom'))!.eventDateStart).toBe('2024-02-20T00:00:00.000Z')
    expect(alice.connections).toHaveLength(1)
    expect(alice.conflicts.map((x) => x.status).sort()).toEqual(['PENDING', 'RESOLVED'])
    expect(alice.conflicts.find((x) => x.status === 'RESOLVED')!.resolutionData!.answers[0].message).toBe('I moved again')
    // bob's chess chain lost its first version; his deleted session is still named by its memory
    const chessNow = bob.memories.find((m) => m.content === 'I play chess every week')!
    expect(bob.memories.some((m) => m.memoryId === chessNow.chainId)).toBe(false)
    expect(chessNow.prevVersionId).toBeNull()
    expect(bob.sessions.some((s) => s.sessionId === chessNow.sessionId)).toBe(true)
    const orphans = bob.memories.filter((m) => m.sessionId && !bob.sessions.some((s) => s.sessionId === m.sessionId))
    expect(orphans.map((m) => m.content)).toEqual(['I own a piano'])
    // carol: relinked chain, and a pending conflict that names a deleted memory
    const oslo = carol.memories.filter((m) => m.content.includes('Oslo'))
    expect(oslo).toHaveLength(2)
    expect(oslo[1].prevVersionId).toBe(oslo[0].memoryId)
    const waiting = carol.conflicts.find((x) => x.status === 'PENDING')!
    expect(carol.memories.some((m) => m.memoryId === waiting.conflictingMemories[0].memoryId)).toBe(false)
    expect(fileA.users[3]).toMatchObject({ userId: 'dave', docs: [], sessions: [], memories: [] })

    // import into a fresh database
    const b = await client()
    const result = await b.importBackup(JSON.parse(JSON.stringify(fileA)))
    expect(result).toEqual({ usersCreated: 4, usersMerged: 0, recordsAdded: recordCount(fileA), recordsSkipped: 0, settingsImported: true, conflicts: [] })
    const fileB = await b.exportSpace()
    expect(JSON.stringify(withoutTime(fileB))).toBe(JSON.stringify(withoutTime(fileA)))

    // the public API shows the same data on both sides
    expect(await b.getSettings()).toEqual(await a.getSettings())
    for (const userId of ['alice', 'bob', 'carol', 'dave']) {
      expect(await apiView(await b.getUser(userId))).toEqual(await apiView(await a.getUser(userId)))
    }
    expect((await b.listUsers()).users.map((u) => u.userId)).toEqual((await a.listUsers()).users.map((u) => u.userId))

    // the records are part of the Y documents, projected exactly as the client projects its own
    await expectProjectionMatchesY(b)
    // and they survive a reopen (the update log is the source of truth)
    const name = internals(b).db.name
    b.close()
    const b2 = await client({ dbName: name })
    expect(JSON.stringify(withoutTime(await b2.exportSpace()))).toBe(JSON.stringify(withoutTime(fileA)))

    // life goes on after an import: the pending session takes the next message at the next seq,
    // is processed; the pending conflict can be resolved
    const aliceB = await b2.getUser('alice')
    const pendingB = (await aliceB.listSessions({ statusFilter: 'pending' })).sessions[0]
    const m = await pendingB.addMessage('user', 'INSERT::I like swimming')
    expect(m.seq).toBe(2)
    await pendingB.process()
    expect((await aliceB.listMemories({ limit: 100 })).items.map((x) => x.content)).toEqual(expect.arrayContaining(['I like hiking', 'I like swimming']))
    const fish = (await aliceB.listMergeConflicts({ status: 'PENDING' })).conflicts[0]
    await fish.resolve([
      { question: 'Which is right?', answer: 'I eat fish every Friday' },
      { question: 'Since when?', answer: 'always' },
    ])
    expect(fish.status).toBe('RESOLVED')
    await expectProjectionMatchesY(b2)
  })

  test('a user export round-trips on its own, and merges into a database that has other users and settings', async () => {
    const clock = movableClock('2025-01-08T10:00:00Z')
    const a = await client({ now: clock.now })
    await populate(a, clock)
    const aliceFile = await (await a.getUser('alice')).export()
    expect(aliceFile.scope).toBe('user')
    expect(aliceFile.users.map((u) => u.userId)).toEqual(['alice'])
    expect(checkBackup(aliceFile).ok).toBe(true)

    const c = await client()
    await c.updateSettings({ mergeConflictsEnabled: false })
    const zoe = await c.createUser('zoe', { name: 'Zoe' })
    const zoeBefore = await apiView(zoe)
    const settingsBefore = await c.getSettings()
    const r = await c.importBackup(aliceFile)
    expect(r).toMatchObject({ usersCreated: 1, usersMerged: 0, recordsAdded: recordCount(aliceFile), recordsSkipped: 0, settingsImported: false })
    // settings: the target had its own, so they were kept (and the difference reported)
    expect(r.conflicts).toEqual([{ kind: 'settings', id: 'space', reason: expect.stringContaining('kept') }])
    expect(await c.getSettings()).toEqual(settingsBefore)
    expect(await apiView(await c.getUser('zoe'))).toEqual(zoeBefore)
    const again = await (await c.getUser('alice')).export()
    const { settings: _s1, ...mine } = withoutTime(again)
    const { settings: _s2, ...theirs } = withoutTime(aliceFile)
    expect(mine).toEqual(theirs)
    expect(JSON.stringify(again.users)).toBe(JSON.stringify(aliceFile.users))
    // a deleted user cannot be exported
    const gone = await c.getUser('alice')
    await gone.delete()
    await expect(gone.export()).rejects.toBeInstanceOf(UserNotFoundError)
  })

  test('importing the same file twice changes nothing the second time', async () => {
    const clock = movableClock('2025-01-08T10:00:00Z')
    const a = await client({ now: clock.now })
    await populate(a, clock)
    const file = await a.exportSpace()
    const b = await client()
    await b.importBackup(file)
    const before = await dumpDatabase(internals(b).db.name)
    const second = await b.importBackup(JSON.stringify(file))
    expect(second).toEqual({ usersCreated: 0, usersMerged: 4, recordsAdded: 0, recordsSkipped: recordCount(file), settingsImported: false, conflicts: [] })
    expect(await dumpDatabase(internals(b).db.name)).toEqual(before)
    // and importing a file into the database it came from is the same no-op
    const beforeA = await dumpDatabase(internals(a).db.name)
    expect(await a.importBackup(file)).toMatchObject({ usersCreated: 0, usersMerged: 4, recordsAdded: 0, conflicts: [] })
    expect(await dumpDatabase(internals(a).db.name)).toEqual(beforeA)
  })

  test('ids that exist with other content are reported, not overwritten; new records still come in', async () => {
    const clock = movableClock('2025-01-08T10:00:00Z')
    const a = await client({ now: clock.now })
    await populate(a, clock)
    const file = await a.exportSpace()
    const b = await client()
    await b.importBackup(file)
    const aliceB = await b.getUser('alice')
    const viewBefore = await apiView(aliceB)

    const edited = structuredClone(file)
    const alice = edited.users[0]
    alice.profile.name = 'Alicia'
    alice.docs[0].title = 'Another title'
    alice.sessions[0].metadata = { topic: 'changed' }
    alice.sessions[0].messages[0].content = 'INSERT::I am not vegetarian'
    alice.memories[0].content = 'changed content'
    alice.conflicts[0].status = 'FAILED'
    // new records: a message at the end of a processed session, and a new doc
    const pendingSession = alice.sessions.find((s) => s.status === 'pending')!
    pendingSession.messages.push({ messageId: 'imported-message-1', seq: 7, role: 'user', content: 'INSERT::from the file', timestamp: '2025-02-01T00:00:00.000Z' })
    alice.docs.push({ docId: 'imported-doc-1', title: 'New', content: 'new doc', metadata: {}, createdAt: '2025-02-01T00:00:00.000Z' })
    edited.settings!.modelId = 'other-model'

    const r: ImportResult = await b.importBackup(edited)
    const byKind = (k: string) => r.conflicts.filter((x) => x.kind === k).map((x) => x.id)
    expect(byKind('user')).toEqual(['alice'])
    expect(byKind('doc')).toEqual([file.users[0].docs[0].docId])
    expect(byKind('session')).toEqual([file.users[0].sessions[0].sessionId])
    expect(byKind('message')).toEqual([file.users[0].sessions[0].messages[0].messageId])
    expect(byKind('memory')).toEqual([file.users[0].memories[0].memoryId])
    expect(byKind('conflict')).toEqual([file.users[0].conflicts[0].conflictId])
    expect(byKind('settings')).toEqual(['space'])
    expect(r).toMatchObject({ usersCreated: 0, usersMerged: 4, recordsAdded: 2, settingsImported: false })
    expect(r.recordsSkipped).toBe(recordCount(file) - 5)

    // nothing was overwritten
    const viewAfter = await apiView(await b.getUser('alice'))
    // the profile is untouched; its activity is read from the messages, and a newer message came in
    expect({ ...viewAfter.user, lastActiveAt: null }).toEqual({ ...viewBefore.user, lastActiveAt: null })
    expect((viewAfter.user as { lastActiveAt: Date }).lastActiveAt.toISOString()).toBe('2025-02-01T00:00:00.000Z')
    expect(viewAfter.memories).toEqual(viewBefore.memories)
    expect(viewAfter.conflicts).toEqual(viewBefore.conflicts)
    expect(viewAfter.docs.map((d) => d.title)).toEqual(['New', ...viewBefore.docs.map((d) => d.title)])
    expect((await b.getSettings()).modelId).toBe('test-model-1')
    // the new message came in, and the session's counter moved past it
    const s = await (await b.getUser('alice')).getSession(pendingSession.sessionId)
    expect((await s.getMessages()).messages.map((m) => m.seq)).toEqual([0, 1, 7])
    expect((await s.addMessage('user', 'INSERT::after the import')).seq).toBe(8)
    await expectProjectionMatchesY(b)

    // a new user whose records carry ids of another user's records: reported, the user still comes in
    const taken = file.users[0].memories[2]
    const zedFile: BackupFile = {
      format: 'keepsake-backup',
      version: 1,
      exportedAt: '2025-02-01T00:00:00.000Z',
      scope: 'user',
      users: [
        {
          userId: 'zed',
          profile: { ...alice.profile, name: 'Zed' },
          docs: [{ ...file.users[0].docs[1] }],
          sessions: [{ ...file.users[0].sessions[1], messages: [{ ...file.users[0].sessions[1].messages[0] }] }],
          memories: [{ ...taken, chainId: taken.memoryId, prevVersionId: null, sessionId: null, sourceMessageIds: [], mergeConflictId: null, pendingConflictId: null }],
          connections: [],
          conflicts: [],
        },
      ],
    }
    const before = await dumpDatabase(internals(b).db.name)
    const rz = await b.importBackup(zedFile)
    expect(rz).toMatchObject({ usersCreated: 1, usersMerged: 0, recordsAdded: 0, recordsSkipped: 0, settingsImported: false })
    expect(rz.conflicts).toEqual([
      { kind: 'doc', id: file.users[0].docs[1].docId, userId: 'zed', reason: 'a doc with this id belongs to another user' },
      { kind: 'session', id: file.users[0].sessions[1].sessionId, userId: 'zed', reason: 'a session with this id belongs to another user' },
      { kind: 'message', id: file.users[0].sessions[1].messages[0].messageId, userId: 'zed', reason: 'its session belongs to another user' },
      { kind: 'memory', id: taken.memoryId, userId: 'zed', reason: 'a memory with this id belongs to another user' },
    ])
    const zed = await b.getUser('zed')
    expect((await zed.listMemories()).total).toBe(0)
    expect((await zed.listSessions()).total).toBe(0)
    expect((await zed.listDocs()).total).toBe(0)
    // alice's rows are untouched
    const after = await dumpDatabase(internals(b).db.name)
    for (const t of ['docs', 'sessions', 'messageBlocks', 'memories']) expect(after[t]).toEqual(before[t])
    await expectProjectionMatchesY(b)
  })

  test('dryRun reports what an import would do and writes nothing', async () => {
    const clock = movableClock('2025-01-08T10:00:00Z')
    const a = await client({ now: clock.now })
    await populate(a, clock)
    const file = await a.exportSpace()
    const b = await client()
    const before = await dumpDatabase(internals(b).db.name)
    const r = await b.importBackup(file, { dryRun: true })
    expect(r).toEqual({ usersCreated: 4, usersMerged: 0, recordsAdded: recordCount(file), recordsSkipped: 0, settingsImported: true, conflicts: [] })
    expect(await dumpDatabase(internals(b).db.name)).toEqual(before)
  })
})

describe('bad files are refused whole, and nothing changes', () => {
  async function setup() {
    const clock = movableClock('2025-01-08T10:00:00Z')
    const a = await client({ now: clock.now })
    await populate(a, clock)
    const file = await a.exportSpace()
    // the target already holds data (part of the file, and a user of its own)
    const b = await client()
    await b.importBackup(await (await a.getUser('bob')).export())
    const own = await b.createUser('own-user', { name: 'Own' })
    const s = await own.createSession()
    await s.addMessage('user', 'INSERT::mine')
    return { file, b }
  }

  const cases: [string, (f: BackupFile & Record<string, unknown>) => void, RegExp][] = [
    ['wrong format', (f) => (f.format = 'something-else' as never), /^\$\.format: not a Keepsake backup/],
    ['wrong version', (f) => (f.version = 3 as never), /^\$\.version: backup format version 3 is newer/],
    ['wrong types', (f) => (f.users[0].sessions[0].messages[1].seq = 'one' as never), /^\$\.users\[0\]\.sessions\[0\]\.messages\[1\]\.seq: must be a number, got the string "one"/],
    ['broken chain', (f) => (f.users[0].memories[1].prevVersionId = 'no-such-version'), /^\$\.users\[0\]\.memories\[1\]\.prevVersionId: broken chain/],
    [
      'dangling id',
      (f) => (f.users[0].connections[0] = { ...f.users[0].connections[0], chainB: 'zzzz', connectionId: `${f.users[0].connections[0].chainA}|zzzz` }),
      /^\$\.users\[0\]\.connections\[0\]\.chainB: dangling id/,
    ],
    ['over-large content', (f) => (f.users[1].sessions[0].messages[0].content = 'x'.repeat(100_001)), /^\$\.users\[1\]\.sessions\[0\]\.messages\[0\]\.content: a message is longer than 100000 characters/],
    ['duplicate id', (f) => (f.users[2].memories[0].memoryId = f.users[0].memories[0].memoryId), /^\$\.users\[2\]\.memories\[0\]\.memoryId: duplicate memoryId/],
    ['a message whose role is not user or assistant', (f) => (f.users[0].sessions[0].messages[1].role = 'system' as never), /^\$\.users\[0\]\.sessions\[0\]\.messages\[1\]\.role: a role is "user" or "assistant", got the string "system"/],
    ...(['__proto__', 'constructor', 'prototype'] as const).map((key): [string, (f: BackupFile) => void, RegExp] => [
      `a metadata key "${key}"`,
      (f) => (f.users[0].sessions[0].metadata = JSON.parse(`{"ok": 1, "nested": {"${key}": {"polluted": true}}}`)),
      new RegExp(`^\\$\\.users\\[0\\]\\.sessions\\[0\\]\\.metadata: nested\\.${key}: the key "${key}" is not allowed`),
    ]),
  ]

  for (const [name, edit, message] of cases) {
    test(name, async () => {
      const { file, b } = await setup()
      const data = structuredClone(file) as BackupFile & Record<string, unknown>
      edit(data)
      const counts = await rowCounts(b)
      const dump = await dumpDatabase(internals(b).db.name)
      const err = await b.importBackup(data).then(
        () => null,
        (e: unknown) => e,
      )
      expect(err).toBeInstanceOf(ImportError)
      expect((err as ImportError).message).toMatch(message)
      expect(await rowCounts(b)).toEqual(counts)
      expect(await dumpDatabase(internals(b).db.name)).toEqual(dump)
      // the same file, repaired, imports
      expect((await b.importBackup(file)).usersCreated).toBe(3)
    })
  }

  test('JSON text that is not JSON', async () => {
    const { b } = await setup()
    const dump = await dumpDatabase(internals(b).db.name)
    await expect(b.importBackup('{"format": "keepsake-backup",')).rejects.toThrow(/^\$: not JSON/)
    expect(await dumpDatabase(internals(b).db.name)).toEqual(dump)
  })

  test('a failure in the middle of the write leaves nothing (one transaction for the whole file)', async () => {
    const { file, b } = await setup()
    const dump = await dumpDatabase(internals(b).db.name)
    // the projection of the last table written fails, after the log and the other tables were written
    const fail = () => {
      throw new Error('disk on fire')
    }
    internals(b).db.conflicts.hook('creating', fail)
    await expect(b.importBackup(file)).rejects.toThrow(/disk on fire/)
    internals(b).db.conflicts.hook('creating').unsubscribe(fail)
    expect(await dumpDatabase(internals(b).db.name)).toEqual(dump)
    // the documents were reloaded from the log: a retry imports everything once
    const r = await b.importBackup(file)
    expect(r).toMatchObject({ usersCreated: 3, usersMerged: 1, conflicts: [] })
    await expectProjectionMatchesY(b)
    expect(JSON.stringify(withoutTime(await b.exportSpace())).length).toBeGreaterThan(0)
  })
})

describe('RecallrAI-shaped import', () => {
  const data = {
    users: [
      {
        user_id: 'r-alice',
        metadata: { source: 'recallrai' },
        sessions: [
          {
            custom_created_at_utc: '2024-05-01T12:00:00+02:00',
            metadata: { channel: 'web' },
            messages: [
              { role: 'user', content: 'INSERT::I am a nurse' },
              { role: 'assistant', content: 'That is a demanding job.' },
            ],
          },
          { messages: [{ role: 'user', content: 'INSERT::I work nights' }] },
        ],
      },
      { user_id: 'r-bob', sessions: [] },
    ],
  }

  test('creates users, sessions with their custom dates and metadata, and messages in order', async () => {
    const clock = movableClock('2025-01-08T10:00:00Z')
    const c = await client({ now: clock.now })
    const r = await c.importRecallrAI(data)
    expect(r).toEqual({ usersCreated: 2, sessionsCreated: 2, messagesAdded: 3 })
    const alice = await c.getUser('r-alice')
    expect(alice.metadata).toEqual({ source: 'recallrai' })
    const { sessions } = await alice.listSessions()
    expect(sessions.map((s) => s.createdAt.toISOString())).toEqual(['2025-01-08T10:00:00.000Z', '2024-05-01T10:00:00.000Z'])
    const old = sessions[1]
    expect(old.metadata).toEqual({ channel: 'web' })
    expect((await old.getMessages()).messages.map((m) => [m.seq, m.role, m.content, m.timestamp.toISOString()])).toEqual([
      [0, 'user', 'INSERT::I am a nurse', '2024-05-01T10:00:00.000Z'],
      [1, 'assistant', 'That is a demanding job.', '2024-05-01T10:00:00.000Z'],
    ])
    expect((await alice.getLastNMessages(10)).messages.map((m) => m.content)).toEqual(['INSERT::I am a nurse', 'That is a demanding job.', 'INSERT::I work nights'])
    await old.process()
    expect((await alice.listMemories()).items.map((m) => m.content)).toEqual(['I am a nurse'])
    expect((await c.getUser('r-bob')).userId).toBe('r-bob')
  })

  test('a bad input or an existing user_id is refused before anything is created', async () => {
    const c = await client()
    await c.createUser('someone')
    const dump = await dumpDatabase(internals(c).db.name)
    const bad = structuredClone(data) as unknown as { users: { sessions: { messages: { role: string }[]; custom_created_at_utc?: string }[] }[] }
    bad.users[0].sessions[1].messages[0].role = 'system'
    await expect(c.importRecallrAI(bad)).rejects.toThrow(/^\$\.users\[0\]\.sessions\[1\]\.messages\[0\]\.role: must be 'user' or 'assistant', got "system"/)
    const noZone = structuredClone(data) as typeof bad
    noZone.users[0].sessions[0].custom_created_at_utc = '2024-05-01T12:00:00'
    await expect(c.importRecallrAI(noZone)).rejects.toThrow(/custom_created_at_utc: .*time zone/)
    await expect(c.importRecallrAI({ users: [{ user_id: 'someone' }] })).rejects.toThrow(/\$\.users\[0\]\.user_id: a user "someone" already exists/)
    await expect(c.importRecallrAI({ users: [{ user_id: 'x' }, { user_id: 'x' }] })).rejects.toThrow(/duplicate user_id/)
    await expect(c.importRecallrAI([])).rejects.toBeInstanceOf(ImportError)
    expect(await dumpDatabase(internals(c).db.name)).toEqual(dump)
  })

  test('a failure in the middle of the write leaves nothing: every user of the input is written in one transaction', async () => {
    const c = await client()
    const dump = await dumpDatabase(internals(c).db.name)
    // the projection of the messages fails, after the log, the directory and the profiles were written
    const fail = () => {
      throw new Error('disk on fire')
    }
    internals(c).db.messageBlocks.hook('creating', fail)
    await expect(c.importRecallrAI(data)).rejects.toThrow(/disk on fire/)
    internals(c).db.messageBlocks.hook('creating').unsubscribe(fail)
    expect(await dumpDatabase(internals(c).db.name)).toEqual(dump)
    await expect(c.getUser('r-alice')).rejects.toBeInstanceOf(UserNotFoundError)
    // nothing half-written stops a retry
    expect(await c.importRecallrAI(data)).toEqual({ usersCreated: 2, sessionsCreated: 2, messagesAdded: 3 })
    expect((await c.getUser('r-bob')).userId).toBe('r-bob')
  })
})
