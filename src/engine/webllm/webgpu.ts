/**
 * WebGPU detection: is there an adapter, does it have shader-f16, is it big enough for web-llm,
 * and which model variant fits. Works on the main thread and in a worker (navigator.gpu exists in
 * both in Chromium). Never throws: the result says what is missing, with a message the UI shows as is.
 */
import { defaultModelFor } from './models'
import { NO_WEBGPU_MESSAGE, RULES_FALLBACK } from './messages'

/** Minimal WebGPU typings (TypeScript's DOM lib does not ship them everywhere). */
interface GPUAdapterInfoLike {
  vendor?: string
  architecture?: string
  device?: string
  description?: string
  isFallbackAdapter?: boolean
}
interface GPUAdapterLike {
  features: { has(name: string): boolean }
  limits: Record<string, number | undefined>
  info?: GPUAdapterInfoLike
  isFallbackAdapter?: boolean
  requestAdapterInfo?: () => Promise<GPUAdapterInfoLike>
}
interface GPULike {
  requestAdapter(options?: { powerPreference?: 'high-performance' | 'low-power' }): Promise<GPUAdapterLike | null>
}

export type WebGPUProblem = 'NO_WEBGPU' | 'NO_ADAPTER' | 'GPU_LIMITS_TOO_SMALL' | 'PROBE_FAILED'

export interface WebGPUProbe {
  /** navigator.gpu exists and returned an adapter */
  available: boolean
  /** available, and its limits are what web-llm needs to run a model */
  canRunModels: boolean
  /** the adapter offers the `shader-f16` feature (f16 models run; otherwise q4f32 variants) */
  shaderF16: boolean
  /** a software adapter (SwiftShader / fallback): works, but far too slow for a model */
  software: boolean
  adapter: { vendor: string; architecture: string; device: string; description: string } | null
  limits: {
    maxBufferSize: number
    maxStorageBufferBindingSize: number
    maxComputeWorkgroupStorageSize: number
    maxStorageBuffersPerShaderStage: number
  } | null
  /** null when a model can run; otherwise why not (also the EngineError reason used at init) */
  problem: WebGPUProblem | null
  /** human message, ready for the UI */
  message: string
  /** the default model variant for this device (q4f32 when there is no shader-f16) */
  recommendedModelId: string
}

// What web-llm's detectGPUDevice() insists on (its fallbacks included).
const MIN_MAX_BUFFER = 1 << 28 // 256 MB
const MIN_STORAGE_BINDING = 1 << 27 // 128 MB
const MIN_WORKGROUP_STORAGE = 32 << 10
const MIN_STORAGE_BUFFERS_PER_STAGE = 10

const PROBE_TIMEOUT_MS = 5_000

function gpuOf(): GPULike | undefined {
  const nav = (globalThis as { navigator?: { gpu?: GPULike } }).navigator
  return nav?.gpu
}

function adapterName(a: WebGPUProbe['adapter']): string {
  if (!a) return 'this GPU'
  const name = a.description || [a.vendor, a.architecture].filter(Boolean).join(' ') || a.device
  return name ? name : 'this GPU'
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms)
    p.then(
      (v) => {
        clearTimeout(t)
        resolve(v)
      },
      (e: unknown) => {
        clearTimeout(t)
        reject(e)
      },
    )
  })
}

export async function probeWebGPU(): Promise<WebGPUProbe> {
  const base: WebGPUProbe = {
    available: false,
    canRunModels: false,
    shaderF16: false,
    software: false,
    adapter: null,
    limits: null,
    problem: 'NO_WEBGPU',
    message: NO_WEBGPU_MESSAGE,
    recommendedModelId: defaultModelFor({ shaderF16: false }),
  }
  const gpu = gpuOf()
  if (!gpu || typeof gpu.requestAdapter !== 'function') {
    const insecure = (globalThis as { isSecureContext?: boolean }).isSecureContext === false
    return insecure
      ? {
          ...base,
          message:
            'This page is not served over HTTPS, so the browser hides WebGPU and the local AI model can\'t run. ' +
            RULES_FALLBACK,
        }
      : base
  }
  let adapter: GPUAdapterLike | null
  try {
    adapter = await withTimeout(gpu.requestAdapter({ powerPreference: 'high-performance' }), PROBE_TIMEOUT_MS, 'requestAdapter')
  } catch (e) {
    return {
      ...base,
      problem: 'PROBE_FAILED',
      message: `The browser could not check the GPU (${e instanceof Error ? e.message : String(e)}), so the local AI model can't run. ${RULES_FALLBACK}`,
    }
  }
  if (!adapter) {
    return {
      ...base,
      problem: 'NO_ADAPTER',
      message:
        'This browser has WebGPU but found no usable GPU (it may be disabled or blocklisted), so the local AI model can\'t run. ' +
        RULES_FALLBACK,
    }
  }
  let info: GPUAdapterInfoLike = adapter.info ?? {}
  if (!adapter.info && typeof adapter.requestAdapterInfo === 'function') {
    try {
      info = await adapter.requestAdapterInfo()
    } catch {
      info = {}
    }
  }
  const adapterDesc = {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
  }
  const lim = (k: string): number => adapter.limits[k] ?? 0
  const limits = {
    maxBufferSize: lim('maxBufferSize'),
    maxStorageBufferBindingSize: lim('maxStorageBufferBindingSize'),
    maxComputeWorkgroupStorageSize: lim('maxComputeWorkgroupStorageSize'),
    maxStorageBuffersPerShaderStage: lim('maxStorageBuffersPerShaderStage'),
  }
  const shaderF16 = adapter.features.has('shader-f16')
  const software =
    info.isFallbackAdapter === true ||
    adapter.isFallbackAdapter === true ||
    /swiftshader|llvmpipe|lavapipe|software|microsoft basic render/i.test(
      `${adapterDesc.vendor} ${adapterDesc.architecture} ${adapterDesc.device} ${adapterDesc.description}`,
    )
  const tooSmall: string[] = []
  if (limits.maxBufferSize < MIN_MAX_BUFFER) tooSmall.push('maxBufferSize')
  if (limits.maxStorageBufferBindingSize < MIN_STORAGE_BINDING) tooSmall.push('maxStorageBufferBindingSize')
  if (limits.maxComputeWorkgroupStorageSize < MIN_WORKGROUP_STORAGE) tooSmall.push('maxComputeWorkgroupStorageSize')
  if (limits.maxStorageBuffersPerShaderStage < MIN_STORAGE_BUFFERS_PER_STAGE) tooSmall.push('maxStorageBuffersPerShaderStage')
  const recommendedModelId = defaultModelFor({ shaderF16 })
  const result: WebGPUProbe = {
    available: true,
    canRunModels: tooSmall.length === 0,
    shaderF16,
    software,
    adapter: adapterDesc,
    limits,
    problem: tooSmall.length === 0 ? null : 'GPU_LIMITS_TOO_SMALL',
    message: '',
    recommendedModelId,
  }
  const name = adapterName(adapterDesc)
  if (tooSmall.length > 0) {
    result.message = `The GPU (${name}) is too limited for the local AI model (${tooSmall.join(', ')} too small). ${RULES_FALLBACK}`
  } else if (software) {
    result.message =
      `WebGPU runs here on a software renderer (${name}), not a real GPU: the local AI model would be very slow. ` +
      'Keepsake can use its built-in rules engine instead: memories still work, chat replies are off.'
  } else if (shaderF16) {
    result.message = `WebGPU is available on ${name}, with 16-bit shaders: the local AI model can run.`
  } else {
    result.message =
      `WebGPU is available on ${name}, without 16-bit shaders (shader-f16): Keepsake uses the 32-bit variant of the model (q4f32), which needs a little more GPU memory.`
  }
  return result
}
