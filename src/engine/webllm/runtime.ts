/**
 * The real thing: loads a web-llm MLCEngine (download with progress, Cache API cache, WebGPU
 * checks, offline and timeout handling) and wires it into a WebLLMEngine. Runs in the engine
 * worker (workers/engine.worker.ts); it would also run on the main thread, but should not.
 *
 * web-llm is imported dynamically, so a worker that only hosts the rules engine never loads it.
 */
import type * as WebLLM from '@mlc-ai/web-llm'
import { EngineError } from '../../core/errors'
import { cancelledError, downloadFailedError, modelNotCachedOfflineError, toLoadError } from './messages'
import { chooseModelVariant, findModel, type ModelRecordLike } from './models'
import { parseProgressReport, type LoadProgress } from './progress'
import { probeWebGPU, type WebGPUProbe } from './webgpu'
import { WebLLMEngine, type ChatStreamRequest, type CompletionRequest } from './WebLLMEngine'

export interface LoadWebLLMOptions {
  /** any id of web-llm's prebuilt list; default: the recommended model for this GPU */
  modelId?: string
  /** also load this embedding model (e.g. SMALL_EMBEDDING_MODEL_ID) so that `embed` is available */
  embeddingModelId?: string
  onProgress?: (progress: LoadProgress) => void
  /** aborting cancels the download / load (web-llm's reload is aborted, the GPU memory freed) */
  signal?: AbortSignal
  /** how long the first request to the model server may take before we call it unreachable */
  fetchTimeoutMs?: number
  /** how long a download may go without any progress report before it is called failed (default 10 min) */
  stallTimeoutMs?: number
  /** a probe already made (saves a requestAdapter) */
  probe?: WebGPUProbe
}

export interface LoadedWebLLM {
  engine: WebLLMEngine
  /** the model actually loaded (the q4f32 sibling when the GPU has no shader-f16) */
  modelId: string
  requestedModelId: string
  embeddingModelId: string | null
  probe: WebGPUProbe
  /** whether the weights were already in the browser's cache */
  wasCached: boolean
  unload(): Promise<void>
}

export const DEFAULT_FETCH_TIMEOUT_MS = 15_000
/**
 * web-llm reports download progress once per finished weight shard (~30 MB, four fetched at a
 * time), so on a slow link minutes can pass between reports; a dropped connection makes the
 * fetches fail by themselves. The watchdog is for a connection that hangs without failing.
 */
export const DEFAULT_STALL_TIMEOUT_MS = 10 * 60_000

type WebLLMModule = typeof WebLLM

let modulePromise: Promise<WebLLMModule> | null = null
function loadModule(): Promise<WebLLMModule> {
  modulePromise ??= import('@mlc-ai/web-llm')
  return modulePromise
}

function isOnline(): boolean {
  const nav = (globalThis as { navigator?: { onLine?: boolean } }).navigator
  return nav?.onLine !== false
}

/** web-llm's cleanModelUrl: the base URL the model's files are fetched from. */
function modelBaseUrl(record: ModelRecordLike): string {
  let url = record.model.endsWith('/') ? record.model : `${record.model}/`
  if (!/.+\/resolve\/.+\//.test(url)) url += 'resolve/main/'
  return url
}

/**
 * One small request to the model server before the download, with a timeout, so that a device
 * without internet fails in seconds with a clear message instead of waiting on web-llm's fetches.
 */
async function preflight(record: ModelRecordLike, timeoutMs: number, signal: AbortSignal | undefined): Promise<void> {
  const modelId = record.model_id
  const url = new URL('mlc-chat-config.json', modelBaseUrl(record)).href
  const ctl = new AbortController()
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    ctl.abort()
  }, timeoutMs)
  const onAbort = () => ctl.abort()
  signal?.addEventListener('abort', onAbort, { once: true })
  try {
    const res = await fetch(url, { signal: ctl.signal, cache: 'no-store' })
    if (!res.ok) throw downloadFailedError(modelId, `the model server answered HTTP ${res.status}`)
    await res.arrayBuffer()
  } catch (e) {
    if (signal?.aborted) throw cancelledError(modelId)
    if (timedOut) {
      throw isOnline()
        ? downloadFailedError(modelId, `the model server did not answer within ${Math.round(timeoutMs / 1000)} s`)
        : modelNotCachedOfflineError(modelId)
    }
    throw toLoadError(e, { modelId, vramRequiredMB: record.vram_required_MB, online: isOnline() })
  } finally {
    clearTimeout(timer)
    signal?.removeEventListener('abort', onAbort)
  }
}

async function cachedSafe(mod: WebLLMModule, modelId: string): Promise<boolean> {
  try {
    return await mod.hasModelInCache(modelId, mod.prebuiltAppConfig)
  } catch {
    return false
  }
}

export async function loadWebLLM(opts: LoadWebLLMOptions = {}): Promise<LoadedWebLLM> {
  const started = Date.now()
  const emit = (p: LoadProgress) => {
    try {
      opts.onProgress?.(p)
    } catch {
      /* a failing progress listener must not break the load */
    }
  }
  const checking = (modelId: string, text: string) =>
    emit({ modelId, phase: 'checking', progress: 0, percent: 0, text, timeElapsed: (Date.now() - started) / 1000 })

  checking(opts.modelId ?? '', 'Checking the GPU')
  const probe = opts.probe ?? (await probeWebGPU())
  if (!probe.available) throw new EngineError(probe.message, probe.problem ?? 'NO_WEBGPU')
  if (!probe.canRunModels) throw new EngineError(probe.message, probe.problem ?? 'GPU_LIMITS_TOO_SMALL')
  if (opts.signal?.aborted) throw cancelledError(opts.modelId ?? probe.recommendedModelId)

  const mod = await loadModule()
  const records = mod.prebuiltAppConfig.model_list as ModelRecordLike[]
  const choice = chooseModelVariant(records, opts.modelId ?? probe.recommendedModelId, probe)
  const modelId = choice.modelId
  const record = findModel(records, modelId) as ModelRecordLike
  if (record.model_type === 1) {
    throw new EngineError(`"${modelId}" is an embedding model, not a chat model. Pick a chat model.`, 'NOT_SUPPORTED')
  }
  const embeddingModelId = opts.embeddingModelId ?? null
  const embedRecord = embeddingModelId ? findModel(records, embeddingModelId) : undefined
  if (embeddingModelId && (!embedRecord || embedRecord.model_type !== 1)) {
    throw new EngineError(`"${embeddingModelId}" is not an embedding model of the list.`, 'UNKNOWN_MODEL')
  }

  checking(modelId, 'Looking for the model in the browser cache')
  const wasCached = await cachedSafe(mod, modelId)
  const toFetch: ModelRecordLike[] = []
  if (!wasCached) toFetch.push(record)
  if (embedRecord && !(await cachedSafe(mod, embedRecord.model_id))) toFetch.push(embedRecord)
  if (toFetch.length > 0) {
    if (!isOnline()) throw modelNotCachedOfflineError(toFetch[0].model_id)
    checking(modelId, 'Contacting the model server')
    for (const r of toFetch) await preflight(r, opts.fetchTimeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS, opts.signal)
  }

  let lastProgressAt = Date.now()
  const mlc = new mod.MLCEngine({
    appConfig: mod.prebuiltAppConfig,
    logLevel: 'WARN',
    initProgressCallback: (report) => {
      lastProgressAt = Date.now()
      emit(parseProgressReport(report, modelId))
    },
  })

  const ctx = { modelId, vramRequiredMB: record.vram_required_MB, online: isOnline() }
  const state: { stopReason: EngineError | null } = { stopReason: null }
  let rejectStopped: (err: EngineError) => void = () => undefined
  const stoppedPromise = new Promise<never>((_, reject) => {
    rejectStopped = reject
  })
  stoppedPromise.catch(() => undefined)
  const stop = (err: EngineError) => {
    if (state.stopReason) return
    state.stopReason = err
    rejectStopped(err)
    // unload() aborts web-llm's reload (its fetches) and frees what was put on the GPU
    void mlc.unload().catch(() => undefined)
  }
  const onAbort = () => stop(cancelledError(modelId))
  opts.signal?.addEventListener('abort', onAbort, { once: true })
  if (opts.signal?.aborted) onAbort()
  const stallMs = opts.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS
  const watchdog = setInterval(() => {
    if (Date.now() - lastProgressAt > stallMs) {
      stop(
        isOnline()
          ? downloadFailedError(modelId, `no progress for ${Math.round(stallMs / 1000)} s`)
          : modelNotCachedOfflineError(modelId),
      )
    }
  }, Math.min(5_000, Math.max(100, Math.floor(stallMs / 4))))
  try {
    const ids = embedRecord ? [modelId, embedRecord.model_id] : modelId
    await Promise.race([mlc.reload(ids), stoppedPromise])
    // web-llm's reload() resolves quietly when it was aborted by unload()
    if (state.stopReason) throw state.stopReason
  } catch (e) {
    void mlc.unload().catch(() => undefined)
    if (state.stopReason) throw state.stopReason
    throw toLoadError(e, { ...ctx, online: isOnline() })
  } finally {
    clearInterval(watchdog)
    opts.signal?.removeEventListener('abort', onAbort)
  }

  const engine = createEngineFromMLC(mlc, {
    modelId,
    embeddingModelId: embedRecord?.model_id ?? null,
    contextWindowSize: record.overrides?.context_window_size ?? 4096,
  })
  return {
    engine,
    modelId,
    requestedModelId: choice.requestedModelId,
    embeddingModelId: embedRecord?.model_id ?? null,
    probe,
    wasCached,
    unload: () => mlc.unload(),
  }
}

/** The subset of MLCEngine the engine uses (a structural type, so tests could pass a double). */
export type MLCEngineLike = Pick<WebLLM.MLCEngineInterface, 'chat' | 'embeddings' | 'interruptGenerate'>

export function createEngineFromMLC(
  mlc: MLCEngineLike,
  opts: { modelId: string; embeddingModelId: string | null; contextWindowSize: number },
): WebLLMEngine {
  const { modelId } = opts
  // Qwen3 models think aloud unless told not to; the flag must not be sent to other models.
  const extraBody = /^Qwen3/i.test(modelId) ? { extra_body: { enable_thinking: false } } : {}

  const complete = async (req: CompletionRequest): Promise<string> => {
    const base = {
      messages: req.messages,
      model: modelId,
      temperature: req.temperature,
      max_tokens: req.maxTokens,
      stream: false as const,
      ...extraBody,
    }
    let reply: WebLLM.ChatCompletion
    try {
      reply = await mlc.chat.completions.create({
        ...base,
        response_format: { type: 'json_object', schema: JSON.stringify(req.schema) },
      })
    } catch (e) {
      // An XGrammar build that cannot compile the schema: fall back to plain JSON mode; the
      // answer is still validated against the schema by WebLLMEngine.
      if (e instanceof Error && e.name === 'GrammarMatcherInitError') {
        reply = await mlc.chat.completions.create({ ...base, response_format: { type: 'json_object' } })
      } else {
        throw e
      }
    }
    return reply.choices[0]?.message?.content ?? ''
  }

  async function* chatStream(req: ChatStreamRequest): AsyncGenerator<string, void, undefined> {
    const { signal } = req
    if (signal?.aborted) return
    const stream = await mlc.chat.completions.create({
      messages: req.messages,
      model: modelId,
      temperature: req.temperature,
      max_tokens: req.maxTokens,
      stream: true,
      ...extraBody,
    })
    // interruptGenerate() is engine-wide: only call it once our generation runs (first chunk
    // received), so that a stop pressed while the chat waits for the model lock cannot cut a
    // memory extraction short. Until then an abort is remembered and applied at the first chunk.
    let running = false
    const interrupt = () => {
      if (running) void Promise.resolve(mlc.interruptGenerate()).catch(() => undefined)
    }
    signal?.addEventListener('abort', interrupt, { once: true })
    try {
      for await (const chunk of stream) {
        running = true
        if (signal?.aborted) {
          interrupt()
          continue // drain: web-llm stops after the current step and ends the stream
        }
        const delta = chunk.choices[0]?.delta?.content
        if (delta) yield delta
      }
    } finally {
      signal?.removeEventListener('abort', interrupt)
    }
  }

  const embeddingModelId = opts.embeddingModelId
  const embed = embeddingModelId
    ? async (texts: string[]): Promise<Float32Array[]> => {
        const res = await mlc.embeddings.create({ input: texts, model: embeddingModelId })
        return [...res.data].sort((a, b) => a.index - b.index).map((d) => Float32Array.from(d.embedding))
      }
    : undefined

  return new WebLLMEngine({
    modelId,
    complete,
    chatStream,
    embed,
    contextWindowSize: opts.contextWindowSize,
  })
}

/** Whether the model's weights are in the browser's cache (works offline). */
export async function isModelCached(modelId: string): Promise<boolean> {
  const mod = await loadModule()
  if (!mod.prebuiltAppConfig.model_list.some((r) => r.model_id === modelId)) {
    throw new EngineError(`"${modelId}" is not a model Keepsake knows. Pick one from the list of models.`, 'UNKNOWN_MODEL')
  }
  return cachedSafe(mod, modelId)
}

/**
 * Deletes the model's weights, tokenizer, config and wasm from the browser's cache, including the
 * shards of a download that was cancelled half-way. (web-llm's deleteModelAllInfoInCache reads the
 * weights' index through the network when it is not cached, so it cannot clean a partial download
 * offline; with the Cache API backend the entries are deleted here by URL prefix instead.)
 */
export async function deleteCachedModel(modelId: string): Promise<void> {
  const mod = await loadModule()
  const record = mod.prebuiltAppConfig.model_list.find((r) => r.model_id === modelId) as ModelRecordLike | undefined
  if (!record) {
    throw new EngineError(`"${modelId}" is not a model Keepsake knows. Pick one from the list of models.`, 'UNKNOWN_MODEL')
  }
  const backend = mod.prebuiltAppConfig.cacheBackend ?? 'cache'
  const cacheStorage = (globalThis as { caches?: CacheStorage }).caches
  if (backend === 'cache' && cacheStorage) {
    const base = modelBaseUrl(record)
    for (const scope of ['webllm/model', 'webllm/config']) {
      const cache = await cacheStorage.open(scope)
      for (const req of await cache.keys()) {
        if (req.url.startsWith(base)) await cache.delete(req)
      }
    }
    const wasm = await cacheStorage.open('webllm/wasm')
    await wasm.delete(record.model_lib)
    return
  }
  await mod.deleteModelAllInfoInCache(modelId, mod.prebuiltAppConfig)
}
