/**
 * loadWebLLM's flow (src/engine/webllm/runtime.ts) with test doubles for everything outside it:
 * a FAKE web-llm module (MLCEngine whose reload is scripted; the real prebuilt model list),
 * a stubbed navigator (WebGPU adapter, onLine) and a stubbed fetch. No model, no network.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest'
import { EngineError } from '../../src/core/errors'
import { DEFAULT_MODEL_ID, DEFAULT_MODEL_ID_F32 } from '../../src/engine/webllm/models'
import type { LoadProgress } from '../../src/engine/webllm/progress'

interface FakeMLC {
  config: { initProgressCallback?: (r: { progress: number; timeElapsed: number; text: string }) => void; appConfig?: unknown }
  reloadedWith: unknown
  unloads: number
}

const fake = vi.hoisted(() => ({
  cached: new Set<string>(),
  instances: [] as FakeMLC[],
  /** what reload() does; default: report progress and succeed */
  reload: null as null | ((engine: FakeMLC, ids: unknown) => Promise<void>),
}))

vi.mock('@mlc-ai/web-llm', async (importOriginal) => {
  const real = await importOriginal<typeof import('@mlc-ai/web-llm')>()
  class MLCEngine implements FakeMLC {
    reloadedWith: unknown = null
    unloads = 0
    abortReload: (() => void) | null = null
    constructor(public config: FakeMLC['config']) {
      fake.instances.push(this)
    }
    async reload(ids: unknown) {
      this.reloadedWith = ids
      if (fake.reload) return fake.reload(this, ids)
      this.config.initProgressCallback?.({ progress: 0.5, timeElapsed: 1, text: 'Fetching param cache[1/2]: 500MB fetched. 50% completed' })
      this.config.initProgressCallback?.({ progress: 1, timeElapsed: 2, text: 'Finish loading on WebGPU - fake' })
    }
    async unload() {
      this.unloads++
    }
    chat = { completions: { create: async () => ({ choices: [{ message: { content: '{}' } }] }) } }
    embeddings = { create: async () => ({ data: [] }) }
    interruptGenerate() {}
  }
  return {
    prebuiltAppConfig: real.prebuiltAppConfig,
    hasModelInCache: async (id: string) => fake.cached.has(id),
    deleteModelAllInfoInCache: async () => undefined,
    MLCEngine,
  }
})

const { loadWebLLM } = await import('../../src/engine/webllm/runtime')

const goodLimits = { maxBufferSize: 2 ** 31, maxStorageBufferBindingSize: 2 ** 30, maxComputeWorkgroupStorageSize: 32768, maxStorageBuffersPerShaderStage: 10 }
function stubDevice(opts: { f16?: boolean; onLine?: boolean; gpu?: boolean } = {}) {
  const gpu =
    opts.gpu === false
      ? undefined
      : { requestAdapter: async () => ({ features: new Set(opts.f16 ? ['shader-f16'] : []), limits: goodLimits, info: { vendor: 'nvidia', architecture: 'ampere' } }) }
  vi.stubGlobal('navigator', { onLine: opts.onLine ?? true, gpu })
}

async function failure(p: Promise<unknown>): Promise<EngineError> {
  const e = await p.then(
    () => {
      throw new Error('expected a failure')
    },
    (err: unknown) => err,
  )
  expect(e).toBeInstanceOf(EngineError)
  return e as EngineError
}

beforeEach(() => {
  fake.cached.clear()
  fake.instances.length = 0
  fake.reload = null
})
afterEach(() => {
  vi.unstubAllGlobals()
})

describe('loadWebLLM', () => {
  test('no WebGPU: NO_WEBGPU before anything is fetched', async () => {
    stubDevice({ gpu: false })
    const fetchSpy = vi.fn()
    vi.stubGlobal('fetch', fetchSpy)
    const e = await failure(loadWebLLM())
    expect(e.reason).toBe('NO_WEBGPU')
    expect(e.message).toBe(
      "This browser has no WebGPU, so the local AI model can't run. Keepsake uses its built-in rules engine: memories still work, chat replies are off.",
    )
    expect(fetchSpy).not.toHaveBeenCalled()
    expect(fake.instances).toHaveLength(0)
  })

  test('offline and not cached: MODEL_NOT_CACHED_OFFLINE without touching the network', async () => {
    stubDevice({ onLine: false })
    const fetchSpy = vi.fn()
    vi.stubGlobal('fetch', fetchSpy)
    const e = await failure(loadWebLLM({ modelId: DEFAULT_MODEL_ID }))
    expect(e.reason).toBe('MODEL_NOT_CACHED_OFFLINE')
    expect(e.message).toContain(DEFAULT_MODEL_ID_F32) // no shader-f16: the f32 sibling
    expect(e.message).toContain('offline')
    expect(fetchSpy).not.toHaveBeenCalled()
  })

  test('offline but cached: loads from the cache, no preflight', async () => {
    stubDevice({ onLine: false, f16: true })
    fake.cached.add(DEFAULT_MODEL_ID)
    const fetchSpy = vi.fn()
    vi.stubGlobal('fetch', fetchSpy)
    const progress: LoadProgress[] = []
    const loaded = await loadWebLLM({ onProgress: (p) => progress.push(p) })
    expect(loaded).toMatchObject({ modelId: DEFAULT_MODEL_ID, requestedModelId: DEFAULT_MODEL_ID, wasCached: true, embeddingModelId: null })
    expect(loaded.engine.id).toBe('webllm')
    expect(typeof loaded.engine.chat).toBe('function')
    expect(fetchSpy).not.toHaveBeenCalled()
    expect(fake.instances[0].reloadedWith).toBe(DEFAULT_MODEL_ID)
    expect(progress.map((p) => p.phase)).toEqual(['checking', 'checking', 'downloading', 'ready'])
    expect(progress[2]).toMatchObject({ percent: 50, loadedBytes: 500 * 1048576, modelId: DEFAULT_MODEL_ID })
  })

  test('the preflight request times out: DOWNLOAD_FAILED within the timeout', async () => {
    stubDevice()
    vi.stubGlobal('fetch', (_url: string, init: RequestInit) => new Promise((_, reject) => {
      init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')))
    }))
    const t0 = Date.now()
    const e = await failure(loadWebLLM({ fetchTimeoutMs: 200 }))
    expect(Date.now() - t0).toBeLessThan(2000)
    expect(e.reason).toBe('DOWNLOAD_FAILED')
    expect(e.message).toContain('did not answer within')
    expect(fake.instances).toHaveLength(0)
  })

  test('the preflight cannot reach the server, or gets a 404: DOWNLOAD_FAILED', async () => {
    stubDevice()
    const urls: string[] = []
    vi.stubGlobal('fetch', async (url: string) => {
      urls.push(url)
      throw new TypeError('Failed to fetch')
    })
    expect((await failure(loadWebLLM())).reason).toBe('DOWNLOAD_FAILED')
    expect(urls[0]).toBe(`https://huggingface.co/mlc-ai/${DEFAULT_MODEL_ID_F32}/resolve/main/mlc-chat-config.json`)
    vi.stubGlobal('fetch', async () => new Response('no', { status: 404 }))
    const e = await failure(loadWebLLM())
    expect(e.reason).toBe('DOWNLOAD_FAILED')
    expect(e.message).toContain('HTTP 404')
  })

  test('a download that stops making progress: DOWNLOAD_FAILED, and the reload is aborted (unload)', async () => {
    stubDevice()
    vi.stubGlobal('fetch', async () => new Response('{}'))
    fake.reload = (engine) =>
      new Promise<void>(() => {
        engine.config.initProgressCallback?.({ progress: 0.1, timeElapsed: 1, text: 'Fetching param cache[1/9]: 100MB fetched.' })
      })
    const e = await failure(loadWebLLM({ stallTimeoutMs: 300 }))
    expect(e.reason).toBe('DOWNLOAD_FAILED')
    expect(e.message).toContain('no progress')
    expect(fake.instances[0].unloads).toBeGreaterThan(0)
  })

  test('cancelling through the signal: CANCELLED, even though web-llm\'s aborted reload resolves quietly', async () => {
    stubDevice()
    vi.stubGlobal('fetch', async () => new Response('{}'))
    const ctl = new AbortController()
    fake.reload = (engine) =>
      new Promise<void>((resolve) => {
        // web-llm: unload() aborts the reload, which then resolves without error
        const orig = (engine as unknown as { unload: () => Promise<void> }).unload.bind(engine)
        ;(engine as unknown as { unload: () => Promise<void> }).unload = async () => {
          await orig()
          resolve()
        }
        setTimeout(() => ctl.abort(), 20)
      })
    const e = await failure(loadWebLLM({ signal: ctl.signal }))
    expect(e.reason).toBe('CANCELLED')
  })

  test('GPU out of memory while loading: GPU_OUT_OF_MEMORY with the memory the model needs', async () => {
    stubDevice()
    fake.cached.add(DEFAULT_MODEL_ID_F32)
    fake.reload = async () => {
      throw Object.assign(new Error('The WebGPU device was lost while loading the model.'), { name: 'DeviceLostError' })
    }
    const e = await failure(loadWebLLM())
    expect(e.reason).toBe('GPU_OUT_OF_MEMORY')
    expect(e.message).toContain('1889 MB')
  })

  test('an f16-only model on a GPU without shader-f16, an embedding model as chat model, unknown ids', async () => {
    stubDevice()
    expect((await failure(loadWebLLM({ modelId: 'gemma3-1b-it-q4f16_1-MLC' }))).reason).toBe('NO_SHADER_F16')
    expect((await failure(loadWebLLM({ modelId: 'snowflake-arctic-embed-s-q0f32-MLC-b4' }))).reason).toBe('NOT_SUPPORTED')
    expect((await failure(loadWebLLM({ modelId: 'nope' }))).reason).toBe('UNKNOWN_MODEL')
  })

  test('with an embedding model both are loaded and embed is available', async () => {
    stubDevice({ f16: true })
    fake.cached.add(DEFAULT_MODEL_ID)
    fake.cached.add('snowflake-arctic-embed-s-q0f32-MLC-b4')
    const loaded = await loadWebLLM({ embeddingModelId: 'snowflake-arctic-embed-s-q0f32-MLC-b4' })
    expect(fake.instances[0].reloadedWith).toEqual([DEFAULT_MODEL_ID, 'snowflake-arctic-embed-s-q0f32-MLC-b4'])
    expect(typeof loaded.engine.embed).toBe('function')
  })
})
