import { useEffect, useRef, useState } from 'react'
import { longDate } from '../lib/format'
import { isOpen, useConflictStore } from '../stores/conflictStore'
import { useConversationStore } from '../stores/conversationStore'
import { useReplyStore } from '../stores/replyStore'
import { useSessionStore } from '../stores/sessionStore'
import { AssistantReply } from './AssistantReply'
import { AssistantStatus } from './AssistantStatus'
import { Composer } from './Composer'
import { ConflictCard } from './ConflictCard'
import { ContextDialog } from './ContextDialog'
import { EmptyState } from './EmptyState'
import { ErrorState } from './ErrorState'
import { ForgetCard } from './ForgetCard'
import { Icon } from './Icon'
import { MessageBubble } from './MessageBubble'
import { PanelBoundary } from './PanelBoundary'
import { ProcessButton } from './ProcessButton'
import { ProcessingNotice } from './ProcessingNotice'
import { ReplyFailure } from './ReplyFailure'
import { Skeleton } from './Skeleton'
import { StatusBadge } from './StatusBadge'

/** The open chat: its header, the messages, what processing did, open conflicts, and the composer. */
export function Conversation() {
  const activeId = useSessionStore((s) => s.activeId)
  const session = useSessionStore((s) => s.sessions.find((x) => x.sessionId === s.activeId) ?? null)
  const temporaryNext = useSessionStore((s) => s.temporaryNext)
  const { status, error, messages, highlighted, load } = useConversationStore()
  const allConflicts = useConflictStore((s) => s.conflicts)
  const conflicts = allConflicts.filter((c) => c.sessionId === activeId && isOpen(c))
  const replying = useReplyStore((s) => s.sessionId !== null && s.sessionId === activeId)
  const replyLength = useReplyStore((s) => (s.sessionId === activeId ? s.text.length : 0))
  const [contextOpen, setContextOpen] = useState(false)
  const scroller = useRef<HTMLDivElement>(null)
  const end = useRef<HTMLDivElement>(null)

  useEffect(() => {
    const first = highlighted.length ? scroller.current?.querySelector(`[data-message-id="${highlighted[0]}"]`) : null
    if (first) first.scrollIntoView({ block: 'center' })
    else end.current?.scrollIntoView({ block: 'end' })
  }, [messages.length, activeId, highlighted, conflicts.length, replying])

  // A streaming reply keeps the newest line in view, unless the person scrolled up to read.
  useEffect(() => {
    const el = scroller.current
    if (el && el.scrollHeight - el.scrollTop - el.clientHeight < 120) el.scrollTop = el.scrollHeight
  }, [replyLength])

  return (
    <main className="conversation" aria-label="Conversation">
      <header className="conversation-header">
        <PanelBoundary what="This chat's title" variant="inline" resetKey={session}>
          <div className="conversation-heading">
            <h1 className="conversation-title">{session?.title ?? 'New chat'}</h1>
            {session && (
              <span className="conversation-meta">
                <time dateTime={session.createdAt.toISOString()}>{longDate(session.createdAt)}</time>
                <StatusBadge status={session.status} error={session.error} temporary={session.temporary} />
              </span>
            )}
          </div>
        </PanelBoundary>
        {session?.title && (
          <button type="button" className="button ghost small context-button" aria-label="Show context" title="What the assistant is given for a question" onClick={() => setContextOpen(true)}>
            <Icon name="layers" size={16} />
            <span className="context-button-text">Context</span>
          </button>
        )}
        {session && <ProcessButton session={session} />}
        {!session && <TemporaryToggle />}
      </header>
      {session && <ContextDialog sessionId={session.sessionId} open={contextOpen} onClose={() => setContextOpen(false)} />}
      <div className="conversation-scroll" ref={scroller} aria-busy={status === 'loading'}>
        <div className="conversation-inner">
          {status === 'loading' && <Skeleton lines={4} className="skeleton-messages" />}
          {status === 'error' && <ErrorState message={error ?? ''} onRetry={() => load(activeId)} />}
          {(session?.temporary || (!session && temporaryNext)) && (
            <p className="inline-notice temporary" role="status">
              <Icon name="info" size={16} />
              <span>Temporary chat: nothing said here becomes a memory, and your other chats do not see it.</span>
            </p>
          )}
          {status === 'ready' && messages.length === 0 && !temporaryNext && (
            <EmptyState title="Start a conversation">
              Tell it about yourself: “I’m allergic to peanuts”, “I moved to Berlin last week”. Your messages stay on this device and become memories you can
              read and correct.
            </EmptyState>
          )}
          {/* A message that cannot be shown takes the list with it, not the composer: tried again when the messages change. */}
          <PanelBoundary what="The messages of this chat" variant="section" resetKey={messages}>
            <ol className="messages" role="log" aria-live="polite" aria-label="Messages" aria-busy={replying}>
              {messages.map((m) => (
                <MessageBubble key={m.messageId} message={m} highlighted={highlighted.includes(m.messageId)} />
              ))}
              <AssistantReply sessionId={activeId} />
            </ol>
          </PanelBoundary>
          <ReplyFailure sessionId={activeId} />
          <ForgetCard sessionId={activeId} />
          {status === 'ready' && session && !session.temporary && <ProcessingNotice session={session} />}
          <PanelBoundary what="The conflicts of this chat" variant="section" resetKey={allConflicts}>
            {conflicts.map((c) => (
              <ConflictCard key={c.conflictId} conflict={c} inConversation />
            ))}
          </PanelBoundary>
          {status === 'ready' && <AssistantStatus />}
          <div ref={end} />
        </div>
      </div>
      <PanelBoundary what="The message box" variant="section" resetKey={activeId}>
        <Composer status={session?.status ?? null} />
      </PanelBoundary>
    </main>
  )
}

/** On a new chat: make it a temporary one, which never becomes memories. */
function TemporaryToggle() {
  const on = useSessionStore((s) => s.temporaryNext)
  const set = useSessionStore((s) => s.setTemporaryNext)
  return (
    <button type="button" className={`button ghost small temporary-toggle${on ? ' active' : ''}`} aria-pressed={on} onClick={() => set(!on)} title="A temporary chat never becomes memories">
      <Icon name="cloudOff" size={16} /> Temporary chat
    </button>
  )
}
