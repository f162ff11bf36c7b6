import { useReplyStore } from '../stores/replyStore'

/**
 * The assistant's reply while it streams: the same bubble as a stored message, so nothing moves
 * when the stored one takes its place. The log around it is aria-busy meanwhile; screen readers
 * hear the reply once, complete.
 */
export function AssistantReply({ sessionId }: { sessionId: string | null }) {
  const replying = useReplyStore((s) => s.sessionId !== null && s.sessionId === sessionId)
  const text = useReplyStore((s) => s.text)
  const stopping = useReplyStore((s) => s.stopping)
  if (!replying) return null
  return (
    <li className="message message-assistant streaming" data-streaming="true">
      <span className="visually-hidden">Assistant is replying:</span>
      <p className="message-text">
        {text || (
          <span className="typing" aria-hidden="true">
            <span />
            <span />
            <span />
          </span>
        )}
      </p>
      <span className="message-time">{stopping ? 'Stopping…' : 'Writing…'}</span>
    </li>
  )
}
