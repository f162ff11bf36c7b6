/**
 * WorkerEngine: the MemoryEngine callers see on the main thread. Every call goes over comlink to
 * workers/engine.worker.ts, which hosts the rules engine or the WebLLM engine, so that model
 * downloads, grammar compilation and generation never block the UI.
 *
 *   const engine = await WorkerEngine.create({ kind: 'webllm', modelId, onProgress, signal })
 *   engine.status            // { state: 'ready', modelId: 'Qwen2.5-1.5B-Instruct-q4f32_1-MLC', ... }
 *   for await (const t of engine.chat!({ messages, context, signal })) ...
 *   await engine.dispose()   // frees the GPU and terminates the worker
 *
 * Cancelling a download: abort the `signal` given to create(); the load is aborted in the worker
 * and the worker terminated; create() rejects with EngineError reason CANCELLED.
 */
import * as Comlink from 'comlink'
import { EngineError } from '../core/errors'
import type { ClarifyingQuestion, Decision, ExtractedFact, ResolvedMemory } from '../core/types'
import type { ChatInput, ClarifyInput, DecideInput, ExtractInput, MemoryEngine, ResolveInput } from './types'
import type { LoadProgress } from './webllm/progress'
import type { ListModelsOptions, ModelInfo } from './webllm/models'
import {
  fromWireError,
  isWireError,
  toWireError,
  type ChatSink,
  type EngineKind,
  type EngineWorkerApi,
  type WireError,
  type WorkerInitOptions,
  type WorkerInitResult,
} from './webllm/protocol'
import { RULES_FALLBACK } from './webllm/messages'
import { probeWebGPU, type WebGPUProbe } from './webllm/webgpu'

export interface WorkerEngineOptions {
  kind: EngineKind
  /** webllm: any id of web-llm's prebuilt list (default: the recommended model for this GPU) */
  modelId?: string
  /** webllm: also load this embedding model, so that `embed` is available */
  embeddingModelId?: string
  /** webllm: download / load progress */
  onProgress?: (progress: LoadProgress) => void
  /** abort to cancel the download / load; create() then rejects with EngineError CANCELLED */
  signal?: AbortSignal
  /** webllm: how long the model server may take to answer the first request (default 15 s) */
  fetchTimeoutMs?: number
  /** webllm: how long a download may go without a progress report (default 10 min) */
  stallTimeoutMs?: number
  /** how long the worker script may take to start (default 30 s) */
  startTimeoutMs?: number
  /** a worker to use instead of the bundled engine worker (tests, custom hosting) */
  worker?: Worker
}

export type WorkerEngineState = 'ready' | 'failed' | 'disposed'

/** What the worker reported when it started, and how the engine is doing since. */
export interface WorkerEngineStatus extends WorkerInitResult {
  state: WorkerEngineState
  /** why the engine stopped working (state 'failed') */
  error: EngineError | null
}

function createWorker(): Worker {
  return new Worker(new URL('../../workers/engine.worker.ts', import.meta.url), {
    type: 'module',
    name: 'keepsake-engine',
  })
}

function rehydrate(e: unknown): unknown {
  return isWireError(e) ? fromWireError(e) : e
}

/** A promise that rejects when the worker dies (script failed to load, uncaught error at top level). */
function watchWorker(worker: Worker): { promise: Promise<never>; failure: () => EngineError | null; stop: () => void } {
  let failure: EngineError | null = null
  let reject: (e: EngineError) => void = () => undefined
  const promise = new Promise<never>((_, r) => {
    reject = r
  })
  promise.catch(() => undefined)
  const onError = (ev: Event) => {
    const detail = ev instanceof ErrorEvent && ev.message ? `: ${ev.message}` : ''
    failure = new EngineError(
      `The background worker that runs the AI engine stopped unexpectedly${detail}. Reload the page to start it again.`,
      'WORKER_FAILED',
    )
    ev.preventDefault?.()
    reject(failure)
  }
  worker.addEventListener('error', onError)
  worker.addEventListener('messageerror', onError)
  return {
    promise,
    failure: () => failure,
    stop: () => {
      worker.removeEventListener('error', onError)
      worker.removeEventListener('messageerror', onError)
    },
  }
}

function timeout(ms: number, make: () => Error): { promise: Promise<never>; clear: () => void } {
  let t: ReturnType<typeof setTimeout> | undefined
  const promise = new Promise<never>((_, reject) => {
    t = setTimeout(() => reject(make()), ms)
  })
  promise.catch(() => undefined)
  return { promise, clear: () => clearTimeout(t) }
}

function abortedPromise(signal: AbortSignal | undefined, make: () => Error): { promise: Promise<never>; clear: () => void } {
  let onAbort = () => undefined as void
  const promise = new Promise<never>((_, reject) => {
    onAbort = () => reject(make())
    if (signal?.aborted) onAbort()
    else signal?.addEventListener('abort', onAbort, { once: true })
  })
  promise.catch(() => undefined)
  return { promise, clear: () => signal?.removeEventListener('abort', onAbort) }
}

export class WorkerEngine implements MemoryEngine {
  readonly id: string
  /** Streamed reply, over the worker; present when the hosted engine can chat (webllm). */
  readonly chat?: (input: ChatInput) => AsyncIterable<string>
  /** Embeddings; present when an embedding model is loaded. */
  readonly embed?: (texts: string[]) => Promise<Float32Array[]>

  private state: WorkerEngineState = 'ready'
  private failure: EngineError | null = null
  private nextStreamId = 1
  /** open chat streams: call with null to stop one, with an error to fail it */
  private readonly openStreams = new Set<(error: unknown) => void>()

  private constructor(
    private readonly worker: Worker,
    private readonly api: Comlink.Remote<EngineWorkerApi>,
    private readonly info: WorkerInitResult,
    private readonly watch: ReturnType<typeof watchWorker>,
    private readonly ownsWorker: boolean,
  ) {
    this.id = info.engineId
    if (info.capabilities.chat) this.chat = (input) => this.streamChat(input)
    if (info.capabilities.embed) this.embed = (texts) => this.call((api) => api.embed(texts))
    watch.promise.catch((e: unknown) => {
      if (this.state === 'ready') {
        this.state = 'failed'
        this.failure = e instanceof EngineError ? e : new EngineError(String(e), 'WORKER_FAILED')
      }
      for (const end of [...this.openStreams]) end(this.failure ?? e)
    })
  }

  /**
   * Starts the engine worker and the engine in it. Resolves when the engine is ready (for webllm:
   * model downloaded if needed, loaded on the GPU). Rejects with an EngineError whose message can
   * be shown as is (NO_WEBGPU, MODEL_NOT_CACHED_OFFLINE, DOWNLOAD_FAILED, CANCELLED, ...); the
   * worker is then terminated.
   */
  static async create(opts: WorkerEngineOptions): Promise<WorkerEngine> {
    if (opts.kind !== 'rules' && opts.kind !== 'webllm') {
      throw new EngineError(`Unknown engine kind "${String(opts.kind)}".`, 'NOT_SUPPORTED')
    }
    const label = opts.modelId ?? 'the local AI model'
    const cancelled = () => new EngineError(`Loading ${opts.kind === 'webllm' ? `"${label}"` : 'the engine'} was cancelled.`, 'CANCELLED')
    if (opts.signal?.aborted) throw cancelled()
    const ownsWorker = !opts.worker
    const worker = opts.worker ?? createWorker()
    const api = Comlink.wrap<EngineWorkerApi>(worker)
    const watch = watchWorker(worker)
    const aborted = abortedPromise(opts.signal, cancelled)
    const startTimeoutMs = opts.startTimeoutMs ?? 30_000
    const start = timeout(
      startTimeoutMs,
      () => new EngineError(`The AI engine's background worker did not start within ${Math.round(startTimeoutMs / 1000)} s.`, 'WORKER_FAILED'),
    )
    let initPromise: Promise<WorkerInitResult> | null = null
    try {
      await Promise.race([api.ping(), watch.promise, aborted.promise, start.promise])
      start.clear()
      const initOptions: WorkerInitOptions =
        opts.kind === 'rules'
          ? { kind: 'rules' }
          : {
              kind: 'webllm',
              modelId: opts.modelId,
              embeddingModelId: opts.embeddingModelId,
              fetchTimeoutMs: opts.fetchTimeoutMs,
              stallTimeoutMs: opts.stallTimeoutMs,
            }
      const onProgress = opts.onProgress
      initPromise = api.init(
        initOptions,
        onProgress
          ? Comlink.proxy((p: LoadProgress) => {
              try {
                onProgress(p)
              } catch {
                /* a listener's error must not break the load */
              }
            })
          : undefined,
      )
      initPromise.catch(() => undefined)
      const info = await Promise.race([initPromise, watch.promise, aborted.promise])
      return new WorkerEngine(worker, api, info, watch, ownsWorker)
    } catch (e) {
      const err = rehydrate(e)
      if (opts.signal?.aborted && initPromise) {
        // let the worker abort web-llm's reload (frees the GPU), briefly, then terminate anyway
        void api.cancelInit()
        await Promise.race([initPromise.catch(() => undefined), new Promise((r) => setTimeout(r, 1000))])
      }
      watch.stop()
      api[Comlink.releaseProxy]()
      if (ownsWorker) worker.terminate()
      throw err
    } finally {
      start.clear()
      aborted.clear()
    }
  }

  get status(): WorkerEngineStatus {
    return {
      state: this.state,
      kind: this.info.kind,
      engineId: this.info.engineId,
      modelId: this.info.modelId,
      requestedModelId: this.info.requestedModelId,
      embeddingModelId: this.info.embeddingModelId,
      capabilities: { ...this.info.capabilities },
      probe: this.info.probe,
      wasCached: this.info.wasCached,
      error: this.failure,
    }
  }

  extract(input: ExtractInput): Promise<ExtractedFact[]> {
    return this.call((api) => api.extract(input))
  }

  decide(input: DecideInput): Promise<Decision> {
    return this.call<Decision>((api) => api.decide(input) as Promise<Decision>)
  }

  clarify(input: ClarifyInput): Promise<ClarifyingQuestion[]> {
    return this.call((api) => api.clarify(input))
  }

  resolve(input: ResolveInput): Promise<ResolvedMemory[]> {
    return this.call((api) => api.resolve(input))
  }

  /** WebGPU detection, run in the worker (same result as probeWebGPU() on the main thread). */
  probeWebGPU(): Promise<WebGPUProbe> {
    return this.call((api) => api.probeWebGPU())
  }

  /** The models web-llm offers that Keepsake can use, listed in the worker (so the page does not load web-llm). */
  listModels(options: ListModelsOptions = {}): Promise<ModelInfo[]> {
    return this.call((api) => api.listModels(options))
  }

  isModelCached(modelId: string): Promise<boolean> {
    return this.call((api) => api.isModelCached(modelId))
  }

  deleteCachedModel(modelId: string): Promise<void> {
    return this.call((api) => api.deleteCachedModel(modelId))
  }

  /** Frees the model and terminates the worker. Further calls fail with EngineError DISPOSED. */
  async dispose(): Promise<void> {
    if (this.state === 'disposed') return
    const wasReady = this.state === 'ready'
    this.state = 'disposed'
    for (const end of [...this.openStreams]) end(null)
    if (wasReady) {
      const t = timeout(2_000, () => new Error('unload timed out'))
      await Promise.race([this.api.unload(), t.promise, this.watch.promise]).catch(() => undefined)
      t.clear()
    }
    this.watch.stop()
    this.api[Comlink.releaseProxy]()
    if (this.ownsWorker) this.worker.terminate()
  }

  private ensureUsable(): void {
    if (this.state === 'disposed') throw new EngineError('The AI engine was shut down.', 'DISPOSED')
    if (this.state === 'failed') {
      throw this.failure ?? new EngineError('The AI engine stopped working.', 'WORKER_FAILED')
    }
  }

  private async call<T>(fn: (api: Comlink.Remote<EngineWorkerApi>) => Promise<T>): Promise<T> {
    this.ensureUsable()
    try {
      return await Promise.race([fn(this.api), this.watch.promise])
    } catch (e) {
      throw rehydrate(e)
    }
  }

  /**
   * The chat stream over comlink: the worker pushes tokens into a proxied sink (one port, so they
   * arrive in order, then `end`); this generator hands them out. Aborting `input.signal`, breaking
   * out of the for-await, or dispose() stops generation in the worker (web-llm interruptGenerate)
   * and ends the iteration quietly with the text produced so far.
   */
  private async *streamChat(input: ChatInput): AsyncGenerator<string, void, undefined> {
    this.ensureUsable()
    const { signal, ...wire } = input
    if (signal?.aborted) return
    const streamId = this.nextStreamId++
    const queue: string[] = []
    let done = false
    let error: unknown = null
    let wake: (() => void) | null = null
    const notify = () => {
      const w = wake
      wake = null
      w?.()
    }
    const finish = (err: unknown) => {
      if (done) return
      done = true
      error = err
      notify()
    }
    const sink: ChatSink = {
      push: (token: string) => {
        if (done) return
        queue.push(token)
        notify()
      },
      end: (err: WireError | null) => finish(err ? fromWireError(err) : null),
    }
    const stop = () => {
      if (!done && this.state === 'ready') void this.api.abortChat(streamId).catch(() => undefined)
      finish(null)
    }
    const end = (err: unknown) => (err ? finish(err) : stop())
    this.openStreams.add(end)
    signal?.addEventListener('abort', stop, { once: true })
    void this.api.chat(streamId, wire, Comlink.proxy(sink)).catch((e: unknown) => finish(rehydrate(toWireError(e))))
    try {
      while (true) {
        if (queue.length > 0) {
          yield queue.shift() as string
          continue
        }
        if (done) break
        await new Promise<void>((r) => {
          wake = r
        })
      }
      if (error && !signal?.aborted && this.state !== 'disposed') throw error
    } finally {
      signal?.removeEventListener('abort', stop)
      this.openStreams.delete(end)
      if (!done) stop()
    }
  }
}

export interface EngineWithFallbackOptions extends Omit<WorkerEngineOptions, 'kind' | 'worker'> {
  /**
   * Also load the model on a software WebGPU adapter (SwiftShader, llvmpipe). Off by default: it
   * works, but a reply takes minutes, and the model is a large download.
   */
  allowSoftwareGPU?: boolean
}

/**
 * Starts the best engine this device can run: the WebLLM engine when WebGPU allows, else (or when
 * the model cannot be loaded: offline and not cached, download failed, cancelled...) the rules
 * engine. `fallbackReason` is the EngineError whose message tells the person why ("This browser
 * has no WebGPU, so the local AI model can't run. Keepsake uses its built-in rules engine: ...").
 */
export async function createEngineWithFallback(
  opts: EngineWithFallbackOptions = {},
): Promise<{ engine: WorkerEngine; fallbackReason: EngineError | null }> {
  const { allowSoftwareGPU, ...createOpts } = opts
  const rules = async (reason: EngineError) => ({
    engine: await WorkerEngine.create({ kind: 'rules', startTimeoutMs: opts.startTimeoutMs }),
    fallbackReason: reason,
  })
  // Decide on the main thread first, so that a device that cannot run a model never loads web-llm.
  const probe = await probeWebGPU()
  if (!probe.available || !probe.canRunModels) return rules(new EngineError(probe.message, probe.problem ?? 'NO_WEBGPU'))
  if (probe.software && !allowSoftwareGPU) {
    const name = probe.adapter?.description || probe.adapter?.architecture || probe.adapter?.vendor || 'software'
    return rules(
      new EngineError(
        `WebGPU runs here on a software renderer (${name}), not a real GPU, so the local AI model would be far too slow. ${RULES_FALLBACK}`,
        'SOFTWARE_GPU',
      ),
    )
  }
  try {
    return { engine: await WorkerEngine.create({ ...createOpts, kind: 'webllm' }), fallbackReason: null }
  } catch (e) {
    // a fresh worker for the rules engine: the failed one was terminated
    return rules(e instanceof EngineError ? e : new EngineError(e instanceof Error ? e.message : String(e), 'LOAD_FAILED'))
  }
}
