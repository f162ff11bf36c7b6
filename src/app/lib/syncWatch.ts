import type { MemoryClient, User } from '../../index'

/**
 * Notices changes that arrive from other devices (the sync status stays "Synced" when only the other
 * side wrote): the client reports every remote change it stores (`client.onRemoteChange`); bursts
 * are folded into one `onChange` call.
 */
const SETTLE_MS = 200

/** Starts watching; `active()` says whether to react now (sync connected, page visible). Returns the stop. */
export function watchRemoteChanges(opts: { client: MemoryClient; user(): User | null; active(): boolean; onChange(): void }): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined
  const off = opts.client.onRemoteChange(() => {
    if (timer) return
    timer = setTimeout(() => {
      timer = undefined
      if (opts.active()) opts.onChange()
    }, SETTLE_MS)
  })
  return () => {
    off()
    if (timer) clearTimeout(timer)
  }
}
