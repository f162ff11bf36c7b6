import { useReplyAvailability } from '../hooks/useReplyAvailability'
import { useModelStore } from '../stores/modelStore'
import { Icon } from './Icon'

/** Reasons from the library end with what still works; this note says that in a line of its own. */
function withoutFallbackLine(reason: string): string {
  const sentences = reason.split(/(?<=[.!?])\s+/)
  const kept = sentences.filter((s) => !/rules engine|still stored|turned into memories/i.test(s))
  return (kept.length ? kept : sentences).join(' ')
}

/**
 * In the chat, where a reply would appear: why the assistant cannot reply on this device, what
 * still works, and the way to a model. Nothing when replies are available.
 */
export function AssistantStatus() {
  const { available, preparing, reason } = useReplyAvailability()
  const openModels = useModelStore((s) => s.setDialogOpen)
  if (available) return null
  return (
    <section className={`assistant-status${preparing ? ' preparing' : ''}`} role="status" aria-label="Assistant replies">
      <Icon name={preparing ? 'chip' : 'info'} size={18} />
      <div className="assistant-status-body">
        <p className="assistant-status-title">{preparing ? 'The assistant is getting ready' : 'No replies from the assistant here'}</p>
        {reason && <p className="assistant-status-reason">{withoutFallbackLine(reason)}</p>}
        <p className="assistant-status-works">
          What still works: your messages are saved on this device, and the built-in rules engine turns them into memories you can read and
          correct.
        </p>
        <button type="button" className="link-button" onClick={() => openModels(true)}>
          {preparing ? 'Show the download' : 'Set up the AI model'}
        </button>
      </div>
    </section>
  )
}
