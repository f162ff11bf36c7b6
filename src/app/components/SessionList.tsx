import { useId } from 'react'
import { longDate, shortDate } from '../lib/format'
import { useConversationStore } from '../stores/conversationStore'
import { useSessionStore, visibleSessions } from '../stores/sessionStore'
import { useUiStore } from '../stores/uiStore'
import { EmptyState } from './EmptyState'
import { ErrorState } from './ErrorState'
import { Icon } from './Icon'
import { Skeleton } from './Skeleton'
import { StatusBadge } from './StatusBadge'

/** The user's chats, newest first, with "New chat" and a search over their titles. */
export function SessionList() {
  const { status, error, sessions, activeId, query, select, setQuery, load } = useSessionStore()
  const openSheet = useUiStore((s) => s.openSheet)
  const searchId = useId()
  const shown = visibleSessions(sessions, query)

  const open = (sessionId: string | null) => {
    useConversationStore.getState().highlight([])
    select(sessionId)
    openSheet(null)
  }

  return (
    <nav className="session-list" aria-label="Chats">
      <div className="panel-header">
        <h2 className="panel-title">Chats</h2>
        <button type="button" className="button small" onClick={() => open(null)} aria-current={activeId === null ? 'page' : undefined}>
          <Icon name="plus" size={16} /> New chat
        </button>
      </div>
      <div className="search-box">
        <Icon name="search" size={16} />
        <label htmlFor={searchId} className="visually-hidden">
          Search chats
        </label>
        <input id={searchId} type="search" placeholder="Search chats" value={query} onChange={(e) => setQuery(e.target.value)} />
      </div>
      <div className="panel-scroll" aria-busy={status === 'loading'}>
        {status === 'loading' && <Skeleton lines={5} className="skeleton-list" />}
        {status === 'error' && <ErrorState message={error ?? ''} onRetry={() => load()} />}
        {status === 'ready' && sessions.length === 0 && (
          <EmptyState title="No chats yet">Write your first message; each chat is kept here and turned into memories after a pause.</EmptyState>
        )}
        {status === 'ready' && sessions.length > 0 && shown.length === 0 && <EmptyState title="No match">No chat title contains “{query.trim()}”.</EmptyState>}
        <ul className="sessions" role="list">
          {shown.map((s) => (
            <li key={s.sessionId}>
              <button
                type="button"
                className="session-item"
                aria-current={s.sessionId === activeId ? 'page' : undefined}
                onClick={() => open(s.sessionId)}
              >
                <span className="session-title">{s.title ?? 'Untitled chat'}</span>
                <span className="session-meta">
                  <time dateTime={(s.lastMessageAt ?? s.createdAt).toISOString()} title={longDate(s.lastMessageAt ?? s.createdAt)}>
                    {shortDate(s.lastMessageAt ?? s.createdAt)}
                  </time>
                  <StatusBadge status={s.status} error={s.error} temporary={s.temporary} />
                </span>
              </button>
            </li>
          ))}
        </ul>
      </div>
      <div className="panel-footer phone-only">
        <button
          type="button"
          className="button ghost"
          onClick={() => {
            openSheet(null)
            useUiStore.getState().setSettingsOpen(true)
          }}
        >
          <Icon name="gear" /> Settings
        </button>
      </div>
    </nav>
  )
}
