/**
 * The model list (web-llm's prebuilt list) and the choice of a model for a device.
 *
 * The functions here are pure and take the list as an argument; `loadModelList()` fetches web-llm's
 * `prebuiltAppConfig.model_list` with a dynamic import, so that importing this module on the main
 * thread does not pull the 7 MB web-llm runtime into the app's first bundle.
 */
import { EngineError } from '../../core/errors'

/**
 * Default model: Qwen2.5-1.5B-Instruct, 4-bit weights.
 *  - Size: ~1.6 GB of GPU memory with f16 shaders (q4f16_1, vram_required_MB 1629.75) and ~1.9 GB
 *    without (q4f32_1, 1888.97); about a 1 GB download. Both are marked low_resource_required by
 *    web-llm, so it fits integrated laptop GPUs (and recent phones) with room to spare.
 *  - JSON reliability: Qwen2.5 was trained heavily on structured output and follows a JSON format
 *    and an instruction list well at 1.5B, better than Llama-3.2-1B; with XGrammar constraining
 *    decoding the remaining failures are semantic, which the parsers catch and retry once.
 *  - 4k context window (enough for the extract prompt of a chunk of conversation), no "thinking"
 *    tokens to strip (unlike Qwen3), Apache-2.0 licence.
 * Llama-3.2-3B or Qwen2.5-3B (~2.3-2.9 GB) give better memories on a GPU that can afford them; any
 * model of the list can be chosen.
 */
export const DEFAULT_MODEL_ID = 'Qwen2.5-1.5B-Instruct-q4f16_1-MLC'
/** The same model for GPUs without shader-f16 (f32 activations, a little more memory). */
export const DEFAULT_MODEL_ID_F32 = 'Qwen2.5-1.5B-Instruct-q4f32_1-MLC'

/**
 * Optional embedding model (not loaded by default: retrieval is lexical, see DESIGN.md, and this
 * would add a second download). 239 MB of GPU memory.
 */
export const SMALL_EMBEDDING_MODEL_ID = 'snowflake-arctic-embed-s-q0f32-MLC-b4'

/** The fields of web-llm's ModelRecord this module reads (structurally compatible with it). */
export interface ModelRecordLike {
  model: string
  model_id: string
  model_lib: string
  vram_required_MB?: number
  low_resource_required?: boolean
  required_features?: string[]
  model_type?: number
  overrides?: { context_window_size?: number }
}

export type ModelKind = 'llm' | 'embedding' | 'vlm'

export interface ModelInfo {
  modelId: string
  /** e.g. "Qwen2.5-1.5B-Instruct" */
  family: string
  /** e.g. "q4f16_1" */
  quantization: string
  kind: ModelKind
  /** GPU memory needed, as web-llm lists it (MB); null when unknown */
  vramRequiredMB: number | null
  /** web-llm's flag for models that run on limited devices (phones, integrated GPUs) */
  lowResourceRequired: boolean
  /** needs the WebGPU `shader-f16` feature */
  requiresShaderF16: boolean
  contextWindowSize: number | null
  /** Hugging Face repository the weights come from */
  url: string
  isDefault: boolean
  /**
   * Can serve as Keepsake's engine: a chat model (not embedding / vision) with a context window
   * of at least MIN_CONTEXT_WINDOW tokens (the memory prompts need ~1k tokens of instructions
   * plus the conversation; the "-1k" builds are too small).
   */
  usable: boolean
}

export const MIN_CONTEXT_WINDOW = 2048

/** web-llm's ModelType enum: 0 LLM, 1 embedding, 2 VLM. */
function kindOf(r: ModelRecordLike): ModelKind {
  return r.model_type === 1 ? 'embedding' : r.model_type === 2 ? 'vlm' : 'llm'
}

const QUANT = /-(q\d+f\d+(?:_\d+)?)(?=-|$)/

export function quantizationOf(modelId: string): string {
  return QUANT.exec(modelId)?.[1] ?? ''
}

/**
 * Whether a model needs shader-f16. web-llm's `required_features` lists it for some models only,
 * but every f16 quantisation (q4f16_1, q0f16, q3f16_1) compiles to WGSL that enables f16, so the
 * quantisation name decides too.
 */
export function requiresShaderF16(r: ModelRecordLike): boolean {
  if (r.required_features?.includes('shader-f16')) return true
  return /f16/.test(quantizationOf(r.model_id))
}

export function toModelInfo(r: ModelRecordLike): ModelInfo {
  const quantization = quantizationOf(r.model_id)
  const family = quantization ? r.model_id.slice(0, r.model_id.indexOf(`-${quantization}`)) : r.model_id
  return {
    modelId: r.model_id,
    family,
    quantization,
    kind: kindOf(r),
    vramRequiredMB: typeof r.vram_required_MB === 'number' ? Math.round(r.vram_required_MB) : null,
    lowResourceRequired: r.low_resource_required === true,
    requiresShaderF16: requiresShaderF16(r),
    contextWindowSize: r.overrides?.context_window_size ?? null,
    url: r.model,
    isDefault: r.model_id === DEFAULT_MODEL_ID || r.model_id === DEFAULT_MODEL_ID_F32,
    usable: kindOf(r) === 'llm' && (r.overrides?.context_window_size ?? Infinity) >= MIN_CONTEXT_WINDOW,
  }
}

export interface ListModelsOptions {
  kind?: ModelKind
  /** keep only models this device can run (drops f16 models when it has no shader-f16) */
  shaderF16?: boolean
  /** keep only models web-llm marks as fitting limited devices */
  lowResourceOnly?: boolean
  /** keep only models needing at most this much GPU memory */
  maxVramMB?: number
  /** keep only models that can serve as Keepsake's engine (see ModelInfo.usable) */
  usableOnly?: boolean
}

/** The models of a list, filtered, smallest GPU memory first. */
export function describeModels(records: readonly ModelRecordLike[], opts: ListModelsOptions = {}): ModelInfo[] {
  return records
    .map(toModelInfo)
    .filter((m) => (opts.kind ? m.kind === opts.kind : true))
    .filter((m) => (opts.shaderF16 === false ? !m.requiresShaderF16 : true))
    .filter((m) => (opts.lowResourceOnly ? m.lowResourceRequired : true))
    .filter((m) => (opts.usableOnly ? m.usable : true))
    .filter((m) => (opts.maxVramMB !== undefined ? (m.vramRequiredMB ?? Infinity) <= opts.maxVramMB : true))
    .sort((a, b) => (a.vramRequiredMB ?? Infinity) - (b.vramRequiredMB ?? Infinity) || a.modelId.localeCompare(b.modelId))
}

export function findModel(records: readonly ModelRecordLike[], modelId: string): ModelRecordLike | undefined {
  return records.find((r) => r.model_id === modelId)
}

/** The id of the f32 sibling of an f16 model id (q4f16_1 -> q4f32_1, q0f16 -> q0f32), or null. */
export function f32VariantId(modelId: string): string | null {
  const q = quantizationOf(modelId)
  if (!q || !q.includes('f16')) return null
  return modelId.replace(`-${q}`, `-${q.replace('f16', 'f32')}`)
}

/** The id of the f16 sibling of an f32 model id, or null. */
export function f16VariantId(modelId: string): string | null {
  const q = quantizationOf(modelId)
  if (!q || !q.includes('f32')) return null
  return modelId.replace(`-${q}`, `-${q.replace('f32', 'f16')}`)
}

export interface ModelChoice {
  /** the model that will actually be loaded */
  modelId: string
  /** the model that was asked for */
  requestedModelId: string
  /** true when the q4f32 sibling replaced an f16 model because the GPU has no shader-f16 */
  substituted: boolean
}

/**
 * Picks the variant of `modelId` this device can run. On a GPU without shader-f16 an f16 model is
 * replaced by its f32 sibling; on a GPU with it, an f32 model is kept (it runs, only slower)
 * unless `preferF16` is set. Throws EngineError UNKNOWN_MODEL / NO_SHADER_F16.
 */
export function chooseModelVariant(
  records: readonly ModelRecordLike[],
  modelId: string,
  device: { shaderF16: boolean },
  opts: { preferF16?: boolean } = {},
): ModelChoice {
  const record = findModel(records, modelId)
  if (!record) {
    throw new EngineError(
      `"${modelId}" is not a model Keepsake knows. Pick one from the list of models.`,
      'UNKNOWN_MODEL',
    )
  }
  if (requiresShaderF16(record) && !device.shaderF16) {
    const alt = f32VariantId(modelId)
    const altRecord = alt ? findModel(records, alt) : undefined
    if (altRecord && !requiresShaderF16(altRecord)) {
      return { modelId: altRecord.model_id, requestedModelId: modelId, substituted: true }
    }
    throw new EngineError(
      `The model "${modelId}" needs 16-bit GPU shaders (shader-f16), which this GPU does not offer, and it has no 32-bit variant. Pick a q4f32 model instead.`,
      'NO_SHADER_F16',
    )
  }
  if (opts.preferF16 && device.shaderF16) {
    const alt = f16VariantId(modelId)
    if (alt && findModel(records, alt)) return { modelId: alt, requestedModelId: modelId, substituted: true }
  }
  return { modelId, requestedModelId: modelId, substituted: false }
}

/** The default model for a device (no list needed: both ids are checked against web-llm's list in tests). */
export function defaultModelFor(device: { shaderF16: boolean }): string {
  return device.shaderF16 ? DEFAULT_MODEL_ID : DEFAULT_MODEL_ID_F32
}

/** web-llm's prebuilt model records (dynamic import: a separate chunk, loaded on first use). */
export async function loadModelRecords(): Promise<ModelRecordLike[]> {
  const { prebuiltAppConfig } = await import('@mlc-ai/web-llm')
  return prebuiltAppConfig.model_list as ModelRecordLike[]
}

/** Every model of web-llm's prebuilt list that Keepsake can use, with sizes; see `describeModels`. */
export async function listModels(opts: ListModelsOptions = {}): Promise<ModelInfo[]> {
  return describeModels(await loadModelRecords(), opts)
}
