/**
 * The real engine worker (workers/engine.worker.ts, bundled by Vite) in headless Chromium:
 *  - it starts and answers over comlink with the rules engine;
 *  - WebGPU detection on the main thread and in the worker agree and do not throw; without
 *    shader-f16 (SwiftShader here) the q4f32 variant is picked;
 *  - starting a WebLLM model fails fast and cleanly here (no internet, no GPU) with the EngineError
 *    the UI shows; the fallback to the rules engine; cancelling; the cache helpers.
 * Nothing here needs a model.
 */
import { afterEach, describe, expect, test } from 'vitest'
import { EngineError } from '../../src/core/errors'
import { WorkerEngine, createEngineWithFallback } from '../../src/engine/WorkerEngine'
import { DEFAULT_MODEL_ID, DEFAULT_MODEL_ID_F32, chooseModelVariant, loadModelRecords } from '../../src/engine/webllm/models'
import type { LoadProgress } from '../../src/engine/webllm/progress'
import { probeWebGPU } from '../../src/engine/webllm/webgpu'

const engines: WorkerEngine[] = []
afterEach(async () => {
  while (engines.length) await engines.pop()!.dispose()
})

async function start(...args: Parameters<typeof WorkerEngine.create>): Promise<WorkerEngine> {
  const e = await WorkerEngine.create(...args)
  engines.push(e)
  return e
}

const FALLBACK_TEXT = 'rules engine: memories still work, chat replies are off'

describe('engine worker, rules engine', () => {
  test('starts and answers over comlink; Dates survive the trip', async () => {
    const engine = await start({ kind: 'rules' })
    expect(engine.id).toBe('rules')
    expect(engine.status).toMatchObject({ state: 'ready', kind: 'rules', engineId: 'rules', modelId: null })
    const sessionCreatedAt = new Date('2025-01-08T10:00:00.000Z')
    const facts = await engine.extract({
      messages: [
        { role: 'user', content: "I'm allergic to peanuts.", timestamp: sessionCreatedAt },
        { role: 'user', content: 'I moved to Berlin last week.', timestamp: sessionCreatedAt },
      ],
      sessionCreatedAt,
      user: { name: 'Alice', about: '' },
      categories: [
        { name: 'allergies', description: 'Allergies and intolerances' },
        { name: 'location', description: 'Where the user lives' },
      ],
    })
    expect(Array.isArray(facts)).toBe(true)
    expect(facts.length).toBeGreaterThan(0)
    for (const f of facts) {
      expect(typeof f.content).toBe('string')
      if (f.eventDateStart !== undefined) expect(f.eventDateStart).toBeInstanceOf(Date)
      if (f.eventDateEnd !== undefined) expect(f.eventDateEnd).toBeInstanceOf(Date)
    }
    const decision = await engine.decide({
      fact: facts[0],
      candidates: [{ memoryId: 'm-1', content: 'Alice likes tea.', categories: ['allergies'], createdAt: new Date('2024-01-01T00:00:00Z') }],
    })
    expect(['INSERT', 'IGNORE', 'ADDITION_TO_EXISTING_MEMORY', 'TEMPORAL_CONFLICT', 'MERGE_CONFLICT']).toContain(decision.kind)
  })

  test('no chat and no embed on the rules engine; dispose ends it', async () => {
    const engine = await WorkerEngine.create({ kind: 'rules' })
    expect(engine.status.capabilities.embed).toBe(false)
    expect(engine.embed).toBeUndefined()
    expect(typeof engine.chat === 'function').toBe(engine.status.capabilities.chat)
    await engine.dispose()
    await engine.dispose() // idempotent
    const err = await engine.decide({ fact: { content: 'x', categories: [] }, candidates: [] }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(EngineError)
    expect((err as EngineError).reason).toBe('DISPOSED')
  })
})

describe('WebGPU detection', () => {
  test('main thread and worker agree, nothing throws; without shader-f16 the q4f32 variant is picked', async () => {
    const probe = await probeWebGPU()
    expect(typeof probe.message).toBe('string')
    expect(probe.message.length).toBeGreaterThan(10)
    expect(probe.available).toBe(probe.adapter !== null)
    expect(probe.problem === null).toBe(probe.available && probe.canRunModels)
    expect(probe.recommendedModelId).toBe(probe.shaderF16 ? DEFAULT_MODEL_ID : DEFAULT_MODEL_ID_F32)

    const records = await loadModelRecords()
    const choice = chooseModelVariant(records, DEFAULT_MODEL_ID, probe)
    if (!probe.shaderF16) {
      expect(choice.modelId).toBe(DEFAULT_MODEL_ID_F32)
      expect(choice.substituted).toBe(true)
    }

    // this headless Chromium runs with --enable-unsafe-webgpu: SwiftShader, no shader-f16
    expect(probe.available).toBe(true)
    expect(probe.shaderF16).toBe(false)
    expect(probe.recommendedModelId).toBe(DEFAULT_MODEL_ID_F32)

    const engine = await start({ kind: 'rules' })
    const inWorker = await engine.probeWebGPU()
    expect({ available: inWorker.available, shaderF16: inWorker.shaderF16, recommended: inWorker.recommendedModelId }).toEqual({
      available: probe.available,
      shaderF16: probe.shaderF16,
      recommended: probe.recommendedModelId,
    })
  })
})

describe('WebLLM engine without internet', () => {
  test('init fails fast with DOWNLOAD_FAILED or MODEL_NOT_CACHED_OFFLINE and a message the UI can show', async () => {
    const progress: LoadProgress[] = []
    const t0 = performance.now()
    const err = await WorkerEngine.create({
      kind: 'webllm',
      modelId: DEFAULT_MODEL_ID,
      fetchTimeoutMs: 8_000,
      onProgress: (p) => progress.push(p),
    }).catch((e: unknown) => e)
    const seconds = (performance.now() - t0) / 1000
    expect(err).toBeInstanceOf(EngineError)
    const e = err as EngineError
    expect(['DOWNLOAD_FAILED', 'MODEL_NOT_CACHED_OFFLINE']).toContain(e.reason)
    expect(e.message).toContain(FALLBACK_TEXT)
    // no shader-f16 here: the q4f32 sibling is the model it tried to fetch
    expect(e.message).toContain(DEFAULT_MODEL_ID_F32)
    expect(seconds).toBeLessThan(20)
    expect(progress.some((p) => p.phase === 'checking')).toBe(true)
    console.info(`webllm init failed in ${seconds.toFixed(1)} s: [${e.reason}] ${e.message}`)
  })

  test('a fetch that does not answer in time is a DOWNLOAD_FAILED too', async () => {
    const err = await WorkerEngine.create({ kind: 'webllm', fetchTimeoutMs: 1 }).catch((e: unknown) => e)
    expect(['DOWNLOAD_FAILED', 'MODEL_NOT_CACHED_OFFLINE']).toContain((err as EngineError).reason)
    expect((err as EngineError).message).toContain(FALLBACK_TEXT)
  })

  test('createEngineWithFallback: the rules engine on a software adapter, or when the download fails, and why', async () => {
    const soft = await createEngineWithFallback()
    engines.push(soft.engine)
    expect(soft.engine.id).toBe('rules')
    expect(soft.fallbackReason?.reason).toBe('SOFTWARE_GPU') // SwiftShader here
    expect(soft.fallbackReason?.message).toContain(FALLBACK_TEXT)

    const { engine, fallbackReason } = await createEngineWithFallback({ allowSoftwareGPU: true, fetchTimeoutMs: 8_000 })
    engines.push(engine)
    expect(engine.id).toBe('rules')
    expect(fallbackReason).toBeInstanceOf(EngineError)
    expect(['DOWNLOAD_FAILED', 'MODEL_NOT_CACHED_OFFLINE']).toContain(fallbackReason!.reason)
  })

  test('cancelling the load rejects with CANCELLED', async () => {
    const ctl = new AbortController()
    const p = WorkerEngine.create({ kind: 'webllm', signal: ctl.signal, fetchTimeoutMs: 8_000 })
    ctl.abort()
    const err = await p.catch((e: unknown) => e)
    expect((err as EngineError).reason).toBe('CANCELLED')
  })

  test('an unknown model id is refused', async () => {
    const err = await WorkerEngine.create({ kind: 'webllm', modelId: 'No-Such-Model-q4f16_1-MLC' }).catch((e: unknown) => e)
    expect((err as EngineError).reason).toBe('UNKNOWN_MODEL')
  })

  test('cache helpers run in the worker: cached or not, delete (a partial download too), unknown ids refused', async () => {
    const engine = await start({ kind: 'rules' })
    expect(await engine.isModelCached(DEFAULT_MODEL_ID_F32)).toBe(false)
    await engine.deleteCachedModel(DEFAULT_MODEL_ID_F32) // nothing there: harmless, offline

    // Fake what web-llm stores for a model (same origin's Cache Storage as the worker's).
    const records = await loadModelRecords()
    const base = `${records.find((r) => r.model_id === DEFAULT_MODEL_ID_F32)!.model}/resolve/main/`
    const model = await caches.open('webllm/model')
    await model.put(`${base}tensor-cache.json`, Response.json({ records: [{ dataPath: 'params_shard_0.bin' }, { dataPath: 'params_shard_1.bin' }] }))
    await model.put(`${base}params_shard_0.bin`, new Response('x'))
    expect(await engine.isModelCached(DEFAULT_MODEL_ID_F32)).toBe(false) // one shard missing: a partial download
    await model.put(`${base}params_shard_1.bin`, new Response('y'))
    expect(await engine.isModelCached(DEFAULT_MODEL_ID_F32)).toBe(true)
    await engine.deleteCachedModel(DEFAULT_MODEL_ID_F32)
    expect(await engine.isModelCached(DEFAULT_MODEL_ID_F32)).toBe(false)
    expect((await model.keys()).filter((r) => r.url.startsWith(base))).toEqual([])

    const err = await engine.isModelCached('nope').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(EngineError)
    expect((err as EngineError).reason).toBe('UNKNOWN_MODEL')
  })
})
