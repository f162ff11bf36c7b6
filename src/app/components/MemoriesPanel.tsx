import { useId, useState } from 'react'
import { categoryCounts, categoryLabel, filterMemories } from '../lib/memoryText'
import { useMemoryStore } from '../stores/memoryStore'
import { useSessionStore } from '../stores/sessionStore'
import { EmptyState } from './EmptyState'
import { ErrorState } from './ErrorState'
import { Icon } from './Icon'
import { MemoryBulkBar } from './MemoryBulkBar'
import { MemoryCard } from './MemoryCard'
import { MemoryForm } from './MemoryForm'
import { notify } from '../stores/noticeStore'
import { Skeleton } from './Skeleton'

/** What Keepsake remembers about the user: search, filter by category, correct and delete. */
export function MemoriesPanel() {
  const { status, error, items, query, categories, sessionFilter, selected, load, setQuery, toggleCategory, setSessionFilter } = useMemoryStore()
  const chatTitle = useSessionStore((s) => s.sessions.find((x) => x.sessionId === sessionFilter)?.title ?? 'one chat')
  const searchId = useId()
  const shown = filterMemories(items, { query, categories, sessionId: sessionFilter })
  const chips = categoryCounts(items)
  const [adding, setAdding] = useState(false)
  const add = useMemoryStore((s) => s.add)
  const saveNew = async (memory: { content: string; categories?: string[] }) => {
    const item = await add(memory)
    setAdding(false)
    notify('Memory added', 'success')
    useMemoryStore.getState().focus(item.memoryId)
  }

  return (
    <div className="memories-panel" aria-busy={status === 'loading'}>
      <div className="memory-tools">
        <div className="memory-tools-row">
          <div className="search-box">
            <Icon name="search" size={16} />
            <label htmlFor={searchId} className="visually-hidden">
              Search memories
            </label>
            <input id={searchId} type="search" placeholder="Search memories" value={query} onChange={(e) => setQuery(e.target.value)} />
          </div>
          {!adding && (
            <button type="button" className="button small add-memory" aria-label="Add something to remember" onClick={() => setAdding(true)}>
              <Icon name="plus" size={16} /> Add
            </button>
          )}
        </div>
        {(chips.length > 0 || sessionFilter) && (
          <div className="chips" role="group" aria-label="Filter by category">
            {sessionFilter && (
              <button type="button" className="chip active" aria-pressed="true" onClick={() => setSessionFilter(null)}>
                From “{chatTitle}” <Icon name="close" size={14} />
              </button>
            )}
            {chips.map((c) => (
              <button key={c.name} type="button" className={`chip${categories.includes(c.name) ? ' active' : ''}`} aria-pressed={categories.includes(c.name)} onClick={() => toggleCategory(c.name)}>
                {categoryLabel(c.name)} <span className="chip-count">{c.count}</span>
              </button>
            ))}
          </div>
        )}
      </div>
      {adding && (
        <div className="memory-card memory-new">
          <MemoryForm initial={{ content: '', categories: [] }} submitLabel="Add" busyLabel="Adding…" onSubmit={saveNew} onCancel={() => setAdding(false)} />
        </div>
      )}
      {selected.length > 0 && <MemoryBulkBar />}
      {status === 'loading' && <Skeleton lines={4} className="skeleton-list" />}
      {status === 'error' && <ErrorState message={error ?? ''} onRetry={load} />}
      {status === 'ready' && items.length === 0 && !adding && (
        <EmptyState title="No memories yet">
          When a chat is processed, the facts you shared appear here: what you like, where you live, what happened when. You can correct or delete each one.
        </EmptyState>
      )}
      {status === 'ready' && items.length > 0 && shown.length === 0 && <EmptyState title="No match">No memory matches this search and these filters.</EmptyState>}
      {shown.length > 0 && (
        <p className="memory-count muted" aria-live="polite">
          {shown.length === items.length ? `${items.length} ${items.length === 1 ? 'memory' : 'memories'}` : `${shown.length} of ${items.length} memories`}
        </p>
      )}
      <ul className="memory-list" role="list">
        {shown.map((m) => (
          <MemoryCard key={m.memoryId} item={m} />
        ))}
      </ul>
    </div>
  )
}
