import type { Message } from '../../index'
import { longDate, shortDate } from '../lib/format'

/** One message, rendered as text (never as HTML), with its time. */
export function MessageBubble({ message, highlighted = false }: { message: Message; highlighted?: boolean }) {
  const mine = message.role === 'user'
  return (
    <li className={`message ${mine ? 'message-user' : 'message-assistant'}${highlighted ? ' highlighted' : ''}`} data-message-id={message.messageId}>
      <span className="visually-hidden">{mine ? 'You said:' : 'Assistant said:'}</span>
      <p className="message-text">{message.content}</p>
      <time className="message-time" dateTime={message.timestamp.toISOString()} title={longDate(message.timestamp)}>
        {highlighted && <span className="source-mark">Source of a memory · </span>}
        {shortDate(message.timestamp)}
      </time>
    </li>
  )
}
