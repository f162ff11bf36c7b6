/**
 * The engine worker's protocol: what workers/engine.worker.ts exposes over comlink, and how errors
 * cross the boundary.
 *
 * Comlink turns a thrown Error into a plain Error that keeps only name/message/stack, so an
 * EngineError would lose its `reason`. The worker therefore throws a plain `WireError` object
 * (structured-cloned as is) and the main thread turns it back into the right class.
 * Dates and Float32Arrays survive structured clone; an AbortSignal does not, so chat's signal stays
 * on the main thread and becomes an `abortChat(streamId)` call.
 */
import {
  DocNotFoundError,
  EngineError,
  ImportError,
  InvalidCategoriesError,
  InvalidSessionStateError,
  KeepsakeError,
  MemoryNotFoundError,
  MergeConflictAlreadyResolvedError,
  MergeConflictInvalidAnswerError,
  MergeConflictInvalidQuestionsError,
  MergeConflictMissingAnswersError,
  MergeConflictNotFoundError,
  QuotaExceededError,
  SessionNotFoundError,
  SyncError,
  UserAlreadyExistsError,
  UserNotFoundError,
  ValidationError,
} from '../../core/errors'
import type { ClarifyingQuestion, Decision, ExtractedFact, ResolvedMemory } from '../../core/types'
import type { ChatInput, ClarifyInput, DecideInput, ExtractInput, ResolveInput } from '../types'
import type { ListModelsOptions, ModelInfo } from './models'
import type { LoadProgress } from './progress'
import type { WebGPUProbe } from './webgpu'

export type EngineKind = 'rules' | 'webllm'

export type WorkerInitOptions =
  | { kind: 'rules' }
  | {
      kind: 'webllm'
      /** any id of web-llm's prebuilt list; default: the recommended model for the GPU */
      modelId?: string
      /** also load an embedding model, so that `embed` is available */
      embeddingModelId?: string
      fetchTimeoutMs?: number
      stallTimeoutMs?: number
    }

export interface WorkerInitResult {
  kind: EngineKind
  /** the engine's `id` ('rules' or 'webllm') */
  engineId: string
  /** the model loaded (webllm), possibly the q4f32 sibling of the one asked for */
  modelId: string | null
  requestedModelId: string | null
  embeddingModelId: string | null
  capabilities: { chat: boolean; embed: boolean }
  probe: WebGPUProbe | null
  /** webllm: whether the weights were in the browser's cache already */
  wasCached: boolean | null
}

export type WireChatInput = Omit<ChatInput, 'signal'>

/** Receives a chat stream on the main thread; the worker calls it through a comlink proxy. */
export interface ChatSink {
  push(token: string): void
  end(error: WireError | null): void
}

export interface EngineWorkerApi {
  ping(): string
  init(options: WorkerInitOptions, onProgress?: (progress: LoadProgress) => void): Promise<WorkerInitResult>
  /** cancels a running init (download): it then fails with EngineError CANCELLED */
  cancelInit(): void
  extract(input: ExtractInput): Promise<ExtractedFact[]>
  decide(input: DecideInput): Promise<Decision>
  clarify(input: ClarifyInput): Promise<ClarifyingQuestion[]>
  resolve(input: ResolveInput): Promise<ResolvedMemory[]>
  /** streams a reply into `sink` (push per token, then end); resolves when the stream ended */
  chat(streamId: number, input: WireChatInput, sink: ChatSink): Promise<void>
  abortChat(streamId: number): void
  embed(texts: string[]): Promise<Float32Array[]>
  probeWebGPU(): Promise<WebGPUProbe>
  /** web-llm's models Keepsake can use (the worker has web-llm; the page need not load it) */
  listModels(options: ListModelsOptions): Promise<ModelInfo[]>
  isModelCached(modelId: string): Promise<boolean>
  deleteCachedModel(modelId: string): Promise<void>
  /** frees the model (GPU memory); the worker can be init()ed again */
  unload(): Promise<void>
}

// ---- errors over the wire ----

export interface WireError {
  __keepsakeWireError: true
  name: string
  message: string
  stack?: string
  /** own enumerable properties of the error (code, reason, field, invalidCategories, ...) */
  props: Record<string, unknown>
}

export function isWireError(v: unknown): v is WireError {
  return typeof v === 'object' && v !== null && (v as { __keepsakeWireError?: unknown }).__keepsakeWireError === true
}

function cloneable(v: unknown): boolean {
  try {
    structuredClone(v)
    return true
  } catch {
    return false
  }
}

export function toWireError(e: unknown): WireError {
  if (isWireError(e)) return e
  if (e instanceof Error) {
    const props: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(e)) {
      if (k !== 'message' && k !== 'name' && k !== 'stack' && cloneable(v)) props[k] = v
    }
    return { __keepsakeWireError: true, name: e.name, message: e.message, stack: e.stack, props }
  }
  return { __keepsakeWireError: true, name: 'Error', message: typeof e === 'string' ? e : String(e), props: {} }
}

// Classes rebuilt on the main thread (the others become a plain Error with the same name).
const ERROR_CLASSES: Record<string, { prototype: Error }> = {
  KeepsakeError,
  ValidationError,
  UserNotFoundError,
  UserAlreadyExistsError,
  InvalidCategoriesError,
  SessionNotFoundError,
  InvalidSessionStateError,
  MemoryNotFoundError,
  DocNotFoundError,
  MergeConflictNotFoundError,
  MergeConflictAlreadyResolvedError,
  MergeConflictInvalidQuestionsError,
  MergeConflictMissingAnswersError,
  MergeConflictInvalidAnswerError,
  SyncError,
  EngineError,
  QuotaExceededError,
  ImportError,
}

export function fromWireError(w: WireError): Error {
  if (w.name === 'EngineError') {
    const reason = typeof w.props.reason === 'string' ? w.props.reason : undefined
    const err = new EngineError(w.message, reason)
    if (w.stack) err.stack = w.stack
    return err
  }
  const cls = ERROR_CLASSES[w.name]
  const err: Error = cls ? (Object.create(cls.prototype) as Error) : new Error(w.message)
  Object.defineProperty(err, 'message', { value: w.message, writable: true, configurable: true, enumerable: false })
  Object.assign(err, w.props)
  if (!cls && w.name) err.name = w.name
  if (cls) Object.defineProperty(err, 'name', { value: w.name, writable: true, configurable: true, enumerable: true })
  if (w.stack) Object.defineProperty(err, 'stack', { value: w.stack, writable: true, configurable: true, enumerable: false })
  return err
}
