import { describe, expect, it } from 'vitest'
import { DEFAULT_CATEGORIES } from '../../src/core/categories'
import type { Category, EngineMessage, ExtractedFact, MemoryCandidate } from '../../src/core/types'
import { RulesEngine } from '../../src/engine/rules/RulesEngine'

const engine = new RulesEngine()
const WED_2025_01_08 = new Date('2025-01-08T10:00:00.000Z')

async function extract(
  messages: (string | EngineMessage)[],
  opts: { date?: Date; categories?: Category[] } = {},
): Promise<ExtractedFact[]> {
  return engine.extract({
    messages: messages.map((m) => (typeof m === 'string' ? { role: 'user' as const, content: m } : m)),
    sessionCreatedAt: opts.date ?? WED_2025_01_08,
    user: { name: '', about: '' },
    categories: opts.categories ?? DEFAULT_CATEGORIES,
  })
}

async function one(text: string, date?: Date): Promise<ExtractedFact> {
  const facts = await extract([text], { date })
  expect(facts.map((f) => f.content)).toHaveLength(1)
  return facts[0]
}

const day = (d: Date | undefined): string | undefined => d?.toISOString().slice(0, 10)

function mem(memoryId: string, content: string, extra: Partial<MemoryCandidate> = {}): MemoryCandidate {
  return { memoryId, content, categories: [], createdAt: new Date('2024-12-01T00:00:00Z'), ...extra }
}

const decide = (content: string, candidates: MemoryCandidate[], extra: Partial<ExtractedFact> = {}) =>
  engine.decide({ fact: { content, categories: [], ...extra }, candidates })

describe('RulesEngine: identity', () => {
  it("is the 'rules' engine, with neither chat nor embed", () => {
    expect(engine.id).toBe('rules')
    expect(engine).not.toHaveProperty('chat')
    expect(engine).not.toHaveProperty('embed')
  })
})

describe('RulesEngine: event dates against the session date (UTC)', () => {
  it('"I met John last Monday" in a session of Wednesday 2025-01-08 is Monday 2025-01-06', async () => {
    const f = await one('I met John last Monday')
    expect(f.content).toBe('User met John')
    expect(f.eventDateStart?.toISOString()).toBe('2025-01-06T00:00:00.000Z')
    expect(f.eventDateEnd?.toISOString()).toBe('2025-01-06T23:59:59.999Z')
  })

  it('"next Friday" is the Friday of next week', async () => {
    const f = await one("I'm seeing the dentist next Friday")
    expect(f.content).toBe('User is seeing the dentist')
    expect(day(f.eventDateStart)).toBe('2025-01-17')
  })

  it('a bare weekday follows the tense', async () => {
    expect(day((await one("I'm cooking dinner for my parents on Friday")).eventDateStart)).toBe('2025-01-10')
    expect(day((await one('I went to the cinema on Friday')).eventDateStart)).toBe('2025-01-03')
  })

  it('"in March" is the whole month, after the session for plans and before it for past events', async () => {
    const plan = await one("I'm going to Japan in March")
    expect(plan.content).toBe('User is going to Japan')
    expect(plan.eventDateStart?.toISOString()).toBe('2025-03-01T00:00:00.000Z')
    expect(plan.eventDateEnd?.toISOString()).toBe('2025-03-31T23:59:59.999Z')
    const past = await one('I went to Japan in March')
    expect(day(past.eventDateStart)).toBe('2024-03-01')
    expect(day(past.eventDateEnd)).toBe('2024-03-31')
  })

  it('"yesterday", "two weeks ago", "last weekend", "last week", "in 2019"', async () => {
    expect(day((await one('I visited my parents yesterday')).eventDateStart)).toBe('2025-01-07')
    expect(day((await one('I moved to Berlin two weeks ago')).eventDateStart)).toBe('2024-12-25')
    const weekend = await one('we got a puppy last weekend')
    expect([day(weekend.eventDateStart), day(weekend.eventDateEnd)]).toEqual(['2025-01-04', '2025-01-05'])
    const week = await one('I was in the hospital last week')
    expect([day(week.eventDateStart), day(week.eventDateEnd)]).toEqual(['2024-12-30', '2025-01-05'])
    const year = await one('I graduated from Stanford in 2019')
    expect([day(year.eventDateStart), day(year.eventDateEnd)]).toEqual(['2019-01-01', '2019-12-31'])
  })

  it('gives no date without a date expression, for habits, or for a time of day', async () => {
    for (const text of ['I live in Paris', 'I go running every Monday', 'I usually wake up at 6am', 'I work from home on Fridays']) {
      const f = await one(text)
      expect(f.eventDateStart, text).toBeUndefined()
      expect(f.eventDateEnd, text).toBeUndefined()
    }
  })

  it('does not depend on the time zone of the machine', async () => {
    const before = process.env.TZ
    try {
      process.env.TZ = 'Pacific/Kiritimati'
      const f = await one('I met John last Monday', new Date('2025-01-08T23:30:00.000Z'))
      expect(day(f.eventDateStart)).toBe('2025-01-06')
    } finally {
      if (before === undefined) delete process.env.TZ
      else process.env.TZ = before
    }
  })
})

describe('RulesEngine: extract', () => {
  it('reads only user messages and strips a speaker prefix', async () => {
    const facts = await extract([
      { role: 'assistant', content: "I'm vegetarian and I live in the cloud." },
      { role: 'user', content: 'Caroline: I work at Acme as a designer.' },
    ])
    expect(facts.map((f) => f.content)).toEqual(['User works at Acme as a designer'])
    expect(facts[0].sources).toEqual([1])
    expect(facts[0].categories).toContain('work')
  })

  it('splits one message into several statements', async () => {
    const facts = await extract(["I'm vegetarian and I live in Paris."])
    expect(facts.map((f) => f.content)).toEqual(['User is vegetarian', 'User lives in Paris'])
    expect(facts[0].categories).toEqual(['food_preferences'])
    expect(facts[1].categories).toEqual(['location'])
  })

  it('handles allergies, moves, jobs, family, likes and plans in chat phrasing', async () => {
    const facts = await extract([
      "ugh, I'm allergic to peanuts",
      'btw I just started at Google',
      'my wife Sarah and I are celebrating our anniversary next Saturday',
      "I can't stand jazz",
    ])
    expect(facts.map((f) => f.content)).toEqual([
      'User is allergic to peanuts',
      'User started at Google',
      'User and their wife Sarah are celebrating their anniversary',
      "User's wife is named Sarah",
      'User cannot stand jazz',
    ])
    expect(day(facts[2].eventDateStart)).toBe('2025-01-18')
  })

  it('keeps facts about other people about them', async () => {
    const contents = (await extract(['my friend is vegan', 'my sister Anna lives in Rome', "she's a teacher"])).map((f) => f.content)
    expect(contents).toContain("User's friend is vegan")
    expect(contents).toContain("User's sister Anna lives in Rome")
    expect(contents).toContain("User's sister Anna is a teacher")
    expect(contents).not.toContain('User is vegan')
  })

  it('finds nothing in questions, hypotheticals, small talk and passing states', async () => {
    const facts = await extract([
      'Do you think I should move to Berlin?',
      'If I were rich I would buy a boat.',
      'I wonder if I should learn piano.',
      "I'm so tired today lol",
      'I think I left my keys at the office',
      'thanks, that is perfect 👍',
      'Can you tell me a joke?',
    ])
    expect(facts).toEqual([])
  })

  it('uses only the given categories, matching custom ones by their description', async () => {
    const categories: Category[] = [
      { name: 'travel', description: 'Trips and places visited' },
      { name: 'pets', description: 'Animals the user owns' },
    ]
    const facts = await extract(['I visited Lisbon in April', 'my cat Pixel is sick', "I'm vegetarian"], { categories })
    expect(facts.map((f) => [f.content, f.categories])).toEqual([
      ['User visited Lisbon', ['travel']],
      ["User's cat Pixel is sick", ['pets']],
      ['User is vegetarian', []],
    ])
    const fallback = await extract(["I'm vegetarian"], { categories: [{ name: 'personal', description: 'About the user' }] })
    expect(fallback[0].categories).toEqual(['personal'])
    expect((await extract(["I'm vegetarian"], { categories: [] }))[0].categories).toEqual([])
  })

  it('returns [] on empty, emoji-only, huge and non-English input', async () => {
    expect(await extract([])).toEqual([])
    expect(await extract(['', '😀🎉', '   '])).toEqual([])
    expect(await extract(['Ich wohne in Hamburg.'])).toEqual([])
    const huge = await extract(['x'.repeat(20_000)])
    expect(huge).toEqual([])
  })
})

describe('RulesEngine: decide', () => {
  it('INSERT with no candidates, INSERT without links for an unrelated fact', async () => {
    expect(await decide('User lives in Paris', [])).toEqual({ kind: 'INSERT' })
    expect(await decide('User plays the guitar', [mem('m1', 'User is allergic to peanuts')])).toEqual({ kind: 'INSERT' })
  })

  it('INSERT with related memories that share a subject or many words', async () => {
    const d = await decide('User is allergic to shellfish', [mem('m1', 'User is allergic to peanuts'), mem('m2', 'User lives in Paris')])
    expect(d).toEqual({ kind: 'INSERT', relatedMemoryIds: ['m1'] })
  })

  it('IGNORE for a near duplicate, also in another engine\'s phrasing', async () => {
    const d = await decide('User is allergic to peanuts', [mem('m1', 'The user is allergic to peanuts.')])
    expect(d.kind).toBe('IGNORE')
    expect((await decide('User has a dog', [mem('m1', 'User has a dog named Rex')])).kind).toBe('IGNORE')
  })

  it('not IGNORE for the same kind of event on another date', async () => {
    const d = await decide('User went to the dentist', [mem('m1', 'User went to the dentist', { eventDateStart: new Date('2024-06-01T00:00:00Z') })], {
      eventDateStart: new Date('2025-01-06T00:00:00Z'),
    })
    expect(d).toEqual({ kind: 'INSERT', relatedMemoryIds: ['m1'] })
  })

  it('TEMPORAL_CONFLICT when a location, employer, job title, relationship, name or age changes', async () => {
    const cases: [string, string][] = [
      ['User moved to Berlin', 'User lives in Paris'],
      ['User lives in Berlin', 'User moved to Paris in 2019'],
      ['User joined Figma as a senior designer', 'User works at Acme as a designer'],
      ['User works as a nurse', 'User is a teacher'],
      ['User got engaged to Tom', 'User is single'],
      ["User's name is Alex Park", "User's name is Alex Kim"],
      ['User turned 30', 'User is 29 years old'],
      ["User's favorite color is green", "User's favorite color is blue"],
      ['User left Deloitte', 'User works at Deloitte'],
    ]
    for (const [content, old] of cases) {
      expect(await decide(content, [mem('old', old), mem('other', 'User likes jazz')]), `${content} vs ${old}`).toEqual({
        kind: 'TEMPORAL_CONFLICT',
        memoryIds: ['old'],
      })
    }
  })

  it('TEMPORAL_CONFLICT when the new fact itself says things changed', async () => {
    expect(await decide('User is no longer vegetarian', [mem('m1', 'User is vegetarian')])).toEqual({ kind: 'TEMPORAL_CONFLICT', memoryIds: ['m1'] })
    expect(await decide('User has started to enjoy running', [mem('m1', 'User hates running')])).toEqual({ kind: 'TEMPORAL_CONFLICT', memoryIds: ['m1'] })
  })

  it('MERGE_CONFLICT with a reason for a direct contradiction', async () => {
    const cases: [string, string][] = [
      ['User is not vegetarian', 'User is vegetarian'],
      ['User eats meat every day', 'User is vegetarian'],
      ['User cannot stand jazz', 'User likes jazz'],
      ['User is not allergic to shellfish', 'User is allergic to shellfish'],
      ['User had a few beers with friends', 'User does not drink alcohol'],
      ['User is originally from Canada', 'User is originally from Mexico'],
    ]
    for (const [content, old] of cases) {
      const d = await decide(content, [mem('old', old), mem('other', 'User plays the guitar')])
      expect(d.kind, `${content} vs ${old}`).toBe('MERGE_CONFLICT')
      if (d.kind === 'MERGE_CONFLICT') {
        expect(d.memoryIds).toEqual(['old'])
        expect(d.reason).toContain(old)
      }
    }
  })

  it('ADDITION_TO_EXISTING_MEMORY with merged content for more detail on the same subject', async () => {
    expect(await decide("User's dog is named Rex", [mem('m1', 'User has a dog')])).toEqual({
      kind: 'ADDITION_TO_EXISTING_MEMORY',
      memoryId: 'm1',
      content: 'User has a dog named Rex',
    })
    expect(await decide('User works at Acme as a designer', [mem('m1', 'User works at Acme')])).toEqual({
      kind: 'ADDITION_TO_EXISTING_MEMORY',
      memoryId: 'm1',
      content: 'User works at Acme as a designer',
    })
    expect(await decide('User plays tennis every Sunday with their brother', [mem('m1', 'User plays tennis')])).toMatchObject({
      kind: 'ADDITION_TO_EXISTING_MEMORY',
      memoryId: 'm1',
    })
  })

  it('an event about a known person is a new memory linked to it, not an addition', async () => {
    expect(await decide("User's sister Lena is moving in with User", [mem('m1', 'User has a sister')])).toEqual({
      kind: 'INSERT',
      relatedMemoryIds: ['m1'],
    })
  })
})

describe('RulesEngine: clarify and resolve', () => {
  const fact: ExtractedFact = { content: 'User eats meat every day', categories: ['food_preferences'] }
  const conflicting = [mem('m1', 'User is vegetarian', { categories: ['food_preferences'] })]

  it('asks which is right, with the new fact, the old one and "both"', async () => {
    const qs = await engine.clarify({ fact, conflicting })
    expect(qs).toEqual([
      { question: 'Which is right?', options: ['User eats meat every day', 'User is vegetarian', 'Both were true at different times'] },
    ])
  })

  it('keeps at least two distinct options when the contents are the same', async () => {
    const [q] = await engine.clarify({ fact: { content: 'User is vegetarian', categories: [] }, conflicting })
    expect(new Set(q.options).size).toBeGreaterThanOrEqual(2)
  })

  it('resolves to the new fact, the old fact, or both', async () => {
    const q = 'Which is right?'
    expect(await engine.resolve({ fact, conflicting, answers: [{ question: q, answer: 'User eats meat every day' }] })).toEqual([
      { content: 'User eats meat every day', categories: ['food_preferences'], replaces: 'm1' },
    ])
    expect(await engine.resolve({ fact, conflicting, answers: [{ question: q, answer: 'User is vegetarian' }] })).toEqual([
      { content: 'User is vegetarian', categories: ['food_preferences'], replaces: 'm1' },
    ])
    const both = await engine.resolve({ fact, conflicting, answers: [{ question: q, answer: 'Both were true at different times' }] })
    expect(both).toHaveLength(1)
    expect(both[0].replaces).toBe('m1')
    expect(both[0].content).toContain('User eats meat every day')
    expect(both[0].content).toContain('User is vegetarian')
  })

  it('continues every conflicting chain', async () => {
    const two = [mem('m1', 'User lives in Paris'), mem('m2', 'User moved to Paris in 2019')]
    const res = await engine.resolve({
      fact: { content: 'User lives in Rome', categories: ['location'] },
      conflicting: two,
      answers: [{ question: 'Which is right?', answer: 'User lives in Rome' }],
    })
    expect(res.map((r) => [r.replaces, r.content])).toEqual([
      ['m1', 'User lives in Rome'],
      ['m2', 'User lives in Rome'],
    ])
  })
})
