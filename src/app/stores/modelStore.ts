import { create } from 'zustand'
import {
  EngineError,
  probeWebGPU,
  RulesEngine,
  WorkerEngine,
  type LoadProgress,
  type MemoryEngine,
  type ModelInfo,
  type WebGPUProbe,
} from '../../index'
import { errorMessage } from '../lib/errors'
import { modelStorageBytes } from '../lib/modelCache'
import { client } from './clientStore'
import { notify } from './noticeStore'
import { useSettingsStore } from './settingsStore'

export type { ModelInfo, WebGPUProbe }

export interface ModelLoad {
  modelId: string
  /** the model's files are not (all) on this device: this load downloads them */
  downloading: boolean
  progress: LoadProgress | null
}

export interface ModelFailure {
  modelId: string
  /** the EngineError's message, written to be shown as is */
  message: string
  reason: string
}

export interface StoredModel {
  bytes: number
  /** every file is there (a cancelled download leaves some) */
  complete: boolean
}

interface ModelState {
  probe: WebGPUProbe | null
  checking: boolean
  /** the chat models this GPU can run (f32 variants when it has no shader-f16), smallest first */
  models: ModelInfo[]
  listStatus: 'idle' | 'loading' | 'ready' | 'error'
  listError: string | null
  /** models with files in this browser's storage */
  stored: Record<string, StoredModel>
  /** the model the client's engine runs; null: the built-in rules engine */
  activeModelId: string | null
  load: ModelLoad | null
  /** why the last load failed (cleared by the next one) */
  failure: ModelFailure | null
  dialogOpen: boolean
  setDialogOpen(open: boolean): void
  /** WebGPU check, the model list and what is stored: what the model manager shows. */
  inspect(): Promise<void>
  refreshStored(): Promise<void>
  /** Downloads the model if needed, loads it in the engine worker, and makes it the engine. */
  use(modelId: string): Promise<void>
  cancel(): void
  /** Back to the built-in rules engine (the model stays downloaded). */
  useRules(): Promise<void>
  remove(modelId: string): Promise<void>
  /** At start: checks WebGPU, and loads the model chosen earlier when it is on this device. */
  boot(): Promise<void>
}

/** The engine the client opened with (the rules engine), to go back to. */
let rulesEngine: MemoryEngine | null = null
let modelEngine: WorkerEngine | null = null
let controller: AbortController | null = null

/**
 * The worker that answers the model manager (the list, what is cached, deletes): the loaded model's
 * worker when there is one, else a small one of its own. web-llm lives only in the engine worker,
 * so the page never loads (or precaches) a second copy of it (about 6 MB).
 */
let catalog: Promise<WorkerEngine> | null = null
function library(): Promise<WorkerEngine> {
  if (modelEngine?.status.state === 'ready') return Promise.resolve(modelEngine)
  catalog ??= WorkerEngine.create({ kind: 'rules' }).catch((e: unknown) => {
    catalog = null
    throw e
  })
  return catalog
}

function rememberRules(): void {
  const engine = client().engine
  if (!rulesEngine && !(engine instanceof WorkerEngine)) rulesEngine = engine
}

/** A model's short name for the pill and messages: "Qwen2.5-1.5B-Instruct". */
export function modelName(modelId: string, models: readonly ModelInfo[] = useModelStore.getState().models): string {
  return models.find((m) => m.modelId === modelId)?.family ?? modelId.replace(/-q\d+f\d+(_\d+)?-MLC.*$/, '').replace(/-MLC$/, '')
}

let probing: Promise<WebGPUProbe> | null = null
let booted = false

export const useModelStore = create<ModelState>()((set, get) => {
  const ensureProbe = (): Promise<WebGPUProbe> => {
    probing ??= (async () => {
      set({ checking: true })
      const probe = await probeWebGPU()
      set({ probe, checking: false })
      return probe
    })()
    return probing
  }

  const switchTo = async (engine: MemoryEngine, modelId: string | null) => {
    rememberRules()
    const previous = modelEngine
    client().setEngine(engine)
    modelEngine = engine instanceof WorkerEngine ? engine : null
    set({ activeModelId: modelId })
    if (previous && previous !== engine) void previous.dispose()
    // The choice is kept for the next start (and the space's other devices).
    if ((await client().getSettings()).modelId !== modelId) await useSettingsStore.getState().update({ modelId })
  }

  return {
    probe: null,
    checking: false,
    models: [],
    listStatus: 'idle',
    listError: null,
    stored: {},
    activeModelId: null,
    load: null,
    failure: null,
    dialogOpen: false,

    setDialogOpen(open) {
      set({ dialogOpen: open })
    },

    async inspect() {
      const probe = await ensureProbe()
      if (get().listStatus === 'ready' || get().listStatus === 'loading') return get().refreshStored()
      set({ listStatus: 'loading', listError: null })
      try {
        const models = await (await library()).listModels({ usableOnly: true, shaderF16: probe.shaderF16 })
        set({ models, listStatus: 'ready' })
      } catch (e) {
        set({ listStatus: 'error', listError: errorMessage(e) })
        return
      }
      await get().refreshStored()
    },

    async refreshStored() {
      const { models, activeModelId } = get()
      try {
        const bytes = await modelStorageBytes(models.map((m) => ({ modelId: m.modelId, url: m.url })))
        const stored: Record<string, StoredModel> = {}
        for (const [modelId, n] of Object.entries(bytes)) {
          const complete = modelId === activeModelId || (await library().then((l) => l.isModelCached(modelId)).catch(() => false))
          stored[modelId] = { bytes: n, complete }
        }
        set({ stored })
      } catch {
        /* the Cache API may be unavailable (private mode): nothing is listed as stored */
      }
    },

    async use(modelId) {
      if (get().load) return
      const ctl = new AbortController()
      controller = ctl
      set({ load: { modelId, downloading: !get().stored[modelId]?.complete, progress: null }, failure: null })
      try {
        const engine = await WorkerEngine.create({
          kind: 'webllm',
          modelId,
          signal: ctl.signal,
          onProgress: (progress) => {
            const load = get().load
            if (load?.modelId !== modelId) return
            set({ load: { ...load, progress, downloading: load.downloading || progress.phase === 'downloading' } })
          },
        })
        set({ load: null })
        await switchTo(engine, engine.status.modelId ?? modelId)
        notify(`${modelName(modelId)} is ready: the assistant replies in your chats.`, 'success')
      } catch (e) {
        const cancelled = e instanceof EngineError && e.reason === 'CANCELLED'
        set({
          load: null,
          failure: cancelled ? null : { modelId, message: errorMessage(e), reason: e instanceof EngineError ? e.reason : 'LOAD_FAILED' },
        })
        if (cancelled) notify('Download cancelled. What was fetched so far stays until you delete it.', 'info')
      } finally {
        if (controller === ctl) controller = null
        void get().refreshStored()
      }
    },

    cancel() {
      controller?.abort()
    },

    async useRules() {
      rememberRules()
      rulesEngine ??= new RulesEngine()
      await switchTo(rulesEngine, null)
      set({ failure: null })
    },

    async remove(modelId) {
      if (get().activeModelId === modelId) await get().useRules()
      await (await library()).deleteCachedModel(modelId)
      if (get().failure?.modelId === modelId) set({ failure: null })
      await get().refreshStored()
    },

    async boot() {
      if (booted) return
      booted = true
      const probe = await ensureProbe()
      const modelId = (await client().getSettings()).modelId
      if (!modelId || !probe.available || !probe.canRunModels) return
      // Never a download without asking: a model chosen earlier but not (or no longer) here waits.
      if (!(await library().then((l) => l.isModelCached(modelId)).catch(() => false))) return
      await get().use(modelId)
    },
  }
})
