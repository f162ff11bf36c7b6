import type { Change, MemoryClient } from '../../index'
import { coalesced } from '../lib/changes'
import { announceFinished, reloadMemoryLayer } from './actions'
import { useConversationStore } from './conversationStore'
import { useDocStore } from './docStore'
import { isProcessingHere, useSessionStore } from './sessionStore'
import { useSettingsStore } from './settingsStore'
import { useUserStore } from './userStore'

/**
 * Keeps the stores in step with the database through the client's one change feed
 * (`client.subscribe`): this tab's writes, other tabs' and other devices'. Each store reads again
 * what a change touched (bursts folded into one read); the open conversation appends new messages.
 * Started once the client is open, on the first-run screen too (a profile made in another tab shows).
 */
export function followChanges(c: MemoryClient, options: { onUsersChanged?(): Promise<void> } = {}): () => void {
  const users = coalesced(async () => {
    const before = useUserStore.getState().current?.uid
    await useUserStore.getState().load()
    // another current user: the app's uid effect (hooks/useLiveData.ts) loads the rest
    if (useUserStore.getState().current?.uid === before) sessions.run()
    await options.onUsersChanged?.()
  })
  const settings = coalesced(() => useSettingsStore.getState().load())
  const docs = coalesced(() => useDocStore.getState().load())
  const memories = coalesced(() => reloadMemoryLayer())
  const sessions = coalesced(async () => {
    // a session processed with "Process now" in this tab says what changed in its conversation instead
    const finished = (await useSessionStore.getState().load()).filter((id) => !isProcessingHere(id))
    if (!finished.length) return
    await reloadMemoryLayer()
    announceFinished(finished)
  })

  const off = c.subscribe((change: Change) => {
    switch (change.table) {
      case 'directory':
        return users.run()
      case 'settings':
        return settings.run()
      default:
    }
    const current = useUserStore.getState().current
    if (change.table === 'users') {
      users.run()
      return
    }
    if (!current || change.userId !== current.userId) {
      // not the user shown; a user the list does not know yet (renamed in another tab) reloads it
      if (change.userId && !useUserStore.getState().users.some((u) => u.userId === change.userId)) users.run()
      return
    }
    switch (change.table) {
      case 'docs':
        return docs.run()
      case 'memories':
      case 'connections':
      case 'conflicts':
        return memories.run()
      case 'sessions':
        return sessions.run()
      case 'messages':
        if (change.sessionId && change.sessionId === useConversationStore.getState().sessionId) void useConversationStore.getState().catchUp(change.ids)
        sessions.run() // the list's titles and times, or a chat another tab started
        return
      default:
    }
  })
  return () => {
    off()
    for (const t of [users, settings, docs, memories, sessions]) t.cancel()
  }
}
