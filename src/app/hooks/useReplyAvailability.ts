import { useSyncExternalStore } from 'react'
import { useClientStore } from '../stores/clientStore'
import { modelName, useModelStore } from '../stores/modelStore'

export interface ReplyAvailability {
  available: boolean
  /** a model is downloading or loading: replies come when it is ready */
  preparing: boolean
  /** why there are no replies (or what is being prepared), to show as is */
  reason: string | null
}

function subscribeOnline(onChange: () => void): () => void {
  window.addEventListener('online', onChange)
  window.addEventListener('offline', onChange)
  return () => {
    window.removeEventListener('online', onChange)
    window.removeEventListener('offline', onChange)
  }
}

/**
 * Whether the assistant can reply, and why not. The library knows whether the engine can chat; this
 * tab knows more about why it cannot: a model being downloaded, why the last load failed, what the
 * WebGPU check found, whether the device is offline. Re-read when any of these change.
 */
export function useReplyAvailability(): ReplyAvailability {
  const client = useClientStore((s) => s.client)
  const load = useModelStore((s) => s.load)
  const failure = useModelStore((s) => s.failure)
  const probe = useModelStore((s) => s.probe)
  useModelStore((s) => s.activeModelId)
  const online = useSyncExternalStore(subscribeOnline, () => navigator.onLine)
  const answer = client?.chatAvailability() ?? { available: false, reason: 'The local database is not open yet.' }
  if (answer.available) return { available: true, preparing: false, reason: null }
  if (load) {
    const pct = load.progress && load.progress.phase !== 'checking' ? ` (${load.progress.percent}%)` : ''
    const doing = load.downloading ? 'downloading' : 'loading'
    return { available: false, preparing: true, reason: `${modelName(load.modelId)} is ${doing}${pct}. The assistant replies once it is ready.` }
  }
  const why = (reason: string) => ({ available: false, preparing: false, reason })
  if (failure) return why(failure.message)
  if (probe && (!probe.available || !probe.canRunModels)) return why(probe.message)
  if (probe?.software) return why(`No AI model is loaded. ${probe.message}`)
  if (!online) return why('You are offline and no AI model is loaded. A model is downloaded once, while online; after that it works offline too.')
  return why(answer.reason ?? 'No AI model is loaded on this device.')
}
