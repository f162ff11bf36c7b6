/**
 * The acceptance suite every MemoryEngine must pass (rules, WebLLM, scripted doubles).
 *
 *   runEngineAcceptanceSuite('rules', () => new RulesEngine())
 *
 * It checks the contract of src/engine/types.ts: the shapes of what each method returns,
 * that ids and indexes point at what was given, and that odd input never throws.
 * It imports only vitest and src, so it runs in Node and in the browser project alike.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_CATEGORIES } from '../src/core/categories'
import type {
  Category,
  ClarifyingQuestion,
  Decision,
  EngineMessage,
  ExtractedFact,
  MemoryCandidate,
  ResolvedMemory,
} from '../src/core/types'
import type { ExtractInput, MemoryEngine } from '../src/engine/types'

export interface EngineAcceptanceOptions {
  /** categories given to extract (default: DEFAULT_CATEGORIES) */
  categories?: Category[]
  /** per test and hook timeout in ms, for slow engines (default: vitest's own) */
  timeoutMs?: number
}

const DECISION_KINDS = ['INSERT', 'IGNORE', 'ADDITION_TO_EXISTING_MEMORY', 'TEMPORAL_CONFLICT', 'MERGE_CONFLICT'] as const

const SESSION_DATE = new Date('2025-01-08T10:00:00.000Z')

function conversation(): EngineMessage[] {
  return [
    { role: 'user', content: "Hi! I'm allergic to peanuts and I live in Paris." },
    { role: 'assistant', content: "Noted! I'm an assistant and I live in the cloud. How can I help?" },
    { role: 'user', content: 'I met my friend John last Monday. We are going hiking next Saturday.' },
    { role: 'assistant', content: 'That sounds fun.' },
    { role: 'user', content: 'Also, my sister Anna just started working at Google as a designer.' },
  ]
}

function candidates(): MemoryCandidate[] {
  const createdAt = new Date('2024-12-01T09:00:00.000Z')
  return [
    { memoryId: 'mem-location', content: 'User lives in Paris', categories: ['location'], createdAt },
    { memoryId: 'mem-diet', content: 'User is vegetarian', categories: ['food_preferences'], createdAt },
    { memoryId: 'mem-allergy', content: 'User is allergic to peanuts', categories: ['allergies'], createdAt },
    {
      memoryId: 'mem-event',
      content: 'User met John at a conference',
      categories: ['relationships', 'events'],
      eventDateStart: new Date('2024-11-04T00:00:00.000Z'),
      eventDateEnd: new Date('2024-11-04T23:59:59.999Z'),
      createdAt,
    },
  ]
}

function fact(content: string, categories: string[] = []): ExtractedFact {
  return { content, categories }
}

function isValidDate(d: unknown): d is Date {
  return d instanceof Date && !Number.isNaN(d.getTime())
}

function expectValidFacts(facts: unknown, input: ExtractInput): void {
  expect(Array.isArray(facts)).toBe(true)
  const names = new Set(input.categories.map((c) => c.name))
  for (const f of facts as ExtractedFact[]) {
    expect(typeof f.content).toBe('string')
    expect(f.content.trim().length).toBeGreaterThan(0)
    expect(Array.isArray(f.categories)).toBe(true)
    for (const c of f.categories) {
      expect(typeof c).toBe('string')
      expect(names.has(c), `category "${c}" is not one of the given categories`).toBe(true)
    }
    if (f.eventDateStart !== undefined) expect(isValidDate(f.eventDateStart)).toBe(true)
    if (f.eventDateEnd !== undefined) expect(isValidDate(f.eventDateEnd)).toBe(true)
    if (f.eventDateStart && f.eventDateEnd) {
      expect(f.eventDateStart.getTime()).toBeLessThanOrEqual(f.eventDateEnd.getTime())
    }
    if (f.sources !== undefined) {
      expect(Array.isArray(f.sources)).toBe(true)
      for (const s of f.sources) {
        expect(Number.isInteger(s)).toBe(true)
        expect(s).toBeGreaterThanOrEqual(0)
        expect(s).toBeLessThan(input.messages.length)
      }
    }
  }
}

function expectValidDecision(d: Decision, cands: MemoryCandidate[]): void {
  const ids = new Set(cands.map((c) => c.memoryId))
  expect(DECISION_KINDS as readonly string[]).toContain(d.kind)
  switch (d.kind) {
    case 'INSERT':
      if (d.relatedMemoryIds !== undefined) {
        expect(Array.isArray(d.relatedMemoryIds)).toBe(true)
        for (const id of d.relatedMemoryIds) expect(ids.has(id), `related id ${id} is not a candidate`).toBe(true)
      }
      break
    case 'IGNORE':
      expect(typeof d.reason).toBe('string')
      break
    case 'ADDITION_TO_EXISTING_MEMORY':
      expect(ids.has(d.memoryId), `memoryId ${d.memoryId} is not a candidate`).toBe(true)
      expect(typeof d.content).toBe('string')
      expect(d.content.trim().length).toBeGreaterThan(0)
      break
    case 'TEMPORAL_CONFLICT':
    case 'MERGE_CONFLICT':
      expect(Array.isArray(d.memoryIds)).toBe(true)
      expect(d.memoryIds.length).toBeGreaterThan(0)
      for (const id of d.memoryIds) expect(ids.has(id), `memoryId ${id} is not a candidate`).toBe(true)
      if (d.kind === 'MERGE_CONFLICT') expect(typeof d.reason).toBe('string')
      break
  }
}

function expectValidQuestions(qs: ClarifyingQuestion[]): void {
  expect(Array.isArray(qs)).toBe(true)
  expect(qs.length).toBeGreaterThanOrEqual(1)
  for (const q of qs) {
    expect(typeof q.question).toBe('string')
    expect(q.question.trim().length).toBeGreaterThan(0)
    expect(Array.isArray(q.options)).toBe(true)
    for (const o of q.options) expect(typeof o).toBe('string')
    expect(new Set(q.options).size).toBeGreaterThanOrEqual(2)
  }
}

function expectValidResolution(results: ResolvedMemory[], conflicting: MemoryCandidate[]): void {
  const ids = new Set(conflicting.map((c) => c.memoryId))
  expect(Array.isArray(results)).toBe(true)
  for (const r of results) {
    expect(ids.has(r.replaces), `replaces ${r.replaces} is not a conflicting memory`).toBe(true)
    expect(typeof r.content).toBe('string')
    expect(r.content.trim().length).toBeGreaterThan(0)
    expect(Array.isArray(r.categories)).toBe(true)
    for (const c of r.categories) expect(typeof c).toBe('string')
    if (r.eventDateStart !== undefined) expect(isValidDate(r.eventDateStart)).toBe(true)
    if (r.eventDateEnd !== undefined) expect(isValidDate(r.eventDateEnd)).toBe(true)
  }
}

export function runEngineAcceptanceSuite(
  name: string,
  makeEngine: () => MemoryEngine | Promise<MemoryEngine>,
  opts: EngineAcceptanceOptions = {},
): void {
  const categories = opts.categories ?? DEFAULT_CATEGORIES
  const timeout = opts.timeoutMs
  const input = (messages: EngineMessage[], cats: Category[] = categories): ExtractInput => ({
    messages,
    sessionCreatedAt: SESSION_DATE,
    user: { name: 'Alex', about: '' },
    categories: cats,
  })

  describe(`MemoryEngine acceptance: ${name}`, () => {
    let engine: MemoryEngine
    beforeAll(async () => {
      engine = await makeEngine()
    }, timeout)

    it('has a non-empty string id', () => {
      expect(typeof engine.id).toBe('string')
      expect(engine.id.length).toBeGreaterThan(0)
    })

    it('extracts well-formed facts from a conversation', async () => {
      const i = input(conversation())
      const facts = await engine.extract(i)
      expectValidFacts(facts, i)
      expect(facts.length).toBeGreaterThan(0)
    }, timeout)

    it('uses only the categories it is given', async () => {
      const custom: Category[] = [
        { name: 'health_stuff', description: 'Allergies, illnesses and medication' },
        { name: 'places', description: 'Where the user lives' },
      ]
      const i = input(conversation(), custom)
      expectValidFacts(await engine.extract(i), i)
      const none = input(conversation(), [])
      expectValidFacts(await engine.extract(none), none)
    }, timeout)

    it('does not throw on empty or odd messages', async () => {
      const cases: EngineMessage[][] = [
        [],
        [{ role: 'user', content: '' }],
        [{ role: 'user', content: '   \n\t ' }],
        [{ role: 'user', content: '😀🎉👍🏽❤️' }],
        [{ role: 'user', content: `${'I like long messages and I live in Paris. '.repeat(480)}` }],
        [{ role: 'user', content: 'x'.repeat(20_000) }],
        [{ role: 'assistant', content: "I'm vegetarian and I live in Berlin." }, { role: 'assistant', content: 'Anything else?' }],
        [{ role: 'user', content: 'Ich wohne in Hamburg und arbeite als Lehrer. 我住在北京。' }],
        [{ role: 'user', content: '<script>alert(1)</script> \u0000\u0007 ;;; ??? !!! ...' }],
        [{ role: 'user', content: 'Caroline: ' }, { role: 'user', content: '?' }],
      ]
      for (const messages of cases) {
        const i = input(messages)
        expectValidFacts(await engine.extract(i), i)
      }
      const badDate = { ...input(conversation()), sessionCreatedAt: new Date(Number.NaN) }
      expectValidFacts(await engine.extract(badDate), badDate)
    }, timeout)

    it('decides with one of the five kinds, pointing only at candidates', async () => {
      const cands = candidates()
      const facts = [
        fact('User lives in Paris', ['location']),
        fact('User moved to Berlin', ['location']),
        fact('User eats meat every day', ['food_preferences']),
        fact('User is not allergic to peanuts', ['allergies']),
        fact('User met John at a conference in Lisbon', ['relationships']),
        fact('User plays the guitar', ['interests']),
      ]
      for (const f of facts) expectValidDecision(await engine.decide({ fact: f, candidates: cands }), cands)
    }, timeout)

    it('decides INSERT or IGNORE when there are no candidates', async () => {
      const d = await engine.decide({ fact: fact('User lives in Paris', ['location']), candidates: [] })
      expect(['INSERT', 'IGNORE']).toContain(d.kind)
      if (d.kind === 'INSERT' && d.relatedMemoryIds) expect(d.relatedMemoryIds).toEqual([])
    }, timeout)

    it('does not throw when deciding on odd input', async () => {
      const cands = candidates()
      const odd: MemoryCandidate[] = [
        ...cands,
        { memoryId: 'mem-empty', content: '', categories: [], createdAt: new Date() },
        { memoryId: 'mem-emoji', content: '🎉🎉', categories: [], createdAt: new Date(Number.NaN) },
      ]
      for (const f of [fact(''), fact('😀'), fact('x'.repeat(5_000)), fact('Der Nutzer wohnt in Hamburg')]) {
        expectValidDecision(await engine.decide({ fact: f, candidates: odd }), odd)
      }
    }, timeout)

    it('asks at least one clarifying question with two or more distinct options', async () => {
      const conflicting = candidates().filter((c) => c.memoryId === 'mem-diet')
      expectValidQuestions(await engine.clarify({ fact: fact('User eats meat every day', ['food_preferences']), conflicting }))
      const two = candidates().filter((c) => c.memoryId === 'mem-location' || c.memoryId === 'mem-diet')
      expectValidQuestions(await engine.clarify({ fact: fact('User lives in Rome', ['location']), conflicting: two }))
    }, timeout)

    it('resolves each answer into memories that replace conflicting ones', async () => {
      const conflicting = candidates().filter((c) => c.memoryId === 'mem-diet')
      const f = fact('User eats meat every day', ['food_preferences'])
      const questions = await engine.clarify({ fact: f, conflicting })
      expectValidQuestions(questions)
      for (const option of questions[0].options) {
        const answers = questions.map((q, i) => ({ question: q.question, answer: i === 0 ? option : q.options[0] }))
        expectValidResolution(await engine.resolve({ fact: f, conflicting, answers }), conflicting)
      }
    }, timeout)

    it('does not throw when resolving odd answers', async () => {
      const conflicting = candidates().slice(0, 2)
      const f = fact('User lives in Rome', ['location'])
      for (const answers of [
        [],
        [{ question: 'Which is right?', answer: 'neither of them, actually' }],
        [{ question: 'unknown question', answer: '', message: 'I moved to Rome last year' }],
      ]) {
        expectValidResolution(await engine.resolve({ fact: f, conflicting, answers }), conflicting)
      }
    }, timeout)
  })
}
