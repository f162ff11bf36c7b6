/**
 * The WebLLM engine's logic, with a FAKE completion function (test double) standing in for the
 * model: prompts, integer <-> memoryId mapping, schema validation, answer parsing, retry-once.
 */
import { describe, expect, test } from 'vitest'
import { EngineError, ValidationError } from '../../src/core/errors'
import type { Category, MemoryCandidate } from '../../src/core/types'
import {
  WebLLMEngine,
  parseModelDate,
  type ChatStreamRequest,
  type CompletionRequest,
} from '../../src/engine/webllm/WebLLMEngine'

const CATEGORIES: Category[] = [
  { name: 'allergies', description: 'Allergies and intolerances' },
  { name: 'location', description: 'Where the user lives' },
  { name: 'events', description: 'Things that happened on a date' },
  { name: 'work', description: 'Job' },
]

const NOW = new Date('2025-01-08T10:00:00.000Z') // a Wednesday

const IDS = ['0194a0b2-0000-7000-8000-000000000001', '0194a0b2-0000-7000-8000-000000000002', '0194a0b2-0000-7000-8000-000000000003']

function candidates(): MemoryCandidate[] {
  return [
    { memoryId: IDS[0], content: 'Alice lives in Paris.', categories: ['location'], createdAt: new Date('2024-05-01T00:00:00Z') },
    { memoryId: IDS[1], content: 'Alice works at Acme.', categories: ['work'], createdAt: new Date('2024-06-01T00:00:00Z') },
    {
      memoryId: IDS[2],
      content: 'Alice is allergic to peanuts.',
      categories: ['allergies'],
      createdAt: new Date('2024-07-01T00:00:00Z'),
      eventDateStart: new Date('2020-01-01T00:00:00Z'),
    },
  ]
}

/** Test double for the model: answers from a script (strings or functions of the request), records requests. */
function fakeCompletion(script: (string | ((r: CompletionRequest) => string) | Error)[]) {
  const requests: CompletionRequest[] = []
  const complete = async (r: CompletionRequest): Promise<string> => {
    requests.push(r)
    const next = script.shift()
    if (next === undefined) throw new Error('fakeCompletion: no scripted answer left')
    if (next instanceof Error) throw next
    return typeof next === 'function' ? next(r) : next
  }
  return { complete, requests }
}

function engineWith(script: Parameters<typeof fakeCompletion>[0], extra: Partial<ConstructorParameters<typeof WebLLMEngine>[0]> = {}) {
  const fake = fakeCompletion(script)
  const engine = new WebLLMEngine({ modelId: 'Qwen2.5-1.5B-Instruct-q4f32_1-MLC', complete: fake.complete, ...extra })
  return { engine, requests: fake.requests }
}

const fact = { content: 'Alice moved to Berlin.', categories: ['location'], eventDateStart: new Date('2025-01-06T00:00:00Z') }

describe('parseModelDate', () => {
  test('dates, months, years and date-times', () => {
    expect(parseModelDate('2025-01-06', 'start')?.toISOString()).toBe('2025-01-06T00:00:00.000Z')
    expect(parseModelDate('2025-01-06', 'end')?.toISOString()).toBe('2025-01-06T23:59:59.999Z')
    expect(parseModelDate('2024-02', 'end')?.toISOString()).toBe('2024-02-29T23:59:59.999Z')
    expect(parseModelDate('2024', 'start')?.toISOString()).toBe('2024-01-01T00:00:00.000Z')
    expect(parseModelDate('2025-01-06T14:30', 'start')?.toISOString()).toBe('2025-01-06T14:30:00.000Z')
    expect(parseModelDate('2025-01-06T14:30:00+02:00', 'start')?.toISOString()).toBe('2025-01-06T12:30:00.000Z')
  })
  test('rejects what is not a date', () => {
    for (const v of [null, '', 'unknown', 'last Monday', '2025-02-30', '2025-13-01', 42]) {
      expect(parseModelDate(v, 'start')).toBeUndefined()
    }
  })
})

describe('extract', () => {
  const messages = [
    { role: 'user' as const, content: 'Hi! I moved to Berlin last Monday.' },
    { role: 'assistant' as const, content: 'Congratulations on the move!' },
    { role: 'user' as const, content: "Also, I'm allergic to peanuts." },
  ]

  test('gives the model the date as now, numbered messages, and the categories as a schema enum', async () => {
    const { engine, requests } = engineWith([
      JSON.stringify({
        facts: [
          { content: 'Alice moved to Berlin.', categories: ['location', 'events'], eventDateStart: '2025-01-06', eventDateEnd: null, sources: [1] },
          { content: 'Alice is allergic to peanuts.', categories: ['allergies'], eventDateStart: null, eventDateEnd: null, sources: [3] },
        ],
      }),
    ])
    const facts = await engine.extract({ messages, sessionCreatedAt: NOW, user: { name: 'Alice', about: '' }, categories: CATEGORIES })
    expect(facts).toEqual([
      { content: 'Alice moved to Berlin.', categories: ['location', 'events'], eventDateStart: new Date('2025-01-06T00:00:00.000Z'), sources: [0] },
      { content: 'Alice is allergic to peanuts.', categories: ['allergies'], sources: [2] },
    ])
    expect(requests).toHaveLength(1)
    const r = requests[0]
    expect(r.task).toBe('extract')
    expect(r.attempt).toBe(1)
    expect(r.temperature).toBe(0)
    const [system, user] = r.messages
    expect(system.role).toBe('system')
    expect(user.content).toContain('NOW: Wednesday 2025-01-08')
    expect(user.content).toContain('Mon 2025-01-06') // "last Monday" can be read off the calendar
    expect(user.content).toContain('[1] user: Hi! I moved to Berlin last Monday.')
    expect(user.content).toContain('[3] user:')
    expect(user.content).toContain('- allergies: Allergies and intolerances')
    const schema = JSON.stringify(r.schema)
    expect(schema).toContain('"enum":["allergies","location","events","work"]')
    expect(schema).toContain('"enum":[1,2,3]')
  })

  test('drops unknown categories, bad dates, out-of-range sources, empty and repeated facts', async () => {
    // Plain JSON mode (no grammar) could let these through: the schema check catches enum
    // violations, so here the answer is schema-valid and only the semantic clean-up applies.
    const { engine } = engineWith([
      JSON.stringify({
        facts: [
          { content: '  Alice   is allergic to peanuts. ', categories: ['allergies', 'allergies'], eventDateStart: 'sometime', eventDateEnd: null, sources: [3, 3, 1] },
          { content: 'alice is allergic to peanuts.', categories: ['allergies'], eventDateStart: null, eventDateEnd: null, sources: [] },
          { content: '   ', categories: ['work'], eventDateStart: null, eventDateEnd: null, sources: [] },
          { content: 'Alice worked at Acme.', categories: ['work'], eventDateStart: '2024-03-01', eventDateEnd: '2023-01-01', sources: [] },
        ],
      }),
    ])
    const facts = await engine.extract({ messages, sessionCreatedAt: NOW, user: { name: 'Alice', about: '' }, categories: CATEGORIES })
    expect(facts).toEqual([
      { content: 'Alice is allergic to peanuts.', categories: ['allergies'], sources: [0, 2] },
      { content: 'Alice worked at Acme.', categories: ['work'], eventDateStart: new Date('2024-03-01T00:00:00.000Z') },
    ])
  })

  test('an unknown category is a schema violation: retried once, with the problem named', async () => {
    const bad = JSON.stringify({ facts: [{ content: 'Alice has a cat.', categories: ['pets'], eventDateStart: null, eventDateEnd: null, sources: [1] }] })
    const good = JSON.stringify({ facts: [{ content: 'Alice has a cat.', categories: ['events'], eventDateStart: null, eventDateEnd: null, sources: [1] }] })
    const { engine, requests } = engineWith([bad, good])
    const facts = await engine.extract({ messages, sessionCreatedAt: NOW, user: { name: 'Alice', about: '' }, categories: CATEGORIES })
    expect(facts.map((f) => f.categories)).toEqual([['events']])
    expect(requests).toHaveLength(2)
    expect(requests[1].attempt).toBe(2)
    expect(requests[1].temperature).toBeGreaterThan(0)
    expect(requests[1].messages[1].content).toContain('could not be used')
    expect(requests[1].messages[1].content).toContain('"pets" is not one of')
  })

  test('retries once on text that is not JSON, then fails with INVALID_OUTPUT', async () => {
    const { engine, requests } = engineWith(['Sure! Here are the facts: Alice moved.', '{"facts": [{"content": "x"'])
    const err = await engine
      .extract({ messages, sessionCreatedAt: NOW, user: { name: 'Alice', about: '' }, categories: CATEGORIES })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(EngineError)
    expect((err as EngineError).reason).toBe('INVALID_OUTPUT')
    expect((err as EngineError).message).toMatch(/extracting memories.*twice/)
    expect(requests).toHaveLength(2)
  })

  test('accepts JSON wrapped in a code fence', async () => {
    const { engine } = engineWith(['```json\n{"facts": []}\n```'])
    expect(await engine.extract({ messages, sessionCreatedAt: NOW, user: { name: '', about: '' }, categories: CATEGORIES })).toEqual([])
  })

  test('no model call without a user message', async () => {
    const { engine, requests } = engineWith([])
    expect(await engine.extract({ messages: [], sessionCreatedAt: NOW, user: { name: '', about: '' }, categories: CATEGORIES })).toEqual([])
    expect(
      await engine.extract({ messages: [{ role: 'assistant', content: 'Hello!' }], sessionCreatedAt: NOW, user: { name: '', about: '' }, categories: CATEGORIES }),
    ).toEqual([])
    expect(requests).toHaveLength(0)
  })

  test('a long conversation is split into chunks; sources stay indexes into the whole list', async () => {
    const long = Array.from({ length: 12 }, (_, i) => ({ role: 'user' as const, content: `Message ${i + 1}: ${'blah '.repeat(60)}` }))
    const { engine, requests } = engineWith(
      Array.from({ length: 12 }, () => (r: CompletionRequest) => {
        const numbers = [...r.messages[1].content.matchAll(/^\[(\d+)\] user/gm)].map((m) => Number(m[1]))
        const last = numbers[numbers.length - 1]
        return JSON.stringify({ facts: [{ content: `Fact from message ${last}.`, categories: ['work'], eventDateStart: null, eventDateEnd: null, sources: [last] }] })
      }),
      { contextWindowSize: 2048 },
    )
    const facts = await engine.extract({ messages: long, sessionCreatedAt: NOW, user: { name: 'Alice', about: '' }, categories: CATEGORIES })
    expect(requests.length).toBeGreaterThan(1)
    expect(requests.length).toBeLessThan(12)
    for (const f of facts) {
      const n = Number(/message (\d+)/.exec(f.content)?.[1])
      expect(f.sources).toEqual([n - 1])
    }
    expect(facts[facts.length - 1].sources).toEqual([11])
  })

  test('a failing completion function is a GENERATION_FAILED EngineError, not retried', async () => {
    const { engine, requests } = engineWith([new Error('GPU hiccup')])
    const err = await engine
      .extract({ messages, sessionCreatedAt: NOW, user: { name: 'A', about: '' }, categories: CATEGORIES })
      .catch((e: unknown) => e)
    expect((err as EngineError).reason).toBe('GENERATION_FAILED')
    expect(requests).toHaveLength(1)
  })

  test('an invalid session date falls back to the newest message time as "now"', async () => {
    const { engine, requests } = engineWith(['{"facts": []}'])
    await engine.extract({
      messages: [{ role: 'user', content: 'I moved yesterday', timestamp: new Date('2025-03-05T08:00:00Z') }],
      sessionCreatedAt: new Date('nope'),
      user: { name: '', about: '' },
      categories: CATEGORIES,
    })
    expect(requests[0].messages[1].content).toContain('NOW: Wednesday 2025-03-05')
    await expect(engine.extract({ messages: 'x' as never, sessionCreatedAt: NOW, user: { name: '', about: '' }, categories: CATEGORIES })).rejects.toBeInstanceOf(
      ValidationError,
    )
  })
})

describe('decide', () => {
  test('no candidates: INSERT without asking the model', async () => {
    const { engine, requests } = engineWith([])
    expect(await engine.decide({ fact, candidates: [] })).toEqual({ kind: 'INSERT' })
    expect(requests).toHaveLength(0)
  })

  test('candidates are numbered 1..n in the prompt, never by id; numbers map back to memoryIds', async () => {
    const { engine, requests } = engineWith([
      JSON.stringify({ reason: 'Alice moved from Paris to Berlin.', decision: 'TEMPORAL_CONFLICT', memories: [1], content: '' }),
    ])
    expect(await engine.decide({ fact, candidates: candidates() })).toEqual({ kind: 'TEMPORAL_CONFLICT', memoryIds: [IDS[0]] })
    const prompt = requests[0].messages.map((m) => m.content).join('\n')
    for (const id of IDS) expect(prompt).not.toContain(id)
    expect(prompt).toContain('1. Alice lives in Paris. [location] (recorded 2024-05-01)')
    expect(prompt).toContain('3. Alice is allergic to peanuts. [allergies] (when: 2020-01-01)')
    expect(prompt).toContain('NEW FACT: Alice moved to Berlin. [location] (when: 2025-01-06)')
    expect(JSON.stringify(requests[0].schema)).toContain('"enum":[1,2,3]')
  })

  test('every decision kind', async () => {
    const cases: [object, object][] = [
      [{ reason: '', decision: 'INSERT', memories: [], content: '' }, { kind: 'INSERT' }],
      [{ reason: '', decision: 'INSERT', memories: [2, 2], content: '' }, { kind: 'INSERT', relatedMemoryIds: [IDS[1]] }],
      [{ reason: 'Memory 3 says it.', decision: 'IGNORE', memories: [3], content: '' }, { kind: 'IGNORE', reason: 'Memory 3 says it.' }],
      [{ reason: '', decision: 'IGNORE', memories: [], content: '' }, { kind: 'IGNORE', reason: 'Already known from an existing memory.' }],
      [
        { reason: 'adds detail', decision: 'ADDITION_TO_EXISTING_MEMORY', memories: [2], content: 'Alice works at Acme as an engineer.' },
        { kind: 'ADDITION_TO_EXISTING_MEMORY', memoryId: IDS[1], content: 'Alice works at Acme as an engineer.' },
      ],
      [
        { reason: 'cannot both be true', decision: 'MERGE_CONFLICT', memories: [3, 1], content: '' },
        { kind: 'MERGE_CONFLICT', memoryIds: [IDS[2], IDS[0]], reason: 'cannot both be true' },
      ],
    ]
    for (const [answer, expected] of cases) {
      const { engine } = engineWith([JSON.stringify(answer)])
      expect(await engine.decide({ fact, candidates: candidates() })).toEqual(expected)
    }
  })

  test('ADDITION without a memory number, or a number out of range, is retried once', async () => {
    const { engine, requests } = engineWith([
      JSON.stringify({ reason: '', decision: 'ADDITION_TO_EXISTING_MEMORY', memories: [], content: 'merged' }),
      JSON.stringify({ reason: '', decision: 'ADDITION_TO_EXISTING_MEMORY', memories: [1], content: 'Alice lives in Berlin, formerly Paris.' }),
    ])
    expect(await engine.decide({ fact, candidates: candidates() })).toEqual({
      kind: 'ADDITION_TO_EXISTING_MEMORY',
      memoryId: IDS[0],
      content: 'Alice lives in Berlin, formerly Paris.',
    })
    expect(requests[1].messages[1].content).toContain('ADDITION_TO_EXISTING_MEMORY needs "memories"')

    const twice = engineWith([
      JSON.stringify({ reason: '', decision: 'TEMPORAL_CONFLICT', memories: [7], content: '' }),
      JSON.stringify({ reason: '', decision: 'TEMPORAL_CONFLICT', memories: [], content: '' }),
    ])
    const err = await twice.engine.decide({ fact, candidates: candidates() }).catch((e: unknown) => e)
    expect((err as EngineError).reason).toBe('INVALID_OUTPUT')
    expect(twice.requests[1].messages[1].content).toContain('7 is not one of 1, 2, 3')
  })

  test('an unknown decision kind or extra property is rejected by the validator', async () => {
    const { engine } = engineWith([
      JSON.stringify({ reason: '', decision: 'UPDATE', memories: [1], content: '' }),
      JSON.stringify({ reason: '', decision: 'INSERT', memories: [], content: '', memoryId: IDS[0] }),
    ])
    const err = await engine.decide({ fact, candidates: candidates() }).catch((e: unknown) => e)
    expect((err as EngineError).reason).toBe('INVALID_OUTPUT')
    expect((err as EngineError).message).toContain('unexpected property "memoryId"')
  })
})

describe('clarify', () => {
  test('questions with options, trimmed and de-duplicated', async () => {
    const { engine, requests } = engineWith([
      JSON.stringify({
        questions: [
          { question: ' Are you allergic to peanuts? ', options: ['Yes', 'No', 'yes'] },
          { question: 'Are you allergic to peanuts?', options: ['Yes', 'No'] },
          { question: 'Is this about tree nuts?', options: ['Tree nuts', ' tree  nuts '] },
        ],
      }),
    ])
    const qs = await engine.clarify({ fact: { content: 'Alice is not allergic to peanuts.', categories: ['allergies'] }, conflicting: [candidates()[2]] })
    expect(qs).toEqual([{ question: 'Are you allergic to peanuts?', options: ['Yes', 'No'] }])
    expect(requests[0].messages[1].content).toContain('1. Alice is allergic to peanuts.')
    expect(requests[0].messages[1].content).not.toContain(IDS[2])
  })

  test('no usable question twice: INVALID_OUTPUT', async () => {
    const none = JSON.stringify({ questions: [{ question: '', options: ['a', 'b'] }] })
    const { engine, requests } = engineWith([none, none])
    const err = await engine.clarify({ fact, conflicting: candidates() }).catch((e: unknown) => e)
    expect((err as EngineError).reason).toBe('INVALID_OUTPUT')
    expect(requests).toHaveLength(2)
  })
})

describe('resolve', () => {
  test('replaces numbers map to memoryIds; categories limited to known ones; dates parsed', async () => {
    const { engine, requests } = engineWith([
      JSON.stringify({
        memories: [
          { replaces: 3, content: 'Alice is not allergic to peanuts.', categories: ['allergies'], eventDateStart: '2024-12', eventDateEnd: null },
          { replaces: 3, content: 'duplicate', categories: ['allergies'], eventDateStart: null, eventDateEnd: null },
        ],
      }),
    ])
    const conflicting = [candidates()[0], candidates()[2]]
    const out = await engine.resolve({
      fact: { content: 'Alice is not allergic to peanuts.', categories: ['allergies'] },
      conflicting: [...conflicting, candidates()[1]],
      answers: [{ question: 'Are you allergic to peanuts?', answer: 'No', message: 'It was a misdiagnosis' }],
    })
    expect(out).toEqual([
      { content: 'Alice is not allergic to peanuts.', categories: ['allergies'], replaces: IDS[1], eventDateStart: new Date('2024-12-01T00:00:00.000Z') },
    ])
    const prompt = requests[0].messages[1].content
    expect(prompt).toContain('A: No')
    expect(prompt).toContain('It was a misdiagnosis')
    // categories the result may use: the fact's and the conflicting memories'
    expect(JSON.stringify(requests[0].schema)).toContain('"enum":["allergies","location","work"]')
  })

  test('without conflicting memories the input is refused', async () => {
    const { engine } = engineWith([])
    await expect(engine.resolve({ fact, conflicting: [], answers: [] })).rejects.toBeInstanceOf(ValidationError)
  })
})

describe('chat and embed', () => {
  test('no chat or embed without the functions behind them', () => {
    const { engine } = engineWith([])
    expect(engine.chat).toBeUndefined()
    expect(engine.embed).toBeUndefined()
  })

  test('streams tokens, with one system message holding the memory context', async () => {
    const seen: ChatStreamRequest[] = []
    async function* fakeChatStream(r: ChatStreamRequest) {
      seen.push(r)
      yield* ['Hello', ' Alice', '!']
    }
    const { engine } = engineWith([], { chatStream: fakeChatStream })
    const tokens: string[] = []
    for await (const t of engine.chat!({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello!' },
        { role: 'user', content: 'Do you remember me?' },
      ],
      context: '- Alice lives in Berlin.',
    })) {
      tokens.push(t)
    }
    expect(tokens.join('')).toBe('Hello Alice!')
    const msgs = seen[0].messages
    expect(msgs.filter((m) => m.role === 'system')).toHaveLength(1)
    expect(msgs[0].role).toBe('system')
    expect(msgs[0].content).toContain('Be brief.')
    expect(msgs[0].content).toContain('- Alice lives in Berlin.')
    expect(msgs[msgs.length - 1]).toEqual({ role: 'user', content: 'Do you remember me?' })
  })

  test('the abort signal reaches the stream, which stops', async () => {
    const ctl = new AbortController()
    async function* fakeChatStream(r: ChatStreamRequest) {
      for (let i = 0; i < 100; i++) {
        if (r.signal?.aborted) return
        yield `t${i} `
      }
    }
    const { engine } = engineWith([], { chatStream: fakeChatStream })
    const tokens: string[] = []
    for await (const t of engine.chat!({ messages: [{ role: 'user', content: 'Talk' }], context: '', signal: ctl.signal })) {
      tokens.push(t)
      if (tokens.length === 3) ctl.abort()
    }
    expect(tokens).toEqual(['t0 ', 't1 ', 't2 '])
  })

  test('the last message must be the user\'s', async () => {
    const { engine } = engineWith([], { chatStream: async function* () {} })
    const it = engine.chat!({ messages: [{ role: 'assistant', content: 'Hi' }], context: '' })[Symbol.asyncIterator]()
    await expect(it.next()).rejects.toBeInstanceOf(ValidationError)
  })

  test('embed passes through', async () => {
    const { engine } = engineWith([], { embed: async (texts) => texts.map((t) => new Float32Array([t.length])) })
    expect(await engine.embed!(['ab', 'c'])).toEqual([new Float32Array([2]), new Float32Array([1])])
    expect(await engine.embed!([])).toEqual([])
  })
})
