/**
 * The engine worker's API: hosts one MemoryEngine (the rules engine, or the WebLLM engine running
 * web-llm's MLCEngine on WebGPU). workers/engine.worker.ts exposes it over comlink; tests can
 * expose it on a MessagePort with their own engine factory (see createEngineWorkerApi's options).
 *
 * Errors leave as WireError objects (see protocol.ts) so that an EngineError keeps its `reason`.
 */
import * as Comlink from 'comlink'
import { EngineError } from '../../core/errors'
import type { MemoryEngine } from '../types'
import type { LoadProgress } from './progress'
import {
  toWireError,
  type ChatSink,
  type EngineWorkerApi,
  type WireChatInput,
  type WorkerInitOptions,
  type WorkerInitResult,
} from './protocol'
import { probeWebGPU } from './webgpu'

export interface EngineWorkerApiOptions {
  /** builds the engine for `init({ kind: 'rules' })`; default: the RulesEngine */
  createRulesEngine?: () => MemoryEngine | Promise<MemoryEngine>
}

async function defaultRulesEngine(): Promise<MemoryEngine> {
  const { RulesEngine } = await import('../rules/RulesEngine')
  return new RulesEngine()
}

/** Closes the port behind a comlink-proxied callback (no-op for a plain function). */
function releaseRemote(fn: unknown): void {
  if (typeof fn !== 'function') return
  try {
    const release = (fn as unknown as Record<symbol, unknown>)[Comlink.releaseProxy]
    if (typeof release === 'function') void Promise.resolve((release as () => unknown)()).catch(() => undefined)
  } catch {
    /* not a proxy */
  }
}

interface Hosted {
  engine: MemoryEngine
  unload?: () => Promise<void>
}

export function createEngineWorkerApi(config: EngineWorkerApiOptions = {}): EngineWorkerApi {
  const createRulesEngine = config.createRulesEngine ?? defaultRulesEngine

  let hosted: Hosted | null = null
  let initController: AbortController | null = null
  const chatStreams = new Map<number, AbortController>()

  function requireEngine(): MemoryEngine {
    if (!hosted) {
      throw new EngineError('The AI engine is not ready yet: it was not started, or it was unloaded.', 'NOT_READY')
    }
    return hosted.engine
  }

  /** Runs `fn`; any error leaves the worker as a WireError (a plain, cloneable object). */
  async function guard<T>(fn: () => Promise<T> | T): Promise<T> {
    try {
      return await fn()
    } catch (e) {
      throw toWireError(e)
    }
  }

  async function unloadHosted(): Promise<void> {
    for (const ctl of chatStreams.values()) ctl.abort()
    chatStreams.clear()
    const h = hosted
    hosted = null
    if (h?.unload) await h.unload().catch(() => undefined)
  }

  const api: EngineWorkerApi = {
    ping: () => 'pong',

    init: (options: WorkerInitOptions, onProgress?: (progress: LoadProgress) => void) =>
      guard(async (): Promise<WorkerInitResult> => {
        initController?.abort()
        await unloadHosted()
        if (options.kind === 'rules') {
          const engine: MemoryEngine = await createRulesEngine()
          hosted = { engine }
          return {
            kind: 'rules',
            engineId: engine.id,
            modelId: null,
            requestedModelId: null,
            embeddingModelId: null,
            capabilities: { chat: typeof engine.chat === 'function', embed: typeof engine.embed === 'function' },
            probe: null,
            wasCached: null,
          }
        }
        if (options.kind !== 'webllm') {
          throw new EngineError(`Unknown engine kind "${String((options as { kind?: unknown }).kind)}".`, 'NOT_SUPPORTED')
        }
        const ctl = new AbortController()
        initController = ctl
        try {
          const { loadWebLLM } = await import('./runtime')
          const loaded = await loadWebLLM({
            modelId: options.modelId,
            embeddingModelId: options.embeddingModelId,
            fetchTimeoutMs: options.fetchTimeoutMs,
            stallTimeoutMs: options.stallTimeoutMs,
            signal: ctl.signal,
            // progress goes to the main thread without waiting for each report to be received
            onProgress: onProgress ? (p) => void Promise.resolve(onProgress(p)).catch(() => undefined) : undefined,
          })
          if (ctl.signal.aborted) {
            await loaded.unload().catch(() => undefined)
            throw new EngineError(`Loading the AI model "${loaded.modelId}" was cancelled.`, 'CANCELLED')
          }
          hosted = { engine: loaded.engine, unload: loaded.unload }
          return {
            kind: 'webllm',
            engineId: loaded.engine.id,
            modelId: loaded.modelId,
            requestedModelId: loaded.requestedModelId,
            embeddingModelId: loaded.embeddingModelId,
            capabilities: { chat: typeof loaded.engine.chat === 'function', embed: typeof loaded.engine.embed === 'function' },
            probe: loaded.probe,
            wasCached: loaded.wasCached,
          }
        } finally {
          if (initController === ctl) initController = null
          releaseRemote(onProgress)
        }
      }),

    cancelInit: () => {
      initController?.abort()
    },

    extract: (input) => guard(() => requireEngine().extract(input)),
    decide: (input) => guard(() => requireEngine().decide(input)),
    clarify: (input) => guard(() => requireEngine().clarify(input)),
    resolve: (input) => guard(() => requireEngine().resolve(input)),

    chat: async (streamId: number, input: WireChatInput, sink: ChatSink) => {
      // Tokens and the end go through the sink's own port, in order; the sink's calls are not
      // awaited one by one, so the model is never held up by the main thread.
      const remote = sink as unknown as Comlink.Remote<ChatSink>
      const ctl = new AbortController()
      chatStreams.set(streamId, ctl)
      try {
        const engine = requireEngine()
        if (!engine.chat) {
          throw new EngineError(
            'Chat replies need the local AI model, which is not running: the rules engine only keeps memories.',
            'NOT_SUPPORTED',
          )
        }
        for await (const token of engine.chat({ ...input, signal: ctl.signal })) {
          if (ctl.signal.aborted) break // return() reaches web-llm's generator, which stops and frees the model
          void remote.push(token).catch(() => undefined)
        }
        await remote.end(null).catch(() => undefined)
      } catch (e) {
        await remote.end(toWireError(e)).catch(() => undefined)
      } finally {
        chatStreams.delete(streamId)
        releaseRemote(remote)
      }
    },

    abortChat: (streamId: number) => {
      chatStreams.get(streamId)?.abort()
    },

    embed: (texts) =>
      guard(() => {
        const engine = requireEngine()
        if (!engine.embed) {
          throw new EngineError('No embedding model is loaded, so embeddings are not available.', 'NOT_SUPPORTED')
        }
        return engine.embed(texts)
      }),

    probeWebGPU: () => guard(() => probeWebGPU()),

    listModels: (options) =>
      guard(async () => {
        const { listModels } = await import('./models')
        return listModels(options)
      }),

    isModelCached: (modelId) =>
      guard(async () => {
        const { isModelCached } = await import('./runtime')
        return isModelCached(modelId)
      }),

    deleteCachedModel: (modelId) =>
      guard(async () => {
        const { deleteCachedModel } = await import('./runtime')
        await deleteCachedModel(modelId)
      }),

    unload: () => guard(() => unloadHosted()),
  }

  return api
}
