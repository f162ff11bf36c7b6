/**
 * The human messages of the WebLLM engine's EngineErrors (the UI shows `error.message` as is) and
 * the mapping of web-llm / browser failures onto EngineError reasons.
 */
import { EngineError } from '../../core/errors'

export const RULES_FALLBACK = 'Keepsake uses its built-in rules engine: memories still work, chat replies are off.'

export const NO_WEBGPU_MESSAGE = `This browser has no WebGPU, so the local AI model can't run. ${RULES_FALLBACK}`

/** EngineError reasons used by the engine layer. */
export type EngineErrorReason =
  | 'NO_WEBGPU'
  | 'NO_ADAPTER'
  | 'GPU_LIMITS_TOO_SMALL'
  | 'PROBE_FAILED'
  | 'SOFTWARE_GPU'
  | 'NO_SHADER_F16'
  | 'UNKNOWN_MODEL'
  | 'MODEL_NOT_CACHED_OFFLINE'
  | 'DOWNLOAD_FAILED'
  | 'STORAGE_FULL'
  | 'GPU_OUT_OF_MEMORY'
  | 'LOAD_FAILED'
  | 'CANCELLED'
  | 'INVALID_OUTPUT'
  | 'GENERATION_FAILED'
  | 'CONTEXT_TOO_LONG'
  | 'NOT_SUPPORTED'
  | 'NOT_READY'
  | 'WORKER_FAILED'
  | 'DISPOSED'

export function modelNotCachedOfflineError(modelId: string): EngineError {
  return new EngineError(
    `You're offline and the AI model "${modelId}" hasn't been downloaded to this device yet. ` +
      `Connect to the internet once to download it. Until then, ${RULES_FALLBACK}`,
    'MODEL_NOT_CACHED_OFFLINE',
  )
}

export function downloadFailedError(modelId: string, detail: string): EngineError {
  return new EngineError(
    `The AI model "${modelId}" couldn't be downloaded (${detail}). Check your internet connection and try again. ` +
      `Until then, ${RULES_FALLBACK}`,
    'DOWNLOAD_FAILED',
  )
}

export function cancelledError(modelId: string): EngineError {
  return new EngineError(`Loading the AI model "${modelId}" was cancelled.`, 'CANCELLED')
}

function errorText(e: unknown): string {
  if (e instanceof Error) return e.message
  if (typeof e === 'string') return e
  try {
    return JSON.stringify(e)
  } catch {
    return String(e)
  }
}

function errorName(e: unknown): string {
  if (e && typeof e === 'object' && 'name' in e && typeof (e as { name: unknown }).name === 'string') {
    return (e as { name: string }).name
  }
  return ''
}

/** True for the errors fetch() raises when the network cannot be reached. */
export function isNetworkError(e: unknown): boolean {
  const name = errorName(e)
  const text = errorText(e)
  if (name === 'TypeError' && /fetch|network|load failed/i.test(text)) return true
  if (name === 'NetworkError') return true
  return /failed to fetch|networkerror|network error|err_internet_disconnected|err_name_not_resolved|cannot fetch|load failed|net::/i.test(text)
}

export interface LoadErrorContext {
  modelId: string
  vramRequiredMB?: number | null
  online: boolean
}

/** Maps an error thrown while loading a model (web-llm reload, Cache API, fetch) to an EngineError. */
export function toLoadError(e: unknown, ctx: LoadErrorContext): EngineError {
  if (e instanceof EngineError) return e
  const name = errorName(e)
  const text = errorText(e)
  if (name === 'WebGPUNotAvailableError') {
    return new EngineError(`${NO_WEBGPU_MESSAGE}`, 'NO_WEBGPU')
  }
  if (name === 'ShaderF16SupportError' || /shader-f16/i.test(text)) {
    return new EngineError(
      `The model "${ctx.modelId}" needs 16-bit GPU shaders (shader-f16), which this GPU does not offer. Pick its q4f32 variant.`,
      'NO_SHADER_F16',
    )
  }
  if (name === 'DeviceLostError' || /device (was )?lost|out of memory|\bOOM\b/i.test(text)) {
    const need = ctx.vramRequiredMB ? ` (it needs about ${Math.round(ctx.vramRequiredMB)} MB)` : ''
    return new EngineError(
      `The GPU ran out of memory while loading "${ctx.modelId}"${need}. Close other GPU-heavy tabs or pick a smaller model.`,
      'GPU_OUT_OF_MEMORY',
    )
  }
  if (name === 'QuotaExceededError' || /quota/i.test(text)) {
    return new EngineError(
      `The browser has no room left to store the AI model "${ctx.modelId}". Free some disk space or delete other downloaded models, then try again.`,
      'STORAGE_FULL',
    )
  }
  if (name === 'AbortError' && /timed? ?out|timeout/i.test(text)) {
    return ctx.online ? downloadFailedError(ctx.modelId, 'the download timed out') : modelNotCachedOfflineError(ctx.modelId)
  }
  if (name === 'TimeoutError') {
    return ctx.online ? downloadFailedError(ctx.modelId, 'the download timed out') : modelNotCachedOfflineError(ctx.modelId)
  }
  if (isNetworkError(e)) {
    return ctx.online
      ? downloadFailedError(ctx.modelId, 'the model server could not be reached')
      : modelNotCachedOfflineError(ctx.modelId)
  }
  if (name === 'ModelNotFoundError') {
    return new EngineError(`"${ctx.modelId}" is not a model Keepsake knows. Pick one from the list of models.`, 'UNKNOWN_MODEL')
  }
  if (name === 'IntegrityError') {
    return downloadFailedError(ctx.modelId, 'a downloaded file was corrupted')
  }
  return new EngineError(`The AI model "${ctx.modelId}" couldn't be started: ${text}`, 'LOAD_FAILED')
}

/** Maps an error thrown while generating to an EngineError. */
export function toGenerationError(e: unknown, task: string): EngineError {
  if (e instanceof EngineError) return e
  const name = errorName(e)
  const text = errorText(e)
  if (name === 'ContextWindowSizeExceededError') {
    return new EngineError(`The text was too long for the local AI model while ${task}.`, 'CONTEXT_TOO_LONG')
  }
  if (name === 'DeviceLostError' || /device (was )?lost/i.test(text)) {
    return new EngineError(
      `The GPU stopped responding while ${task} (it may have run out of memory). Reload the model or pick a smaller one.`,
      'GPU_OUT_OF_MEMORY',
    )
  }
  return new EngineError(`The local AI model failed while ${task}: ${text}`, 'GENERATION_FAILED')
}
