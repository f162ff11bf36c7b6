import { create } from 'zustand'
import { MemoryClient } from '../../index'
import { errorMessage } from '../lib/errors'

type BootStatus = 'opening' | 'ready' | 'error'

interface ClientState {
  status: BootStatus
  client: MemoryClient | null
  error: string | null
  open(): Promise<void>
}

/** The one MemoryClient of this tab. Everything the app reads or writes goes through it. */
// One open per tab, even when React runs the boot effect twice (StrictMode in development).
let opening: Promise<void> | null = null

export const useClientStore = create<ClientState>()((set) => ({
  status: 'opening',
  client: null,
  error: null,
  open() {
    opening ??= (async () => {
      set({ status: 'opening', error: null })
      try {
        const client = await MemoryClient.open({ dbName: 'keepsake' })
        set({ status: 'ready', client })
      } catch (e) {
        opening = null
        set({ status: 'error', error: errorMessage(e) })
      }
    })()
    return opening
  },
}))

/** The open client; only called by store actions that run after the app has booted. */
export function client(): MemoryClient {
  const c = useClientStore.getState().client
  if (!c) throw new Error('The local database is not open yet')
  return c
}
