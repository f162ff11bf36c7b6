import { afterEach, describe, expect, test } from 'vitest'
import {
  MemoryClient,
  SessionNotFoundError,
  UserNotFoundError,
  ValidationError,
  type MemoryClientOptions,
  type MemoryEngine,
  type Session,
  type User,
} from '../../src/index'
import { getContextDetails } from '../../src/retrieval/getContext'
import { candidate, ScriptedEngine } from '../testDoubles'
import { freshDbName, movableClock } from './helpers'
import { internals } from '../support/internals'

const open: MemoryClient[] = []
async function client(options: MemoryClientOptions = {}) {
  const c = await MemoryClient.open({ dbName: freshDbName('ctx'), autoProcess: false, ...options })
  open.push(c)
  return c
}
afterEach(() => {
  for (const c of open.splice(0)) c.close()
})

async function chat(user: User, lines: string[], options: { at?: string } = {}): Promise<Session> {
  const s = await user.createSession(options.at ? { customCreatedAtUtc: options.at } : {})
  for (const l of lines) await s.addMessage('user', l, options.at ? { timestamp: options.at } : {})
  await s.process()
  return s
}

const section = (context: string, title: string) => {
  const parts = context.split(/^## /m)
  const hit = parts.find((p) => p.startsWith(title))
  return hit === undefined ? undefined : hit.slice(hit.indexOf('\n') + 1).trim()
}

describe('session.getContext', () => {
  test('with the rules engine: relevant memories, user, instructions and keywords', async () => {
    const c = await client()
    const u = await c.createUser('alice', { name: 'Alice', about: 'Lives with two cats' })
    await chat(u, ["I'm allergic to peanuts.", 'I work as a nurse at the city hospital.', 'I moved to Berlin last week.'], { at: '2025-01-06T09:00:00Z' })
    const { items } = await u.listMemories()
    expect(items.length).toBeGreaterThan(0)
    const s = await u.createSession()
    await s.addMessage('user', 'Can you suggest a snack? Remember my peanut allergy.')
    const ctx = await s.getContext()
    expect(ctx.context).toMatch(/^## How to use this context/)
    expect(section(ctx.context, 'The user')).toBe('- Name: Alice\n- About: Lives with two cats')
    const peanut = items.find((m) => /peanut/i.test(m.content))!
    expect(ctx.memoryIds[0]).toBe(peanut.memoryId)
    expect(section(ctx.context, 'Relevant memories')).toMatch(/^1\. .*peanut/i)
    expect(ctx.keywords).toEqual(expect.arrayContaining(['snack', 'peanut', 'allergy']))
    expect(ctx.sessionIds).toContain(peanut.sessionId)
    // the message the memory was drawn from is quoted with it, not listed again
    const allergyMessage = peanut.sourceMessageIds[0]
    expect(ctx.messageIds).toContain(allergyMessage)
    expect(section(ctx.context, 'Relevant memories')).toMatch(/^1\. .*\n {3}From: \[2025-01-06 09:00\] user: I'm allergic to peanuts\./)
    expect(section(ctx.context, 'Relevant earlier messages') ?? '').not.toContain('peanuts')
    const bare = await s.getContext({ includeSystemPrompt: false })
    expect(bare.context).not.toContain('How to use this context')
  })

  test('with the rules engine: "where do I live?" finds the latest location and its earlier version', async () => {
    const c = await client()
    const u = await c.createUser('alice')
    await chat(u, ["I'm vegetarian and I live in Paris."], { at: '2025-01-06T09:00:00Z' })
    await chat(u, ['I moved to Berlin last week.'], { at: '2025-03-10T09:00:00Z' })
    const s = await u.createSession()
    await s.addMessage('user', 'where do I live?')
    const ctx = await s.getContext()
    const memories = section(ctx.context, 'Relevant memories') ?? ''
    const first = memories.split(/\n(?=\d+\. )/)[0]
    expect(first).toMatch(/^1\. .*Berlin/)
    expect(first).toMatch(/Earlier versions:[\s\S]*v1: .*Paris/)
  })

  test('versions, connected memories, documents and earlier messages are rendered', async () => {
    const engine = new ScriptedEngine({
      extractFn: ({ messages }) => messages.flatMap((m, i) => (m.content.startsWith('we ') ? [] : [{ content: m.content, categories: ['personal'], sources: [i] }])),
      decideFn: ({ fact, candidates }) => {
        if (fact.content.startsWith('User moved to Berlin')) return { kind: 'TEMPORAL_CONFLICT', memoryIds: [candidate(candidates, 'Paris').memoryId] }
        if (fact.content.startsWith('Cycles')) return { kind: 'INSERT', relatedMemoryIds: [candidate(candidates, 'Berlin').memoryId] }
        return { kind: 'INSERT' }
      },
    })
    const clock = movableClock('2024-05-01T10:00:00Z')
    const c = await client({ engine, now: clock.now })
    const u = await c.createUser('alice')
    await u.addDoc({ title: 'Berlin notes', content: 'Good bakeries in Berlin: Zeit für Brot.\n\nThe U2 line runs to Alexanderplatz.' })
    await chat(u, ['User lives in Paris', 'we chatted about the weather in Berlin today'], { at: '2024-05-01T10:00:00Z' })
    clock.set('2024-09-01T10:00:00Z')
    await chat(u, ['User moved to Berlin'], { at: '2024-09-01T10:00:00Z' })
    clock.set('2024-09-02T10:00:00Z')
    await chat(u, ['Cycles to work every day'], { at: '2024-09-02T10:00:00Z' })
    const s = await u.createSession({ customCreatedAtUtc: '2024-10-01T10:00:00Z' })
    const { context, memoryIds, messageIds } = await s.getContext({ query: 'Where does the user live? Any bakeries in Berlin?', minTopK: 8, timezone: 'Europe/Berlin' })
    const memories = section(context, 'Relevant memories')!
    expect(memories).toMatch(/^1\. User moved to Berlin \(noted 2024-09-01; version 2 of 2; personal\)\n {3}From: \[2024-09-01 12:00\] user: User moved to Berlin\n/)
    expect(memories).toContain('   Earlier versions:\n   - v1: User lives in Paris (noted 2024-05-01; replaced 2024-09-01: changed over time)')
    expect(memories).toMatch(/\n {3}1\.1\. Cycles to work every day \(noted 2024-09-02; personal\)$/)
    expect(memoryIds).toHaveLength(2)
    expect(section(context, 'Relevant documents')).toContain('### Berlin notes\n\n> Good bakeries in Berlin')
    // the weather message is not a memory: it comes as an earlier message, in Berlin time
    expect(section(context, 'Relevant earlier messages')).toContain('- [2024-05-01 12:00] user: we chatted about the weather in Berlin today')
    // every message shown, in the section or quoted under its memory, is listed once
    const shown = (context.match(/^- \[/gm) ?? []).length + (context.match(/^ {3}From: /gm) ?? []).length
    expect(messageIds).toHaveLength(shown)
    expect(new Set(messageIds).size).toBe(shown)
    const order = ['How to use', 'Relevant memories', 'Relevant documents', 'Relevant earlier messages'].map((t) => context.indexOf(`## ${t}`))
    expect([...order].sort((a, b) => a - b)).toEqual(order)
  })

  test('pending merge conflicts, unprocessed sessions and the last messages', async () => {
    const engine = new ScriptedEngine({
      decideFn: ({ fact, candidates }) =>
        fact.content.startsWith('I eat fish') ? { kind: 'MERGE_CONFLICT', memoryIds: [candidate(candidates, 'vegetarian').memoryId], reason: 'diet' } : { kind: 'INSERT' },
      clarifyFn: () => [{ question: 'Do you eat fish now?', options: ['Yes, I eat fish', 'No, still vegetarian'] }],
    })
    const c = await client({ engine })
    const u = await c.createUser('alice', { mergeConflictEnabled: true })
    await chat(u, ['I am vegetarian'])
    await chat(u, ['I eat fish on Fridays'])
    const waiting = await u.createSession()
    await waiting.addMessage('user', 'Booked a flight to Rome for March')
    const s = await u.createSession()
    await s.addMessage('user', 'What should I cook tonight?')
    await s.addMessage('assistant', 'How about a risotto?')
    await s.addMessage('user', 'Sounds good, vegetarian please')
    const { context } = await s.getContext({ lastNMessages: 2 })
    expect(section(context, 'Relevant memories')).toMatch(/I am vegetarian .*disputed: a merge conflict is open/)
    const conflicts = section(context, 'Merge conflicts waiting for the user')!
    expect(conflicts).toContain('New information: "I eat fish on Fridays"')
    expect(conflicts).toContain('ask: Do you eat fish now? Options: "Yes, I eat fish", "No, still vegetarian"')
    const pending = section(context, 'Sessions not yet processed')!
    expect(pending).toMatch(/\(pending, 1 message\)\n {2}- \[.*\] user: Booked a flight to Rome for March/)
    expect(section(context, 'Last 2 messages of this conversation')).toMatch(/assistant: How about a risotto\?\n- \[.*\] user: Sounds good, vegetarian please$/)
    // the current session is not listed as unprocessed
    expect(pending).not.toContain('What should I cook')
  })

  test('thresholds: minTopK and maxTopK bound the retrieved items, the threshold picks between', async () => {
    const c = await client({ engine: new ScriptedEngine() })
    const u = await c.createUser('bob')
    await chat(u, Array.from({ length: 12 }, (_, i) => `I like hiking trail number ${i} near the lake`))
    await chat(u, ['I like hiking', 'My sister plays hiking games'])
    const s = await u.createSession()
    const target = { uid: s.uid, userId: u.userId, sessionId: s.sessionId }
    const all = await getContextDetails(internals(c).ctx, target, { query: 'hiking', minTopK: 1, maxTopK: 100, memoriesThreshold: 0 })
    expect(all.retrieval.items.length).toBe(14)
    const scores = all.retrieval.items.map((i) => i.score)
    expect(scores[0]).toBe(1)
    expect([...scores].sort((a, b) => b - a)).toEqual(scores)
    const few = await getContextDetails(internals(c).ctx, target, { query: 'hiking', minTopK: 2, maxTopK: 5, memoriesThreshold: 0 })
    expect(few.selected).toHaveLength(5)
    expect(few.data.memories.length + few.data.messages.length).toBe(5)
    const strict = await getContextDetails(internals(c).ctx, target, { query: 'hiking', minTopK: 2, maxTopK: 50, memoriesThreshold: 1 })
    expect(strict.selected.length).toBeGreaterThanOrEqual(2)
    expect(strict.selected.slice(2).every((i) => i.score >= 1)).toBe(true)
  })

  test('stays in step with new memories, new versions and deletes, and with another tab', async () => {
    const clock = movableClock('2025-02-01T10:00:00Z')
    const name = freshDbName('ctx-tabs')
    const engine = new ScriptedEngine({
      decideFn: ({ fact, candidates }) => (fact.content.startsWith('I now drive') ? { kind: 'TEMPORAL_CONFLICT', memoryIds: [candidate(candidates, 'drive').memoryId] } : { kind: 'INSERT' }),
    })
    const tabA = await client({ dbName: name, engine, now: clock.now })
    const tabB = await client({ dbName: name, engine, now: clock.now })
    const uA = await tabA.createUser('carol')
    const sA = await uA.createSession()
    const ask = () => sA.getContext({ query: 'what car do I drive', minTopK: 5, includeSystemPrompt: false })
    expect((await ask()).memoryIds).toEqual([])

    const uB = await tabB.getUser('carol')
    await chat(uB, ['I drive a red car'])
    let ctx = await ask()
    expect(ctx.memoryIds).toHaveLength(1)
    expect(ctx.context).toContain('I drive a red car')

    clock.advance(60)
    await chat(uB, ['I now drive a blue car'])
    ctx = await ask()
    expect(section(ctx.context, 'Relevant memories')).toMatch(/^1\. I now drive a blue car .*version 2 of 2/)
    expect(section(ctx.context, 'Relevant memories')).toContain('- v1: I drive a red car')
    expect(ctx.memoryIds).toHaveLength(1)

    await uA.deleteMemory(ctx.memoryIds[0])
    ctx = await ask()
    // the deleted live version makes the previous one live again
    expect(section(ctx.context, 'Relevant memories')).toMatch(/^1\. I drive a red car .*version 1 of 1/)

    await uB.deleteMemory(ctx.memoryIds[0])
    expect((await ask()).memoryIds).toEqual([])
  })

  test('a query with a date expression favours memories dated in that range', async () => {
    const engine = new ScriptedEngine({
      extractFn: ({ messages }) =>
        messages.map((m, i) => {
          const when = /\[(\d{4}-\d{2}-\d{2})\]/.exec(m.content)
          return { content: m.content.replace(/\s*\[.*\]/, ''), categories: ['personal'], sources: [i], eventDateStart: when ? new Date(`${when[1]}T00:00:00Z`) : undefined }
        }),
    })
    const c = await client({ engine })
    const u = await c.createUser('dana')
    await chat(u, ['I went skiing in the Alps [2024-03-10]', 'I visited my aunt [2024-06-15]', 'I started a pottery class [2024-03-20]', 'I like tea'], { at: '2024-07-01T10:00:00Z' })
    const s = await u.createSession({ customCreatedAtUtc: '2024-08-01T10:00:00Z' })
    const ctx = await s.getContext({ query: 'What did I do in March?', minTopK: 2, maxTopK: 2, includeSystemPrompt: false })
    const memories = section(ctx.context, 'Relevant memories')!
    expect(memories).toContain('skiing')
    expect(memories).toContain('pottery')
    expect(memories).toContain('when: 2024-03-10')
    expect(ctx.keywords).toContain('March')
  })

  test('vectors from an engine that embeds take part in ranking', async () => {
    const vocab = ['car', 'food', 'pet']
    const engine = new ScriptedEngine() as ScriptedEngine & MemoryEngine
    Object.assign(engine, {
      embed: async (texts: string[]) =>
        texts.map((t) => new Float32Array(vocab.map((w) => (t.toLowerCase().includes(w) || (w === 'car' && /tesla|automobile/i.test(t)) ? 1 : 0.05)))),
    })
    const c = await client({ engine })
    const u = await c.createUser('erin')
    await chat(u, ['I drive a Tesla', 'I am vegan food wise', 'I have a pet cat'])
    const s = await u.createSession()
    const d = await getContextDetails(internals(c).ctx, { uid: s.uid, userId: u.userId, sessionId: s.sessionId }, { query: 'which automobile do I own', minTopK: 1, maxTopK: 1 })
    expect(d.retrieval.usedVectors).toBe(true)
    expect(d.data.memories[0].content).toBe('I drive a Tesla')
  })

  test('options are validated; a deleted session or user is reported', async () => {
    const c = await client({ engine: new ScriptedEngine() })
    const u = await c.createUser('frank')
    const s = await u.createSession()
    await expect(s.getContext({ minTopK: 0 })).rejects.toBeInstanceOf(ValidationError)
    await expect(s.getContext({ minTopK: 30, maxTopK: 20 })).rejects.toBeInstanceOf(ValidationError)
    await expect(s.getContext({ memoriesThreshold: 2 })).rejects.toBeInstanceOf(ValidationError)
    await expect(s.getContext({ timezone: 'Not/AZone' })).rejects.toBeInstanceOf(ValidationError)
    await expect(s.getContext({ lastNMessages: 101 })).rejects.toBeInstanceOf(ValidationError)
    // an empty session with no memories: nothing but the instructions
    expect((await s.getContext({ includeSystemPrompt: false })).context).toBe('')
    const other = await u.createSession()
    await other.delete()
    await expect(other.getContext()).rejects.toBeInstanceOf(SessionNotFoundError)
    await u.delete()
    await expect(s.getContext()).rejects.toBeInstanceOf(UserNotFoundError)
  })
})
