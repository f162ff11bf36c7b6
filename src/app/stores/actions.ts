import { errorMessage } from '../lib/errors'
import { plural } from '../lib/format'
import { isOpen, useConflictStore } from './conflictStore'
import { useConversationStore } from './conversationStore'
import { useDocStore } from './docStore'
import { useMemoryStore } from './memoryStore'
import { notify } from './noticeStore'
import { useSessionStore } from './sessionStore'
import { useSettingsStore } from './settingsStore'
import { useUserStore } from './userStore'

/** Actions that span several stores. */

export function reloadMemoryLayer(): Promise<unknown> {
  return Promise.all([useMemoryStore.getState().load(), useConflictStore.getState().load()])
}

export interface ProcessingSummary {
  added: number
  changed: number
  /** open questions this chat raised */
  conflicts: number
}

/** What processing a session left in memory, read from the loaded memories and conflicts. */
export function summaryOf(sessionId: string): ProcessingSummary {
  // each live memory counts by the version processing wrote, not by the person's later edits
  const written = useMemoryStore
    .getState()
    .items.map((m) => [m, ...(m.previousVersions ?? [])].filter((v) => v.sessionId === sessionId && !v.byUser).pop())
    .filter((v) => v !== undefined)
  return {
    added: written.filter((v) => v.versionNumber === 1).length,
    changed: written.filter((v) => v.versionNumber > 1).length,
    conflicts: useConflictStore.getState().conflicts.filter((c) => c.sessionId === sessionId && isOpen(c)).length,
  }
}

export function summaryText(s: ProcessingSummary): string {
  if (!s.added && !s.changed && !s.conflicts) return 'Nothing new to remember from this chat.'
  const parts = [s.added && `${s.added} new`, s.changed && `${s.changed} changed`, s.conflicts && plural(s.conflicts, 'question for you', 'questions for you')]
  return `Memory updated: ${parts.filter(Boolean).join(', ')}`
}

/** "Process now": turns the session into memories; the conversation's inline notice says what changed. */
export async function processNow(sessionId: string): Promise<void> {
  try {
    await useSessionStore.getState().process(sessionId)
  } catch (e) {
    notify(errorMessage(e), 'error')
    return
  }
  await reloadMemoryLayer()
  const view = useSessionStore.getState().sessions.find((s) => s.sessionId === sessionId)
  if (view?.status === 'failed') notify(`Processing failed: ${view.error ?? 'unknown reason'}`, 'error')
}

/** Says what background processing (auto-processing, another tab) did to sessions that just finished. */
export function announceFinished(sessionIds: string[]): void {
  const { sessions } = useSessionStore.getState()
  for (const id of sessionIds) {
    const view = sessions.find((s) => s.sessionId === id)
    if (!view) continue
    const title = view.title ? `“${view.title}”: ` : ''
    if (view.status === 'processed') notify(`${title}${summaryText(summaryOf(id))}`, 'success')
    if (view.status === 'failed') notify(`${title}processing failed: ${view.error ?? 'unknown reason'}`, 'error')
  }
}

/**
 * Re-reads everything shown, the open conversation too (once a device is first in sync: what came
 * before the feed's changes). Ordinary changes come through the change feed (changeFeed.ts).
 */
export async function refreshAll(): Promise<void> {
  await useUserStore.getState().load()
  void useSettingsStore.getState().load()
  void useDocStore.getState().load()
  void reloadMemoryLayer()
  const changed = await useSessionStore.getState().load()
  const { activeId } = useSessionStore.getState()
  void useConversationStore.getState().load(activeId, { quiet: true })
  if (!changed.length) return
  await reloadMemoryLayer()
  announceFinished(changed)
}
