import { afterEach, describe, expect, test } from 'vitest'
import {
  InvalidCategoriesError,
  InvalidSessionStateError,
  MemoryClient,
  MemoryNotFoundError,
  MergeConflictAlreadyResolvedError,
  MergeConflictInvalidAnswerError,
  MergeConflictInvalidQuestionsError,
  MergeConflictMissingAnswersError,
  MergeConflictNotFoundError,
  ValidationError,
  type MemoryClientOptions,
  type Session,
  type User,
} from '../../src/index'
import { candidate, ScriptedEngine } from '../testDoubles'
import { freshDbName, movableClock } from './helpers'
import { internals } from '../support/internals'

const open: MemoryClient[] = []
async function client(options: MemoryClientOptions = {}) {
  const c = await MemoryClient.open({ dbName: freshDbName(), autoProcess: false, ...options })
  open.push(c)
  return c
}
afterEach(() => {
  for (const c of open.splice(0)) c.close()
})

async function chat(user: User, ...lines: string[]): Promise<Session> {
  const s = await user.createSession()
  for (const l of lines) await s.addMessage('user', l)
  await s.process()
  return s
}

/** An engine that decides by rules written in the test: content prefix -> decision on a candidate. */
function engineWith(rules: Record<string, (cands: Parameters<ScriptedEngine['decideFn']>[0]['candidates']) => ReturnType<ScriptedEngine['decideFn']>>) {
  return new ScriptedEngine({
    decideFn: ({ fact, candidates }) => {
      for (const [prefix, rule] of Object.entries(rules)) if (fact.content.startsWith(prefix)) return rule(candidates)
      return { kind: 'INSERT' }
    },
  })
}

describe('processing with a scripted engine', () => {
  test('pending -> processing -> processed; facts become memories with session and sources', async () => {
    const engine = new ScriptedEngine({
      extractFn: ({ messages }) => [
        { content: 'User is vegetarian', categories: ['food_preferences', 'not_a_category'], sources: [0] },
        { content: 'User met John', categories: ['relationships'], eventDateStart: new Date('2025-01-06T00:00:00Z'), sources: [1] },
        ...(messages.length > 5 ? [] : []),
      ],
    })
    const c = await client({ engine })
    const u = await c.createUser('alice', { name: 'Alice', about: 'tester' })
    const s = await u.createSession({ customCreatedAtUtc: '2025-01-08T10:00:00Z' })
    const m0 = await s.addMessage('user', "I'm vegetarian")
    const m1 = await s.addMessage('user', 'I met John last Monday')
    expect(s.status).toBe('pending')
    await s.process()
    expect(s.status).toBe('processed')
    expect(s.processedAt).toBeInstanceOf(Date)
    const extract = engine.calls.find((x) => x.method === 'extract')!.input as { sessionCreatedAt: Date; user: { name: string } }
    expect(extract.sessionCreatedAt.toISOString()).toBe('2025-01-08T10:00:00.000Z')
    expect(extract.user.name).toBe('Alice')
    const { items, total } = await u.listMemories()
    expect(total).toBe(2)
    const veg = items.find((i) => i.content === 'User is vegetarian')!
    expect(veg).toMatchObject({ categories: ['food_preferences'], sessionId: s.sessionId, sourceMessageIds: [m0.messageId], versionNumber: 1, totalVersions: 1, hasPreviousVersions: false, mergeConflictInProgress: false })
    const john = items.find((i) => i.content === 'User met John')!
    expect(john.eventDateStart?.toISOString()).toBe('2025-01-06T00:00:00.000Z')
    expect(john.sourceMessageIds).toEqual([m1.messageId])
    const info = (await u.getSession(s.sessionId)) as Session & { summary?: unknown }
    expect(info.status).toBe('processed')
  })

  test('INSERT with related memories connects the chains', async () => {
    const engine = engineWith({ 'User likes tofu': (c) => ({ kind: 'INSERT', relatedMemoryIds: [candidate(c, 'vegetarian').memoryId] }) })
    const c = await client({ engine })
    const u = await c.createUser('alice')
    await chat(u, 'User is vegetarian')
    await chat(u, 'User likes tofu')
    const { items } = await u.listMemories()
    const tofu = items.find((i) => i.content === 'User likes tofu')!
    expect(tofu.connectedMemories!.map((m) => m.content)).toEqual(['User is vegetarian'])
    const veg = items.find((i) => i.content === 'User is vegetarian')!
    expect(veg.connectedMemories!.map((m) => m.content)).toEqual(['User likes tofu'])
    expect((await u.listMemories({ includeConnectedMemories: false })).items[0].connectedMemories).toBeUndefined()
  })

  test('IGNORE, ADDITION_TO_EXISTING_MEMORY and TEMPORAL_CONFLICT follow the version rules', async () => {
    const engine = engineWith({
      'User is a vegetarian': () => ({ kind: 'IGNORE', reason: 'duplicate' }),
      "User's dog": (c) => ({ kind: 'ADDITION_TO_EXISTING_MEMORY', memoryId: candidate(c, 'dog').memoryId, content: 'User has a dog named Rex' }),
      'User moved to Berlin': (c) => ({ kind: 'TEMPORAL_CONFLICT', memoryIds: [candidate(c, 'Paris').memoryId] }),
    })
    const c = await client({ engine })
    const u = await c.createUser('alice')
    await chat(u, 'User is vegetarian', 'User has a dog', 'User lives in Paris')
    await chat(u, 'User is a vegetarian', "User's dog is named Rex", 'User moved to Berlin')
    const { items } = await u.listMemories()
    expect(items.map((i) => i.content).sort()).toEqual(['User has a dog named Rex', 'User is vegetarian', 'User moved to Berlin'])
    const dog = items.find((i) => i.content.includes('Rex'))!
    expect(dog).toMatchObject({ versionNumber: 2, totalVersions: 2, hasPreviousVersions: true })
    expect(dog.previousVersions).toHaveLength(1)
    expect(dog.previousVersions![0]).toMatchObject({ content: 'User has a dog', expirationReason: 'ADDITION_TO_EXISTING_MEMORY', versionNumber: 1 })
    const berlin = items.find((i) => i.content.includes('Berlin'))!
    expect(berlin.previousVersions![0]).toMatchObject({ content: 'User lives in Paris', expirationReason: 'TEMPORAL_CONFLICT' })
    // getMemory on the expired version shows when and why it ended
    const old = await u.getMemory(berlin.previousVersions![0].memoryId)
    expect(old.expiredAt).toBeInstanceOf(Date)
    expect(old.expirationReason).toBe('TEMPORAL_CONFLICT')
    expect(old).toMatchObject({ versionNumber: 1, totalVersions: 2 })
    await expect(u.getMemory('nope')).rejects.toBeInstanceOf(MemoryNotFoundError)
  })

  test('MERGE_CONFLICT with conflicts disabled: newest wins at once', async () => {
    const engine = engineWith({ 'User eats meat': (c) => ({ kind: 'MERGE_CONFLICT', memoryIds: [candidate(c, 'vegetarian').memoryId], reason: 'diet contradiction' }) })
    const c = await client({ engine })
    const u = await c.createUser('alice')
    await chat(u, 'User is vegetarian')
    await chat(u, 'User eats meat every day')
    const { items } = await u.listMemories()
    expect(items.map((i) => i.content)).toEqual(['User eats meat every day'])
    expect(items[0].previousVersions![0]).toMatchObject({ expirationReason: 'MERGE_CONFLICT', mergeConflictId: null })
    expect((await u.listMergeConflicts()).total).toBe(0)
  })

  test('MERGE_CONFLICT with conflicts enabled: a pending conflict, answered, continues the chain', async () => {
    const engine = engineWith({ 'User eats meat': (c) => ({ kind: 'MERGE_CONFLICT', memoryIds: [candidate(c, 'vegetarian').memoryId], reason: 'diet contradiction' }) })
    const c = await client({ engine })
    await c.updateSettings({ mergeConflictsEnabled: true })
    const u = await c.createUser('alice')
    await chat(u, 'User is vegetarian')
    const s2 = await chat(u, 'User eats meat every day')
    let { items } = await u.listMemories()
    expect(items.map((i) => i.content)).toEqual(['User is vegetarian'])
    expect(items[0].mergeConflictInProgress).toBe(true)
    const { conflicts, total } = await u.listMergeConflicts()
    expect(total).toBe(1)
    const conflict = conflicts[0]
    expect(conflict).toMatchObject({ status: 'PENDING', proposedMemoryContent: 'User eats meat every day', sessionId: s2.sessionId })
    expect(conflict.conflictingMemories[0]).toMatchObject({ content: 'User is vegetarian', reason: 'diet contradiction' })
    expect(items[0].mergeConflictId).toBe(conflict.conflictId)
    const q = conflict.clarifyingQuestions[0]
    expect(q.options).toEqual(['User is vegetarian', 'User eats meat every day'])

    // the checks, in order
    await expect(conflict.resolve([{ question: 'Not a question', answer: 'x' }])).rejects.toBeInstanceOf(MergeConflictInvalidQuestionsError)
    await expect(conflict.resolve([{ question: q.question, answer: 'neither' }])).rejects.toBeInstanceOf(MergeConflictInvalidAnswerError)
    // no answers: every question is unanswered (not a malformed argument)
    await expect(conflict.resolve([])).rejects.toSatisfy((e: unknown) => e instanceof MergeConflictMissingAnswersError && e.message.includes(q.question))
    await expect(conflict.resolve('x' as never)).rejects.toBeInstanceOf(ValidationError)
    // editing a memory held by the open question is refused until it is answered
    await expect(u.updateMemory(items[0].memoryId, { content: 'User is vegan' })).rejects.toSatisfy((e: unknown) => e instanceof ValidationError && /waiting for an answer/.test(e.message))
    expect((await conflict.refresh()).status).toBe('PENDING')

    await conflict.resolve([{ question: q.question, answer: 'User eats meat every day', message: 'I changed my diet' }])
    expect(conflict.status).toBe('RESOLVED')
    expect(conflict.resolvedAt).toBeInstanceOf(Date)
    expect(conflict.resolutionData!.answers[0]).toMatchObject({ answer: 'User eats meat every day', message: 'I changed my diet' })
    expect(conflict.newMemories).toHaveLength(1)
    ;({ items } = await u.listMemories())
    expect(items.map((i) => i.content)).toEqual(['User eats meat every day'])
    expect(items[0]).toMatchObject({ versionNumber: 2, mergeConflictInProgress: false, mergeConflictId: conflict.conflictId, memoryId: conflict.newMemories[0] })
    expect(items[0].previousVersions![0]).toMatchObject({ expirationReason: 'MERGE_CONFLICT', mergeConflictId: conflict.conflictId })
    await expect(conflict.resolve([{ question: q.question, answer: 'User is vegetarian' }])).rejects.toBeInstanceOf(MergeConflictAlreadyResolvedError)
    expect((await u.listMergeConflicts({ status: 'RESOLVED' })).total).toBe(1)
    expect((await u.listMergeConflicts({ status: 'PENDING' })).total).toBe(0)
    await expect(u.getMergeConflict('nope')).rejects.toBeInstanceOf(MergeConflictNotFoundError)
  })

  test('a conflict with two questions: a missing answer is refused; the per-user switch overrides the space', async () => {
    const engine = engineWith({ 'User eats meat': (c) => ({ kind: 'MERGE_CONFLICT', memoryIds: [candidate(c, 'vegetarian').memoryId], reason: 'diet' }) })
    engine.clarifyFn = () => [
      { question: 'Which is right?', options: ['vegetarian', 'eats meat'] },
      { question: 'Since when?', options: ['always', 'recently'] },
    ]
    const c = await client({ engine })
    const u = await c.createUser('alice', { mergeConflictEnabled: true })
    await chat(u, 'User is vegetarian')
    await chat(u, 'User eats meat every day')
    const [conflict] = (await u.listMergeConflicts()).conflicts
    await expect(conflict.resolve([{ question: 'Which is right?', answer: 'eats meat' }])).rejects.toBeInstanceOf(MergeConflictMissingAnswersError)
    // the user keeps the old fact: no new version, the hold is released
    engine.resolveFn = () => []
    await conflict.resolve([
      { question: 'Which is right?', answer: 'vegetarian' },
      { question: 'Since when?', answer: 'always' },
    ])
    const { items } = await u.listMemories()
    expect(items.map((i) => [i.content, i.mergeConflictInProgress, i.versionNumber])).toEqual([['User is vegetarian', false, 1]])
  })

  test('an engine failure while resolving leaves the conflict FAILED and the memories unchanged', async () => {
    const engine = engineWith({ 'User eats meat': (c) => ({ kind: 'MERGE_CONFLICT', memoryIds: [candidate(c, 'vegetarian').memoryId], reason: 'diet' }) })
    const c = await client({ engine })
    await c.updateSettings({ mergeConflictsEnabled: true })
    const u = await c.createUser('alice')
    await chat(u, 'User is vegetarian')
    await chat(u, 'User eats meat every day')
    const [conflict] = (await u.listMergeConflicts()).conflicts
    engine.resolveFn = () => {
      throw new Error('model crashed')
    }
    const q = conflict.clarifyingQuestions[0]
    await expect(conflict.resolve([{ question: q.question, answer: q.options[1] }])).rejects.toThrow(/model crashed/)
    await conflict.refresh()
    expect(conflict.status).toBe('FAILED')
    expect(conflict.error).toMatch(/model crashed/)
    const { items } = await u.listMemories()
    expect(items.map((i) => [i.content, i.versionNumber, i.mergeConflictInProgress])).toEqual([['User is vegetarian', 1, false]])
    await expect(conflict.resolve([{ question: q.question, answer: q.options[1] }])).rejects.toBeInstanceOf(MergeConflictAlreadyResolvedError)
  })

  test('failure atomicity: an engine that throws halfway leaves no memory of that session', async () => {
    let decided = 0
    const engine = new ScriptedEngine({
      decideFn: () => {
        if (++decided === 3) throw new Error('engine died on the third fact')
        return { kind: 'INSERT' }
      },
    })
    const c = await client({ engine })
    const u = await c.createUser('alice')
    const s = await chat(u, 'fact one', 'fact two', 'fact three', 'fact four')
    expect(s.status).toBe('failed')
    expect(s.error).toMatch(/third fact/)
    expect((await u.listMemories()).total).toBe(0)
    expect(await internals(c).db.memories.count()).toBe(0)
    // a failed session takes a message again and can then be processed
    await s.addMessage('user', 'fact five')
    expect(s.status).toBe('pending')
    await s.process()
    expect(s.status).toBe('processed')
    expect((await u.listMemories()).total).toBe(5)
  })

  test('a decision naming a memory that was not offered fails the session with a clear error', async () => {
    const engine = new ScriptedEngine({ decideFn: () => ({ kind: 'TEMPORAL_CONFLICT', memoryIds: ['made-up-id'] }) })
    const c = await client({ engine })
    const u = await c.createUser('alice')
    const s = await chat(u, 'User lives in Rome')
    expect(s.status).toBe('failed')
    expect(s.error).toMatch(/not offered/)
  })

  test('candidates: all live memories up to 20, else the 20 most similar', async () => {
    const engine = new ScriptedEngine()
    const c = await client({ engine })
    const u = await c.createUser('alice')
    const lines = Array.from({ length: 25 }, (_, i) => `User owns item number ${i} of kind ${i % 5 === 0 ? 'guitar' : 'book'}`)
    await chat(u, ...lines.slice(0, 15))
    engine.calls = []
    await chat(u, 'User plays guitar')
    const seen = engine.calls.filter((x) => x.method === 'decide').map((x) => (x.input as { candidates: unknown[] }).candidates.length)
    expect(seen).toEqual([15])
    await chat(u, ...lines.slice(15))
    engine.calls = []
    await chat(u, 'User plays the guitar daily')
    const decide = engine.calls.find((x) => x.method === 'decide')!.input as { candidates: { content: string }[] }
    expect(decide.candidates).toHaveLength(20)
    expect(decide.candidates.slice(0, 3).every((x) => x.content.includes('guitar'))).toBe(true)
  })
})

describe('temporary chats', () => {
  test('a temporary chat forms no memories, is never auto-processed, and other chats leave it out of their context', async () => {
    const clock = movableClock('2026-12-03T12:00:00Z')
    const c = await client({ engine: new ScriptedEngine(), now: clock.now, autoProcess: { intervalMs: 20 } })
    const u = await c.createUser('alice')
    const temp = await u.createSession({ temporary: true, autoProcessAfterSeconds: 1 })
    expect(temp.temporary).toBe(true)
    await temp.addMessage('user', 'User secretly plans a surprise party for Bob')
    await expect(temp.process()).rejects.toSatisfy((e: unknown) => e instanceof InvalidSessionStateError && /temporary chat/.test(e.message))
    clock.advance(3600)
    await new Promise((r) => setTimeout(r, 100))
    expect(await c.processDueSessions()).toBe(0)
    expect((await temp.refresh()).status).toBe('pending')
    expect((await u.listMemories()).total).toBe(0)
    // it can still read memories in its own context; other chats never see its messages
    const normal = await u.createSession({ autoProcessAfterSeconds: 3600 })
    expect(normal.temporary).toBe(false)
    await normal.addMessage('user', 'What do I plan for Bob, the surprise party?')
    const ctx = await normal.getContext()
    expect(ctx.context).not.toContain('secretly')
    expect(ctx.sessionIds).not.toContain(temp.sessionId)
    // the flag is stored, and survives a backup
    expect((await u.getSession(temp.sessionId)).temporary).toBe(true)
    const file = await u.export()
    expect(file.users[0].sessions.find((s) => s.sessionId === temp.sessionId)!.temporary).toBe(true)
    expect(file.users[0].sessions.find((s) => s.sessionId === normal.sessionId)!.temporary).toBeUndefined()
    await expect(u.createSession({ temporary: 'yes' as never })).rejects.toBeInstanceOf(ValidationError)
  })
})

describe('historical sessions record historical times', () => {
  test("a memory's createdAt is when its fact was said (source messages, else the session), not when it was processed", async () => {
    const clock = movableClock('2026-12-03T12:00:00Z')
    const engine = engineWith({ 'User lives in': (c) => (c.some((x) => x.content.startsWith('User lives in')) ? { kind: 'TEMPORAL_CONFLICT', memoryIds: [candidate(c, 'User lives in').memoryId] } : { kind: 'INSERT' }) })
    const c = await client({ engine, now: clock.now })
    const u = await c.createUser('alice')
    // imported: a session of 2023 whose messages carry their own times
    const old = await u.createSession({ customCreatedAtUtc: '2023-03-01T09:00:00Z' })
    await old.addMessage('user', 'User lives in Paris', { timestamp: '2023-03-01T09:05:00Z' })
    await old.addMessage('user', 'User likes cheese', { timestamp: '2023-03-01T09:07:00+01:00' })
    await old.process()
    let items = (await u.listMemories()).items
    expect(Object.fromEntries(items.map((i) => [i.content, i.createdAt.toISOString()]))).toEqual({
      'User lives in Paris': '2023-03-01T09:05:00.000Z',
      'User likes cheese': '2023-03-01T08:07:00.000Z',
    })
    // a later chat, today: recorded today; the Paris version ends today
    const now = await u.createSession()
    await now.addMessage('user', 'User lives in Berlin')
    await now.process()
    const berlin = (await u.listMemories()).items.find((i) => i.content === 'User lives in Berlin')!
    expect(berlin.createdAt.toISOString()).toBe('2026-12-03T12:00:00.000Z')
    expect(berlin.previousVersions![0].expiredAt!.toISOString()).toBe('2026-12-03T12:00:00.000Z')
    // an older history imported after it still appends to the chain: recorded just after the version it replaces
    clock.advance(3600)
    const older = await u.createSession({ customCreatedAtUtc: '2024-01-01T00:00:00Z' })
    await older.addMessage('user', 'User lives in Lyon', { timestamp: '2024-01-01T00:01:00Z' })
    await older.process()
    const lyon = (await u.listMemories()).items.find((i) => i.content === 'User lives in Lyon')!
    expect(lyon).toMatchObject({ versionNumber: 3, totalVersions: 3 })
    expect(lyon.createdAt.toISOString()).toBe('2026-12-03T12:00:00.001Z')
    expect(lyon.previousVersions!.map((p) => p.content)).toEqual(['User lives in Berlin', 'User lives in Paris'])
    // a message dated in the future (a clock ahead) is recorded now, not in the future
    const ahead = await u.createSession()
    await ahead.addMessage('user', 'User likes tea', { timestamp: '2030-01-01T00:00:00Z' })
    await ahead.process()
    const tea = (await u.listMemories()).items.find((i) => i.content === 'User likes tea')!
    expect(tea.createdAt.toISOString()).toBe(clock.now().toISOString())
  })

  test('a conflict raised by an old session is dated when it was raised', async () => {
    const clock = movableClock('2026-12-03T12:00:00Z')
    const engine = engineWith({ 'User eats meat': (c) => ({ kind: 'MERGE_CONFLICT', memoryIds: [candidate(c, 'vegetarian').memoryId], reason: 'diet' }) })
    const c = await client({ engine, now: clock.now })
    await c.updateSettings({ mergeConflictsEnabled: true })
    const u = await c.createUser('alice')
    await chat(u, 'User is vegetarian')
    const old = await u.createSession({ customCreatedAtUtc: '2023-03-01T09:00:00Z' })
    await old.addMessage('user', 'User eats meat every day', { timestamp: '2023-03-01T09:05:00Z' })
    await old.process()
    const [conflict] = (await u.listMergeConflicts()).conflicts
    expect(conflict.createdAt.toISOString()).toBe('2026-12-03T12:00:00.000Z')
  })
})

describe('memory API', () => {
  async function seeded(dbName = freshDbName()) {
    const clock = movableClock('2025-01-01T00:00:00Z')
    const engine = engineWith({ 'User lives in': (c) => (c.some((x) => x.content.startsWith('User lives in')) ? { kind: 'TEMPORAL_CONFLICT', memoryIds: [candidate(c, 'User lives in').memoryId] } : { kind: 'INSERT' }) })
    engine.extractFn = ({ messages }) => messages.map((m, i) => ({ content: m.content, categories: m.content.includes('lives') ? ['location'] : ['food_preferences'], sources: [i] }))
    const c = await client({ engine, now: clock.now, dbName })
    const u = await c.createUser('alice')
    const s1 = await u.createSession({ metadata: { topic: 'home' } })
    await s1.addMessage('user', 'User lives in Paris')
    await s1.addMessage('user', 'User likes cheese')
    await s1.process()
    clock.advance(3600)
    const s2 = await u.createSession({ metadata: { topic: 'move' } })
    await s2.addMessage('user', 'User lives in Lyon')
    await s2.process()
    clock.advance(3600)
    const s3 = await u.createSession({ metadata: { topic: 'move' } })
    await s3.addMessage('user', 'User lives in Berlin')
    await s3.process()
    return { c, u, s1, s2, s3, clock }
  }

  test('listMemories: live only, newest first, filters, pagination, ranges', async () => {
    const { u, s1, s3 } = await seeded()
    const all = await u.listMemories()
    expect(all.items.map((i) => i.content)).toEqual(['User lives in Berlin', 'User likes cheese'])
    expect(all.items[0]).toMatchObject({ versionNumber: 3, totalVersions: 3 })
    expect(all.items[0].previousVersions!.map((p) => p.content)).toEqual(['User lives in Lyon', 'User lives in Paris'])
    expect((await u.listMemories({ includePreviousVersions: false })).items[0].previousVersions).toBeUndefined()
    expect((await u.listMemories({ categories: ['location'] })).items.map((i) => i.content)).toEqual(['User lives in Berlin'])
    await expect(u.listMemories({ categories: ['location', 'spaceships', 'pets'] })).rejects.toSatisfy((e: unknown) => e instanceof InvalidCategoriesError && JSON.stringify(e.invalidCategories) === '["spaceships","pets"]')
    expect((await u.listMemories({ sessionIdFilter: s1.sessionId })).items.map((i) => i.content)).toEqual(['User likes cheese'])
    expect((await u.listMemories({ sessionIdFilter: s3.sessionId })).total).toBe(1)
    expect((await u.listMemories({ sessionMetadataFilter: { topic: 'move' } })).items.map((i) => i.content)).toEqual(['User lives in Berlin'])
    const p = await u.listMemories({ limit: 1 })
    expect(p).toMatchObject({ total: 2, hasMore: true })
    expect((await u.listMemories({ limit: 1, offset: 1 })).hasMore).toBe(false)
    await expect(u.listMemories({ limit: 0 })).rejects.toBeInstanceOf(ValidationError)
    await expect(u.listMemories({ limit: 201 })).rejects.toBeInstanceOf(ValidationError)
    expect((await u.listMemories({ limit: 200 })).total).toBe(2)
  })

  test('deleteMemory: live version, middle version, with history; numbers recomputed', async () => {
    const { u } = await seeded()
    const berlin = (await u.listMemories({ categories: ['location'] })).items[0]
    const [lyon, paris] = berlin.previousVersions!
    // middle
    await u.deleteMemory(lyon.memoryId)
    let loc = (await u.listMemories({ categories: ['location'] })).items[0]
    expect(loc).toMatchObject({ content: 'User lives in Berlin', versionNumber: 2, totalVersions: 2 })
    expect(loc.previousVersions!.map((p) => p.content)).toEqual(['User lives in Paris'])
    // live: the previous one is live again
    await u.deleteMemory(berlin.memoryId)
    loc = (await u.listMemories({ categories: ['location'] })).items[0]
    expect(loc).toMatchObject({ memoryId: paris.memoryId, content: 'User lives in Paris', versionNumber: 1, totalVersions: 1, expiredAt: null })
    await expect(u.deleteMemory(berlin.memoryId)).rejects.toBeInstanceOf(MemoryNotFoundError)
    // the other memory was not touched
    expect((await u.listMemories()).total).toBe(2)
  })

  test('updateMemory: a new version by the person (USER_EDIT), the rest kept, no-op when unchanged, across reopen', async () => {
    const dbName = freshDbName()
    const { c, u, s3, clock } = await seeded(dbName)
    const berlin = (await u.listMemories({ categories: ['location'] })).items[0]
    clock.advance(60)
    const edited = await u.updateMemory(berlin.memoryId, { content: '  User lives in Berlin-Kreuzberg ', eventDateStart: '2024-05-01T00:00:00+02:00' })
    expect(edited).toMatchObject({
      content: 'User lives in Berlin-Kreuzberg',
      chainId: berlin.chainId,
      categories: ['location'],
      versionNumber: 4,
      totalVersions: 4,
      byUser: true,
      sessionId: s3.sessionId,
      sourceMessageIds: berlin.sourceMessageIds,
      expiredAt: null,
    })
    expect(edited.memoryId).not.toBe(berlin.memoryId)
    expect(edited.eventDateStart!.toISOString()).toBe('2024-04-30T22:00:00.000Z')
    expect(edited.createdAt.toISOString()).toBe(clock.now().toISOString())
    expect(edited.previousVersions![0]).toMatchObject({ memoryId: berlin.memoryId, content: 'User lives in Berlin', expirationReason: 'USER_EDIT', byUser: false })
    expect(edited.previousVersions![0].expiredAt!.toISOString()).toBe(clock.now().toISOString())
    // the same text again makes no version
    const same = await u.updateMemory(edited.memoryId, { content: 'User lives in Berlin-Kreuzberg' })
    expect(same).toMatchObject({ memoryId: edited.memoryId, totalVersions: 4 })
    // categories replaced, a date cleared with null
    const recat = await u.updateMemory(edited.memoryId, { content: 'User lives in Berlin-Kreuzberg', categories: ['location', 'personal'], eventDateStart: null })
    expect(recat).toMatchObject({ versionNumber: 5, categories: ['location', 'personal'], eventDateStart: null })
    expect((await u.listMemories()).total).toBe(2)
    // an earlier version cannot be edited; bad input is refused and writes nothing
    await expect(u.updateMemory(berlin.memoryId, { content: 'x' })).rejects.toSatisfy((e: unknown) => e instanceof ValidationError && /earlier version/.test(e.message))
    await expect(u.updateMemory(recat.memoryId, { content: '   ' })).rejects.toBeInstanceOf(ValidationError)
    await expect(u.updateMemory(recat.memoryId, { content: 'ok', categories: ['spaceships'] })).rejects.toBeInstanceOf(InvalidCategoriesError)
    await expect(u.updateMemory(recat.memoryId, { content: 'ok', eventDateStart: '2024-05-01' })).rejects.toSatisfy((e: unknown) => e instanceof ValidationError && /time zone/.test(e.message))
    await expect(u.updateMemory(recat.memoryId, { content: 'ok', eventDateStart: '2024-05-02T00:00:00Z', eventDateEnd: '2024-05-01T00:00:00Z' })).rejects.toBeInstanceOf(ValidationError)
    await expect(u.updateMemory('no-such-memory', { content: 'x' })).rejects.toBeInstanceOf(MemoryNotFoundError)
    await expect(u.updateMemory(recat.memoryId, null as never)).rejects.toBeInstanceOf(ValidationError)
    expect((await u.getMemory(recat.memoryId)).totalVersions).toBe(5)
    // deleting the edit makes the version it replaced live again
    await u.deleteMemory(recat.memoryId)
    expect((await u.getMemory(recat.previousVersions![0].memoryId)).expiredAt).toBeNull()
    // it is stored, not held in memory: a reopened client reads the same
    c.close()
    const again = await client({ dbName })
    const loc = (await (await again.getUser('alice')).listMemories({ categories: ['location'] })).items[0]
    expect(loc).toMatchObject({ content: 'User lives in Berlin-Kreuzberg', versionNumber: 4, byUser: true })
  })

  test('a deletion can be undone: restore() puts back the versions, the links and the chain as they were, once', async () => {
    const { u } = await seeded()
    const cheese = (await u.listMemories({ categories: ['food_preferences'] })).items[0]
    const berlin = (await u.listMemories({ categories: ['location'] })).items[0]
    const before = await u.listMemories()
    // the live version: the previous one is live again until the deletion is undone
    const one = await u.deleteMemory(berlin.memoryId)
    expect(one.versions).toBe(1)
    expect((await u.listMemories({ categories: ['location'] })).items[0].content).toBe('User lives in Lyon')
    await one.restore()
    expect(await u.listMemories()).toEqual(before)
    await expect(one.restore()).rejects.toSatisfy((e: unknown) => e instanceof ValidationError && /changed since/.test(e.message))
    // a whole chain with its history
    const all = await u.deleteMemory(berlin.memoryId, { deletePreviousVersions: true })
    expect(all.versions).toBe(3)
    expect((await u.listMemories()).items.map((i) => i.memoryId)).toEqual([cheese.memoryId])
    await all.restore()
    expect(await u.listMemories()).toEqual(before)
    // refused once the chain moved on after the deletion (the edit patched the version it would revive)
    const again = await u.deleteMemory(berlin.memoryId)
    const lyon = (await u.listMemories({ categories: ['location'] })).items[0]
    await u.updateMemory(lyon.memoryId, { content: 'User lives in Lyon, by the river' })
    await expect(again.restore()).rejects.toBeInstanceOf(ValidationError)
    expect((await u.listMemories({ categories: ['location'] })).items[0]).toMatchObject({ content: 'User lives in Lyon, by the river', versionNumber: 3 })
  })

  test('matchForget: a "forget that …" message names the live memories it is about, and deletes nothing', async () => {
    const { u } = await seeded()
    const match = await u.matchForget('Please forget that I live in Berlin.')
    expect(match).toMatchObject({ subject: 'I live in Berlin' })
    expect(match!.memories.map((m) => m.content)).toEqual(['User lives in Berlin'])
    expect((await u.listMemories()).total).toBe(2)
    expect((await u.matchForget('forget about cheese'))!.memories.map((m) => m.content)).toEqual(['User likes cheese'])
    expect((await u.matchForget('forget that I have a dog'))!.memories).toEqual([])
    expect(await u.matchForget('I live in Berlin now')).toBeNull()
    expect(await u.matchForget("don't forget the cheese")).toBeNull()
  })

  test('addMemory: version 1 of its own chain, from no chat, by the person; validated; listed and in the context', async () => {
    const { u, clock } = await seeded()
    clock.advance(60)
    const added = await u.addMemory({ content: 'User is allergic to penicillin', categories: ['health'] })
    expect(added).toMatchObject({ content: 'User is allergic to penicillin', versionNumber: 1, totalVersions: 1, byUser: true, sessionId: null, sourceMessageIds: [], categories: ['health'] })
    expect(added.chainId).toBe(added.memoryId)
    expect((await u.listMemories()).items[0].memoryId).toBe(added.memoryId)
    expect((await u.listMemories({ categories: ['health'] })).total).toBe(1)
    const bare = await u.addMemory({ content: 'User has a cat named Miso' })
    expect(bare.categories).toEqual([])
    await expect(u.addMemory({ content: '' })).rejects.toBeInstanceOf(ValidationError)
    await expect(u.addMemory({ content: 'x', categories: 'health' as never })).rejects.toBeInstanceOf(ValidationError)
    await expect(u.addMemory({ content: 'x', categories: ['nope'] })).rejects.toBeInstanceOf(InvalidCategoriesError)
    await expect(u.addMemory({ content: 'x'.repeat(100_001) })).rejects.toBeInstanceOf(ValidationError)
    expect((await u.listMemories()).total).toBe(4)
    const s = await u.createSession()
    await s.addMessage('user', 'Which medicine am I allergic to?')
    const ctx = await s.getContext()
    expect(ctx.memoryIds).toContain(added.memoryId)
    expect(ctx.context).toContain('User is allergic to penicillin')
  })

  test('deleteMemory with deletePreviousVersions: that version and all older ones go', async () => {
    const { u } = await seeded()
    const berlin = (await u.listMemories({ categories: ['location'] })).items[0]
    const lyon = berlin.previousVersions![0]
    await u.deleteMemory(lyon.memoryId, { deletePreviousVersions: true })
    const loc = (await u.listMemories({ categories: ['location'] })).items[0]
    expect(loc).toMatchObject({ memoryId: berlin.memoryId, versionNumber: 1, totalVersions: 1, hasPreviousVersions: false })
    await u.deleteMemory(berlin.memoryId, { deletePreviousVersions: true })
    expect((await u.listMemories()).items.map((i) => i.content)).toEqual(['User likes cheese'])
  })

  test('process() on a session that is not pending throws; a processed session keeps its memories across reopen', async () => {
    const { c, u, s1 } = await seeded()
    await expect(s1.process()).rejects.toBeInstanceOf(InvalidSessionStateError)
    const dbName = internals(c).db.name
    c.close()
    const again = await client({ dbName })
    const u2 = await again.getUser('alice')
    const { items } = await u2.listMemories()
    expect(items.map((i) => [i.content, i.versionNumber])).toEqual([
      ['User lives in Berlin', 3],
      ['User likes cheese', 1],
    ])
    void u
  })
})

describe('auto-processing', () => {
  test('a session is processed by itself once its last message is older than autoProcessAfterSeconds', async () => {
    const clock = movableClock('2025-01-01T00:00:00Z')
    const engine = new ScriptedEngine()
    const c = await client({ engine, now: clock.now, autoProcess: { intervalMs: 30 } })
    const u = await c.createUser('alice')
    const s = await u.createSession({ autoProcessAfterSeconds: 60 })
    await s.addMessage('user', 'User likes jazz')
    await new Promise((r) => setTimeout(r, 150))
    expect((await s.refresh()).status).toBe('pending')
    clock.advance(61)
    await expect.poll(async () => (await s.refresh()).status, { timeout: 5000 }).toBe('processed')
    expect((await u.listMemories()).items.map((i) => i.content)).toEqual(['User likes jazz'])
  })

  test('an import with past timestamps is not claimed mid-way: idle counts from the last addMessage, by the clock', async () => {
    const clock = movableClock('2025-06-01T00:00:00Z')
    const c = await client({ engine: new ScriptedEngine(), now: clock.now, autoProcess: { intervalMs: 20 } })
    const u = await c.createUser('alice')
    const s = await u.createSession({ customCreatedAtUtc: '2023-03-01T09:00:00Z', autoProcessAfterSeconds: 60 })
    // a history from 2023, added one message at a time while the auto-processor runs every 20 ms
    for (let i = 0; i < 40; i++) {
      await s.addMessage(i % 2 ? 'assistant' : 'user', `User imported line ${i}`, { timestamp: new Date(Date.UTC(2023, 2, 1, 9, i)).toISOString() })
      if (i % 8 === 0) await new Promise((r) => setTimeout(r, 30)) // give the processor its chances
      clock.advance(1)
    }
    expect((await s.refresh()).status).toBe('pending')
    expect((await s.getMessages({ limit: 50 })).total).toBe(40)
    // idle for its 60 s after the last addMessage: processed by itself
    clock.advance(30)
    await new Promise((r) => setTimeout(r, 80))
    expect((await s.refresh()).status).toBe('pending')
    clock.advance(31)
    await expect.poll(async () => (await s.refresh()).status, { timeout: 5000 }).toBe('processed')
  })

  test('a session that became due while the app was closed is processed on the next start', async () => {
    const clock = movableClock('2025-01-01T00:00:00Z')
    const dbName = freshDbName()
    const first = await MemoryClient.open({ dbName, engine: new ScriptedEngine(), now: clock.now, autoProcess: false })
    const u = await first.createUser('alice')
    const s = await u.createSession({ autoProcessAfterSeconds: 600 })
    await s.addMessage('user', 'User speaks Italian')
    const empty = await u.createSession({ autoProcessAfterSeconds: 0 })
    first.close()
    clock.advance(601)
    const second = await client({ dbName, engine: new ScriptedEngine(), now: clock.now, autoProcess: { intervalMs: 0 } })
    const u2 = await second.getUser('alice')
    await expect.poll(async () => (await u2.getSession(s.sessionId)).status, { timeout: 5000 }).toBe('processed')
    // a session with no messages is never due
    expect((await u2.getSession(empty.sessionId)).status).toBe('pending')
    expect(await second.processDueSessions()).toBe(0)
  })
})
