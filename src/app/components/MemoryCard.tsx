import { useEffect, useRef, useState } from 'react'
import type { UserMemoryItem } from '../../index'
import { dateRange, longDate, shortDate } from '../lib/format'
import { categoryLabel } from '../lib/memoryText'
import { useConversationStore } from '../stores/conversationStore'
import { useMemoryStore } from '../stores/memoryStore'
import { useSessionStore } from '../stores/sessionStore'
import { useUiStore } from '../stores/uiStore'
import { notify } from '../stores/noticeStore'
import { DeleteMemoryDialog } from './DeleteMemoryDialog'
import { Icon } from './Icon'
import { MemoryForm } from './MemoryForm'
import { VersionTimeline } from './VersionTimeline'

/** One memory: what it says, its categories and date, its history, its links, and where it came from. */
export function MemoryCard({ item }: { item: UserMemoryItem }) {
  const selected = useMemoryStore((s) => s.selected.includes(item.memoryId))
  const focused = useMemoryStore((s) => s.focused === item.memoryId)
  const { toggleSelected, focus } = useMemoryStore()
  const sessionKnown = useSessionStore((s) => s.sessions.some((x) => x.sessionId === item.sessionId))
  const [expanded, setExpanded] = useState(false)
  const [deleting, setDeleting] = useState<UserMemoryItem | null>(null)
  const [editing, setEditing] = useState(false)
  const edit = useMemoryStore((s) => s.edit)
  const editButton = useRef<HTMLButtonElement>(null)
  const ref = useRef<HTMLLIElement>(null)
  const when = dateRange(item.eventDateStart, item.eventDateEnd)
  const timelineId = `timeline-${item.memoryId}`

  useEffect(() => {
    if (!focused) return
    ref.current?.scrollIntoView({ block: 'center', behavior: 'smooth' })
    ref.current?.focus()
    const t = setTimeout(() => focus(null), 1600)
    return () => clearTimeout(t)
  }, [focused, focus])

  const showSource = () => {
    if (!item.sessionId) return
    useSessionStore.getState().select(item.sessionId)
    useConversationStore.getState().highlight(item.sourceMessageIds)
    useUiStore.getState().openSheet(null)
  }

  const closeEditor = () => {
    setEditing(false)
    // back where the person was, for the keyboard
    setTimeout(() => editButton.current?.focus(), 0)
  }

  const save = async (changes: { content: string; categories?: string[] }) => {
    const next = await edit(item.memoryId, changes)
    setEditing(false)
    notify(next.memoryId === item.memoryId ? 'Nothing changed' : `Saved as version ${next.versionNumber}`, 'success')
    useMemoryStore.getState().focus(next.memoryId)
  }

  const by = item.byUser ? (item.versionNumber > 1 ? 'Edited by you' : 'Added by you') : 'Recorded'

  return (
    <li ref={ref} tabIndex={-1} className={`memory-card${selected ? ' selected' : ''}${focused ? ' focused' : ''}`} data-memory-id={item.memoryId}>
      <div className="memory-main">
        <input type="checkbox" className="memory-check" checked={selected} onChange={() => toggleSelected(item.memoryId)} aria-label={`Select: ${item.content}`} />
        {editing ? (
          <MemoryForm initial={item} submitLabel="Save" busyLabel="Saving…" onSubmit={save} onCancel={closeEditor} />
        ) : (
          <>
            <p className="memory-content">{item.content}</p>
            <button
              ref={editButton}
              type="button"
              className="icon-button small memory-edit"
              aria-label={`Edit: ${item.content}`}
              onClick={() => setEditing(true)}
              disabled={item.mergeConflictInProgress}
              title={item.mergeConflictInProgress ? 'Answer the question about it first' : 'Edit'}
            >
              <Icon name="pencil" size={16} />
            </button>
            <button type="button" className="icon-button small memory-delete" aria-label={`Delete: ${item.content}`} onClick={() => setDeleting(item)}>
              <Icon name="trash" size={16} />
            </button>
          </>
        )}
      </div>
      {!editing && (item.categories.length > 0 || when) && (
        <div className="memory-meta">
          {item.categories.map((c) => (
            <span key={c} className="tag">
              {categoryLabel(c)}
            </span>
          ))}
          {when && (
            <span className="memory-when" title="When it happened">
              <Icon name="calendar" size={14} /> {when}
            </span>
          )}
        </div>
      )}
      {item.mergeConflictInProgress && (
        <button type="button" className="memory-conflict" onClick={() => useUiStore.getState().openDrawer('conflicts')}>
          <Icon name="bell" size={14} /> Contradicted: waiting for your answer
        </button>
      )}
      {!!item.connectedMemories?.length && (
        <div className="memory-links" role="group" aria-label="Connected memories">
          {item.connectedMemories.map((c) => (
            <button key={c.memoryId} type="button" className="chip link-chip" onClick={() => focus(c.memoryId)} title={c.content}>
              <Icon name="link" size={14} /> <span className="chip-text">{c.content}</span>
            </button>
          ))}
        </div>
      )}
      <div className="memory-footer">
        <button
          type="button"
          className="version-badge"
          aria-expanded={expanded}
          aria-controls={timelineId}
          onClick={() => setExpanded(!expanded)}
          title={item.totalVersions > 1 ? 'Show earlier versions' : 'Show history'}
        >
          v{item.versionNumber}
          <span className="visually-hidden">{` of ${item.totalVersions}: ${expanded ? 'hide' : 'show'} history`}</span>
          <Icon name="chevron" size={14} />
        </button>
        <time className="muted" dateTime={item.createdAt.toISOString()} title={`${by} ${longDate(item.createdAt)}`}>
          {by} {shortDate(item.createdAt)}
        </time>
        {item.sessionId && sessionKnown && (
          <button type="button" className="link-button" onClick={showSource}>
            From this chat
          </button>
        )}
      </div>
      {expanded && <VersionTimeline id={timelineId} item={item} onDelete={setDeleting} />}
      <DeleteMemoryDialog version={deleting} live={item} onClose={() => setDeleting(null)} />
    </li>
  )
}
