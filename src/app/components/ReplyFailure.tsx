import { useReplyStore } from '../stores/replyStore'
import { Icon } from './Icon'

/** Why the assistant's last reply in this chat failed; the person's message is stored all the same. */
export function ReplyFailure({ sessionId }: { sessionId: string | null }) {
  const failure = useReplyStore((s) => (s.failure && s.failure.sessionId === sessionId ? s.failure : null))
  const dismiss = useReplyStore((s) => s.dismissFailure)
  const start = useReplyStore((s) => s.start)
  if (!failure) return null
  return (
    <div className="inline-notice failed reply-failure" role="alert">
      <Icon name="info" size={16} />
      <span>
        The assistant could not reply: {failure.message} Your message is saved and will still become memories.
      </span>
      <button type="button" className="button small" onClick={() => void start(failure.sessionId)}>
        Try again
      </button>
      <button type="button" className="icon-button small" aria-label="Dismiss" onClick={dismiss}>
        <Icon name="close" size={16} />
      </button>
    </div>
  )
}
