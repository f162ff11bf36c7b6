/**
 * The engine layer's barrel: the MemoryEngine interface, the rules engine, the worker-hosted
 * engine (rules or WebLLM) and the WebGPU / model helpers the UI needs.
 *
 * Nothing here imports web-llm statically: it is loaded (dynamically) by the engine worker, and on
 * the main thread only when the model list or the cache is asked for.
 */
export type {
  ChatInput,
  ClarifyInput,
  DecideInput,
  ExtractInput,
  MemoryEngine,
  ResolveInput,
} from './types'
export { RulesEngine } from './rules/RulesEngine'
export {
  WorkerEngine,
  createEngineWithFallback,
  type EngineWithFallbackOptions,
  type WorkerEngineOptions,
  type WorkerEngineState,
  type WorkerEngineStatus,
} from './WorkerEngine'
export type { EngineKind, WorkerInitOptions, WorkerInitResult } from './webllm/protocol'
export { probeWebGPU, type WebGPUProbe, type WebGPUProblem } from './webllm/webgpu'
export {
  DEFAULT_MODEL_ID,
  DEFAULT_MODEL_ID_F32,
  SMALL_EMBEDDING_MODEL_ID,
  chooseModelVariant,
  defaultModelFor,
  describeModels,
  listModels,
  type ListModelsOptions,
  type ModelChoice,
  type ModelInfo,
  type ModelKind,
} from './webllm/models'
export type { LoadPhase, LoadProgress } from './webllm/progress'
export { isModelCached, deleteCachedModel } from './webllm/runtime'
export { NO_WEBGPU_MESSAGE, RULES_FALLBACK, type EngineErrorReason } from './webllm/messages'
export { WebLLMEngine } from './webllm/WebLLMEngine'
