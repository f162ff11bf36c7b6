import { summaryOf, summaryText } from '../stores/actions'
import { useConflictStore } from '../stores/conflictStore'
import { useMemoryStore } from '../stores/memoryStore'
import type { SessionView } from '../stores/sessionStore'
import { useUiStore } from '../stores/uiStore'
import { Icon } from './Icon'

/** Below a chat: what processing it did to memory ("Memory updated: 2 new, 1 changed"), or why it failed. */
export function ProcessingNotice({ session }: { session: SessionView }) {
  // Subscribed so the counts follow the memories and conflicts as they load.
  useMemoryStore((s) => s.items)
  useConflictStore((s) => s.conflicts)
  const memoriesLoaded = useMemoryStore((s) => s.status === 'ready')

  if (session.status === 'processing') {
    return (
      <p className="inline-notice" role="status">
        <span className="spinner inline" aria-hidden="true" /> Turning this chat into memories…
      </p>
    )
  }
  if (session.status === 'failed') {
    return (
      <p className="inline-notice failed" role="status">
        <Icon name="info" size={16} /> Could not turn this chat into memories: {session.error ?? 'unknown reason'}. Use “Try again” above.
      </p>
    )
  }
  if (session.status !== 'processed' || !memoriesLoaded) return null
  const summary = summaryOf(session.sessionId)
  const showThem = () => {
    useMemoryStore.getState().setSessionFilter(session.sessionId)
    useUiStore.getState().openDrawer('memories')
  }
  return (
    <p className={`inline-notice ${summary.conflicts ? 'asks' : 'done'}`} role="status">
      <Icon name={summary.conflicts ? 'bell' : 'check'} size={16} />
      <span>{summaryText(summary)}</span>
      {summary.added + summary.changed > 0 && (
        <button type="button" className="link-button" onClick={showThem}>
          Show these memories
        </button>
      )}
    </p>
  )
}
