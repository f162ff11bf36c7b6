/**
 * The WebLLM engine's supporting pieces, in Node: schema validator, prompts, model list and
 * variant choice (against web-llm's real prebuilt list), progress parsing, error mapping, error
 * transport over the worker boundary, WebGPU probing (with a stubbed navigator.gpu), and the
 * wiring onto an MLCEngine (with a FAKE MLC engine as test double: no model).
 */
import { prebuiltAppConfig } from '@mlc-ai/web-llm'
import { afterEach, describe, expect, test, vi } from 'vitest'
import { EngineError, InvalidCategoriesError, KeepsakeError, ValidationError } from '../../src/core/errors'
import { toLoadError } from '../../src/engine/webllm/messages'
import {
  DEFAULT_MODEL_ID,
  DEFAULT_MODEL_ID_F32,
  SMALL_EMBEDDING_MODEL_ID,
  chooseModelVariant,
  describeModels,
  f32VariantId,
  quantizationOf,
  type ModelRecordLike,
} from '../../src/engine/webllm/models'
import { parseProgressReport } from '../../src/engine/webllm/progress'
import { buildChatMessages, chunkMessages, numbersToIds, renderNow } from '../../src/engine/webllm/prompts'
import { fromWireError, toWireError } from '../../src/engine/webllm/protocol'
import { createEngineFromMLC, type MLCEngineLike } from '../../src/engine/webllm/runtime'
import { clarifySchema, decideSchema, extractSchema, validateAgainstSchema } from '../../src/engine/webllm/schemas'
import { probeWebGPU } from '../../src/engine/webllm/webgpu'

const records = prebuiltAppConfig.model_list as ModelRecordLike[]

describe('schema validator', () => {
  const schema = extractSchema(['work', 'location'], [1, 2])
  test('accepts a conforming answer', () => {
    expect(
      validateAgainstSchema(schema, {
        facts: [{ content: 'x', categories: ['work'], eventDateStart: '2025-01-01', eventDateEnd: null, sources: [2] }],
      }),
    ).toEqual([])
    expect(validateAgainstSchema(schema, { facts: [] })).toEqual([])
  })
  test('names each problem with its path', () => {
    const errors = validateAgainstSchema(schema, {
      facts: [{ content: 3, categories: ['pets'], eventDateStart: 5, sources: [1.5], extra: true }],
    })
    expect(errors).toEqual([
      '$.facts[0]: missing property "eventDateEnd"',
      '$.facts[0].content: expected a string, got number 3',
      '$.facts[0].categories[0]: "pets" is not one of work, location',
      '$.facts[0].eventDateStart: number 5 matches none of the allowed forms',
      '$.facts[0].sources[0]: expected an integer, got number 1.5',
    ])
    expect(validateAgainstSchema(schema, [])).toEqual(['$: expected an object, got an array'])
  })
  test('array bounds', () => {
    expect(validateAgainstSchema(clarifySchema(), { questions: [] })).toEqual(['$.questions: expected at least 1 item(s), got 0'])
    expect(validateAgainstSchema(clarifySchema(), { questions: [{ question: 'q', options: ['a'] }] })).toEqual([
      '$.questions[0].options: expected at least 2 item(s), got 1',
    ])
  })
  test('schemas are plain JSON (what web-llm receives as a string)', () => {
    const s = decideSchema(2)
    expect(JSON.parse(JSON.stringify(s))).toEqual(s)
    expect(s.properties.decision).toEqual({
      type: 'string',
      enum: ['INSERT', 'IGNORE', 'ADDITION_TO_EXISTING_MEMORY', 'TEMPORAL_CONFLICT', 'MERGE_CONFLICT'],
    })
  })
})

describe('prompts', () => {
  test('renderNow gives the weekday calendar around the session date', () => {
    const now = renderNow(new Date('2025-01-08T10:00:00Z'))
    expect(now).toContain('NOW: Wednesday 2025-01-08, 10:00 UTC')
    expect(now).toContain('Yesterday: Tue 2025-01-07. Tomorrow: Thu 2025-01-09.')
    expect(now).toContain('Mon 2025-01-06')
    expect(now).toContain('Last week: 2024-12-30 to 2025-01-05')
    expect(now).toContain('Last month: 2024-12')
    expect(now).toContain('Last year: 2024')
  })
  test('numbersToIds maps 1-based numbers, drops out-of-range and repeats', () => {
    const c = [{ memoryId: 'a' }, { memoryId: 'b' }]
    expect(numbersToIds([2, 1, 2, 0, 3, 1.5], c)).toEqual(['b', 'a'])
  })
  test('chunkMessages keeps messages whole and under the budget', () => {
    const msgs = Array.from({ length: 10 }, () => ({ role: 'user' as const, content: 'x'.repeat(100) }))
    const chunks = chunkMessages(msgs, 300, 2000)
    expect(chunks.flatMap((c) => c.indexes)).toEqual([...Array(10).keys()])
    expect(chunks.every((c) => c.indexes.length === 2)).toBe(true)
  })
  test('buildChatMessages drops the oldest turns to fit, keeps the last user message', () => {
    const turns = Array.from({ length: 20 }, (_, i) => ({ role: (i % 2 ? 'assistant' : 'user') as 'user' | 'assistant', content: `${i} ${'y'.repeat(200)}` }))
    turns.push({ role: 'user', content: 'latest question' })
    const out = buildChatMessages(turns, 'ctx', { maxChars: 2000 })
    expect(out[0].role).toBe('system')
    expect(out.length).toBeLessThan(turns.length)
    expect(out[1].role).toBe('user')
    expect(out[out.length - 1]).toEqual({ role: 'user', content: 'latest question' })
    expect(() => buildChatMessages([], '', { maxChars: 2000 })).toThrow(ValidationError)
  })
})

describe('models', () => {
  test('the default model and its f32 sibling are in web-llm\'s prebuilt list, small enough for a laptop', () => {
    for (const id of [DEFAULT_MODEL_ID, DEFAULT_MODEL_ID_F32]) {
      const r = records.find((x) => x.model_id === id)
      expect(r, id).toBeDefined()
      expect(r!.low_resource_required).toBe(true)
      expect(r!.vram_required_MB).toBeLessThan(2048)
    }
    expect(records.find((x) => x.model_id === SMALL_EMBEDDING_MODEL_ID)?.model_type).toBe(1)
  })
  test('q4f32 is picked when the GPU has no shader-f16', () => {
    expect(chooseModelVariant(records, DEFAULT_MODEL_ID, { shaderF16: false })).toEqual({
      modelId: DEFAULT_MODEL_ID_F32,
      requestedModelId: DEFAULT_MODEL_ID,
      substituted: true,
    })
    expect(chooseModelVariant(records, DEFAULT_MODEL_ID, { shaderF16: true }).modelId).toBe(DEFAULT_MODEL_ID)
    expect(chooseModelVariant(records, 'Llama-3.2-3B-Instruct-q4f16_1-MLC', { shaderF16: false }).modelId).toBe(
      'Llama-3.2-3B-Instruct-q4f32_1-MLC',
    )
    expect(chooseModelVariant(records, DEFAULT_MODEL_ID_F32, { shaderF16: true }, { preferF16: true }).modelId).toBe(DEFAULT_MODEL_ID)
  })
  test('unknown model, and an f16 model without f32 sibling on a GPU without shader-f16', () => {
    const unknown = (() => {
      try {
        chooseModelVariant(records, 'GPT-5-q4f16_1-MLC', { shaderF16: true })
      } catch (e) {
        return e
      }
    })()
    expect((unknown as EngineError).reason).toBe('UNKNOWN_MODEL')
    const noSibling = records.find((r) => /f16/.test(quantizationOf(r.model_id)) && !records.some((x) => x.model_id === f32VariantId(r.model_id)))
    expect(noSibling).toBeDefined()
    expect(() => chooseModelVariant(records, noSibling!.model_id, { shaderF16: false })).toThrow(/shader-f16/)
  })
  test('the list: every prebuilt model, sizes, filters', () => {
    const all = describeModels(records)
    expect(all).toHaveLength(records.length)
    const def = all.find((m) => m.modelId === DEFAULT_MODEL_ID)!
    expect(def).toMatchObject({ family: 'Qwen2.5-1.5B-Instruct', quantization: 'q4f16_1', kind: 'llm', lowResourceRequired: true, requiresShaderF16: true, isDefault: true })
    expect(def.vramRequiredMB).toBeGreaterThan(1000)
    const noF16 = describeModels(records, { kind: 'llm', shaderF16: false })
    expect(noF16.some((m) => m.requiresShaderF16)).toBe(false)
    expect(noF16.some((m) => m.modelId === DEFAULT_MODEL_ID_F32)).toBe(true)
    const vram = noF16.map((m) => m.vramRequiredMB ?? Infinity)
    expect([...vram].sort((a, b) => a - b)).toEqual(vram)
    expect(describeModels(records, { kind: 'embedding' }).every((m) => m.kind === 'embedding')).toBe(true)
    const usable = describeModels(records, { usableOnly: true })
    expect(usable.some((m) => m.modelId.endsWith('-1k'))).toBe(false)
    expect(usable.some((m) => m.kind !== 'llm')).toBe(false)
    expect(usable.some((m) => m.modelId === DEFAULT_MODEL_ID)).toBe(true)
  })
})

describe('progress', () => {
  test('phases, percent and bytes from web-llm\'s reports', () => {
    const d = parseProgressReport(
      { progress: 0.25, timeElapsed: 12, text: 'Fetching param cache[5/20]: 250MB fetched. 25% completed, 12 secs elapsed. It can take a while...' },
      'm',
    )
    expect(d).toMatchObject({ modelId: 'm', phase: 'downloading', percent: 25, loadedBytes: 250 * 1048576, totalBytes: 1000 * 1048576, timeElapsed: 12 })
    expect(parseProgressReport({ progress: 0.5, timeElapsed: 1, text: 'Loading model from cache[10/20]: 500MB loaded. 50% completed, 1 secs elapsed.' }, 'm').phase).toBe('loading')
    expect(parseProgressReport({ progress: 0.3, timeElapsed: 1, text: 'Loading GPU shader modules[3/10]: 30% completed' }, 'm').phase).toBe('compiling')
    const done = parseProgressReport({ progress: 1, timeElapsed: 30, text: 'Finish loading on WebGPU - apple' }, 'm')
    expect(done).toMatchObject({ phase: 'ready', percent: 100 })
    expect(done.loadedBytes).toBeUndefined()
  })
})

describe('load errors', () => {
  const ctx = { modelId: 'M', vramRequiredMB: 1889, online: true }
  test('map to reasons with messages for the UI', () => {
    expect(toLoadError(new TypeError('Failed to fetch'), ctx).reason).toBe('DOWNLOAD_FAILED')
    expect(toLoadError(new TypeError('Failed to fetch'), { ...ctx, online: false }).reason).toBe('MODEL_NOT_CACHED_OFFLINE')
    expect(toLoadError(new TypeError('Failed to fetch'), { ...ctx, online: false }).message).toMatch(/offline.*rules engine: memories still work, chat replies are off/)
    const named = (name: string, message = 'x') => Object.assign(new Error(message), { name })
    expect(toLoadError(named('WebGPUNotAvailableError'), ctx).reason).toBe('NO_WEBGPU')
    expect(toLoadError(named('DeviceLostError'), ctx)).toMatchObject({ reason: 'GPU_OUT_OF_MEMORY' })
    expect(toLoadError(named('DeviceLostError'), ctx).message).toContain('1889 MB')
    expect(toLoadError(named('ShaderF16SupportError'), ctx).reason).toBe('NO_SHADER_F16')
    expect(toLoadError(named('QuotaExceededError'), ctx).reason).toBe('STORAGE_FULL')
    expect(toLoadError(new Error('weird'), ctx)).toMatchObject({ reason: 'LOAD_FAILED' })
    const own = new EngineError('mine', 'CANCELLED')
    expect(toLoadError(own, ctx)).toBe(own)
  })
})

describe('errors over the worker boundary', () => {
  test('EngineError keeps its class and reason through structured clone', () => {
    const wire = structuredClone(toWireError(new EngineError('No WebGPU here', 'NO_WEBGPU')))
    const back = fromWireError(wire)
    expect(back).toBeInstanceOf(EngineError)
    expect(back).toBeInstanceOf(KeepsakeError)
    expect(back).toMatchObject({ message: 'No WebGPU here', reason: 'NO_WEBGPU', code: 'ENGINE_ERROR', name: 'EngineError' })
  })
  test('other Keepsake errors keep their class and fields; unknown ones become a named Error', () => {
    const v = fromWireError(structuredClone(toWireError(new ValidationError('bad', 'messages'))))
    expect(v).toBeInstanceOf(ValidationError)
    expect(v).toMatchObject({ message: 'bad', field: 'messages', code: 'VALIDATION_ERROR', name: 'ValidationError' })
    const c = fromWireError(structuredClone(toWireError(new InvalidCategoriesError(['pets']))))
    expect(c).toBeInstanceOf(InvalidCategoriesError)
    expect((c as InvalidCategoriesError).invalidCategories).toEqual(['pets'])
    const t = fromWireError(structuredClone(toWireError(new TypeError('boom'))))
    expect(t).toBeInstanceOf(Error)
    expect(t).toMatchObject({ name: 'TypeError', message: 'boom' })
  })
})

describe('probeWebGPU (stubbed navigator.gpu)', () => {
  afterEach(() => {
    vi.unstubAllGlobals()
  })
  const limits = { maxBufferSize: 2 ** 31, maxStorageBufferBindingSize: 2 ** 30, maxComputeWorkgroupStorageSize: 32768, maxStorageBuffersPerShaderStage: 10 }
  const adapter = (features: string[], info: object, lim: object = limits) => ({ features: new Set(features), limits: lim, info })

  test('no navigator.gpu: NO_WEBGPU with the fallback message', async () => {
    vi.stubGlobal('navigator', {})
    const p = await probeWebGPU()
    expect(p).toMatchObject({ available: false, canRunModels: false, problem: 'NO_WEBGPU' })
    expect(p.message).toBe(
      "This browser has no WebGPU, so the local AI model can't run. Keepsake uses its built-in rules engine: memories still work, chat replies are off.",
    )
  })
  test('no adapter', async () => {
    vi.stubGlobal('navigator', { gpu: { requestAdapter: async () => null } })
    expect(await probeWebGPU()).toMatchObject({ available: false, problem: 'NO_ADAPTER' })
  })
  test('a GPU with shader-f16: the f16 default', async () => {
    vi.stubGlobal('navigator', { gpu: { requestAdapter: async () => adapter(['shader-f16'], { vendor: 'apple', architecture: 'metal-3' }) } })
    const p = await probeWebGPU()
    expect(p).toMatchObject({ available: true, canRunModels: true, shaderF16: true, software: false, problem: null, recommendedModelId: DEFAULT_MODEL_ID })
    expect(p.adapter?.vendor).toBe('apple')
  })
  test('SwiftShader without shader-f16: the q4f32 default, flagged as software', async () => {
    vi.stubGlobal('navigator', { gpu: { requestAdapter: async () => adapter([], { vendor: 'google', architecture: 'swiftshader' }) } })
    const p = await probeWebGPU()
    expect(p).toMatchObject({ available: true, shaderF16: false, software: true, recommendedModelId: DEFAULT_MODEL_ID_F32 })
  })
  test('limits too small', async () => {
    vi.stubGlobal('navigator', { gpu: { requestAdapter: async () => adapter([], { vendor: 'x' }, { ...limits, maxStorageBuffersPerShaderStage: 8 }) } })
    expect(await probeWebGPU()).toMatchObject({ available: true, canRunModels: false, problem: 'GPU_LIMITS_TOO_SMALL' })
  })
  test('requestAdapter throwing does not throw', async () => {
    vi.stubGlobal('navigator', { gpu: { requestAdapter: async () => { throw new Error('driver crash') } } })
    expect(await probeWebGPU()).toMatchObject({ available: false, problem: 'PROBE_FAILED' })
  })
})

describe('wiring onto an MLCEngine (fake MLC engine, no model)', () => {
  function fakeMLC(opts: { grammarFails?: boolean; tokens?: string[] } = {}) {
    const requests: Record<string, unknown>[] = []
    let interrupted = 0
    const mlc = {
      chat: {
        completions: {
          create: async (req: Record<string, unknown>) => {
            requests.push(req)
            if (req.stream) {
              const tokens = opts.tokens ?? []
              return (async function* () {
                for (const t of tokens) {
                  if (interrupted) return
                  yield { choices: [{ delta: { content: t }, index: 0, finish_reason: null }] }
                }
              })()
            }
            const rf = req.response_format as { schema?: string }
            if (opts.grammarFails && rf.schema) throw Object.assign(new Error('bad schema'), { name: 'GrammarMatcherInitError' })
            return { choices: [{ message: { content: '{"reason": "", "decision": "INSERT", "memories": [], "content": ""}' } }] }
          },
        },
      },
      embeddings: { create: async () => ({ data: [{ index: 1, embedding: [2] }, { index: 0, embedding: [1] }] }) },
      interruptGenerate: () => {
        interrupted++
      },
    }
    return { mlc: mlc as unknown as MLCEngineLike, requests, interrupts: () => interrupted }
  }
  const cand = [{ memoryId: 'id-1', content: 'x', categories: [], createdAt: new Date() }]

  test('structured calls send json_object with the schema string, the model id and the limits', async () => {
    const f = fakeMLC()
    const engine = createEngineFromMLC(f.mlc, { modelId: 'Qwen2.5-1.5B-Instruct-q4f32_1-MLC', embeddingModelId: null, contextWindowSize: 4096 })
    expect(await engine.decide({ fact: { content: 'y', categories: [] }, candidates: cand })).toEqual({ kind: 'INSERT' })
    const req = f.requests[0]
    expect(req).toMatchObject({ model: 'Qwen2.5-1.5B-Instruct-q4f32_1-MLC', stream: false, temperature: 0, max_tokens: 256 })
    expect(req.response_format).toEqual({ type: 'json_object', schema: JSON.stringify(decideSchema(1)) })
    expect(req.extra_body).toBeUndefined()
    expect(engine.embed).toBeUndefined()
  })
  test('a schema the grammar compiler refuses falls back to plain JSON mode', async () => {
    const f = fakeMLC({ grammarFails: true })
    const engine = createEngineFromMLC(f.mlc, { modelId: 'Qwen3-1.7B-q4f32_1-MLC', embeddingModelId: null, contextWindowSize: 4096 })
    expect(await engine.decide({ fact: { content: 'y', categories: [] }, candidates: cand })).toEqual({ kind: 'INSERT' })
    expect(f.requests[1].response_format).toEqual({ type: 'json_object' })
    expect(f.requests[1].extra_body).toEqual({ enable_thinking: false }) // Qwen3 only
  })
  test('chat streams deltas and an abort calls interruptGenerate', async () => {
    const f = fakeMLC({ tokens: ['a', 'b', 'c', 'd'] })
    const engine = createEngineFromMLC(f.mlc, { modelId: 'M-q4f32_1-MLC', embeddingModelId: null, contextWindowSize: 4096 })
    const ctl = new AbortController()
    const got: string[] = []
    for await (const t of engine.chat!({ messages: [{ role: 'user', content: 'hi' }], context: '', signal: ctl.signal })) {
      got.push(t)
      if (got.length === 2) ctl.abort()
    }
    expect(got).toEqual(['a', 'b'])
    expect(f.interrupts()).toBeGreaterThan(0)
    expect(f.requests[0]).toMatchObject({ stream: true, model: 'M-q4f32_1-MLC' })
  })
  test('embed with an embedding model returns Float32Arrays in input order', async () => {
    const f = fakeMLC()
    const engine = createEngineFromMLC(f.mlc, { modelId: 'M', embeddingModelId: SMALL_EMBEDDING_MODEL_ID, contextWindowSize: 4096 })
    expect(await engine.embed!(['a', 'b'])).toEqual([new Float32Array([1]), new Float32Array([2])])
  })
})
