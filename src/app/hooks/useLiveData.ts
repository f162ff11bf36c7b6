import { useEffect } from 'react'
import { reloadMemoryLayer } from '../stores/actions'
import { useConflictStore } from '../stores/conflictStore'
import { useConversationStore } from '../stores/conversationStore'
import { useDocStore } from '../stores/docStore'
import { useMemoryStore } from '../stores/memoryStore'
import { useSessionStore } from '../stores/sessionStore'
import { useSettingsStore } from '../stores/settingsStore'
import { useUserStore } from '../stores/userStore'

/**
 * Loads a user's data when the current user changes, and the open conversation when the active
 * session changes. Later changes (this tab's background work, other tabs, other devices) come
 * through the client's change feed (stores/changeFeed.ts).
 */
export function useLiveData(): void {
  const uid = useUserStore((s) => s.current?.uid ?? null)
  const activeId = useSessionStore((s) => s.activeId)

  useEffect(() => {
    void useSessionStore.getState().load({ selectNewest: true })
    void useDocStore.getState().load()
    useMemoryStore.setState({ status: 'loading', items: [], selected: [], sessionFilter: null, categories: [], query: '' })
    useConflictStore.setState({ status: 'loading', conflicts: [], outcomes: {} })
    void reloadMemoryLayer()
  }, [uid])

  useEffect(() => {
    void useSettingsStore.getState().load()
  }, [])

  useEffect(() => {
    const conversation = useConversationStore.getState()
    if (activeId !== conversation.sessionId || conversation.status === 'idle') void conversation.load(activeId)
  }, [activeId])
}
