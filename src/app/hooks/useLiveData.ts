import { useEffect } from 'react'
import { onExternalChange } from '../lib/changes'
import { refreshSessions, reloadMemoryLayer } from '../stores/actions'
import { useConflictStore } from '../stores/conflictStore'
import { useConversationStore } from '../stores/conversationStore'
import { useDocStore } from '../stores/docStore'
import { useMemoryStore } from '../stores/memoryStore'
import { useSessionStore } from '../stores/sessionStore'
import { useSettingsStore } from '../stores/settingsStore'
import { useUserStore } from '../stores/userStore'

/** How often the open tab looks for sessions processed in the background (auto-processing). */
const POLL_MS = 4000

/**
 * Keeps the stores in step with the database: loads a user's data when the current user changes,
 * the open conversation when the active session changes, re-reads after other tabs' writes, and
 * polls for sessions that auto-processing turned into memories.
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

  // Changes from other devices: the sync store re-reads them (stores/syncStore.ts), first run included.

  useEffect(() => {
    const conversation = useConversationStore.getState()
    if (activeId !== conversation.sessionId || conversation.status === 'idle') void conversation.load(activeId)
  }, [activeId])

  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') void refreshSessions()
    }, POLL_MS)
    return () => clearInterval(timer)
  }, [])

  useEffect(
    () =>
      onExternalChange(async (notice) => {
        const all = notice.kind === 'all'
        const before = useUserStore.getState().current?.uid
        if (all || notice.kind === 'users' || notice.kind === 'profile') await useUserStore.getState().load()
        if (useUserStore.getState().current?.uid !== before) return // the uid effect reloads the rest
        if (all || notice.kind === 'settings') void useSettingsStore.getState().load()
        if (all || notice.kind === 'docs') void useDocStore.getState().load()
        if (all || notice.kind === 'memories' || notice.kind === 'conflicts') void reloadMemoryLayer()
        if (all || notice.kind === 'sessions' || notice.kind === 'messages') await refreshSessions()
      }),
    [],
  )
}
