/**
 * Cross-tab change notices. Every tab opens the same local database; after a write a tab posts
 * what changed on a BroadcastChannel so the other tabs re-read it. A tab coming back into view
 * re-reads everything, which also covers browsers without BroadcastChannel.
 */
export type ChangeKind = 'users' | 'profile' | 'sessions' | 'messages' | 'docs' | 'memories' | 'conflicts' | 'settings'

export interface ChangeNotice {
  kind: ChangeKind | 'all'
  userId?: string
  sessionId?: string
}

const CHANNEL_NAME = 'keepsake-changes'
let channel: BroadcastChannel | null = null

function getChannel(): BroadcastChannel | null {
  if (!channel && typeof BroadcastChannel !== 'undefined') channel = new BroadcastChannel(CHANNEL_NAME)
  return channel
}

/** Tells the other tabs that something changed (a channel never echoes to its own sender). */
export function announce(notice: ChangeNotice): void {
  getChannel()?.postMessage(notice)
}

/** Calls fn for changes made by other tabs, and with kind 'all' when this tab becomes visible. */
export function onExternalChange(fn: (notice: ChangeNotice) => void): () => void {
  const ch = getChannel()
  const onMessage = (e: MessageEvent<ChangeNotice>) => fn(e.data)
  const onVisible = () => {
    if (document.visibilityState === 'visible') fn({ kind: 'all' })
  }
  ch?.addEventListener('message', onMessage)
  document.addEventListener('visibilitychange', onVisible)
  return () => {
    ch?.removeEventListener('message', onMessage)
    document.removeEventListener('visibilitychange', onVisible)
  }
}
