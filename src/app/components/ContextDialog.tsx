import { useEffect, useId, useState, type FormEvent } from 'react'
import type { SessionContext } from '../../index'
import { errorMessage } from '../lib/errors'
import { plural } from '../lib/format'
import { sessionHandle } from '../stores/sessionStore'
import { Dialog } from './Dialog'
import { Skeleton } from './Skeleton'

const timezone = Intl.DateTimeFormat().resolvedOptions().timeZone

/**
 * "Show context": the memory context the assistant is given for a question in this chat (what
 * session.getContext returns), as the model reads it. For checking what it would know, and why.
 */
export function ContextDialog({ sessionId, open, onClose }: { sessionId: string; open: boolean; onClose(): void }) {
  const [query, setQuery] = useState('')
  const [withInstructions, setWithInstructions] = useState(false)
  const [result, setResult] = useState<SessionContext | null>(null)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const ids = { query: useId(), hint: useId(), instructions: useId() }

  const show = async (e?: FormEvent) => {
    e?.preventDefault()
    const session = sessionHandle(sessionId)
    if (!session) return
    setBusy(true)
    setError(null)
    try {
      setResult(await session.getContext({ query: query.trim() || undefined, timezone, includeSystemPrompt: withInstructions }))
    } catch (err) {
      setResult(null)
      setError(errorMessage(err))
    } finally {
      setBusy(false)
    }
  }

  useEffect(() => {
    if (open) void show()
    else {
      setResult(null)
      setQuery('')
    }
  }, [open, sessionId, withInstructions])

  return (
    <Dialog open={open} title="What the assistant is given" onClose={onClose} size="wide">
      <form className="context-form" onSubmit={show}>
        <div className="field">
          <label htmlFor={ids.query}>Question</label>
          <div className="context-query">
            <input
              id={ids.query}
              type="search"
              value={query}
              placeholder="Your last message in this chat"
              onChange={(e) => setQuery(e.target.value)}
              aria-describedby={ids.hint}
            />
            <button type="submit" className="button" disabled={busy}>
              Show
            </button>
          </div>
          <p id={ids.hint} className="field-hint">
            The memories, documents and earlier messages found for this question, as the model reads them.
          </p>
        </div>
        <label className="check-row" htmlFor={ids.instructions}>
          <input id={ids.instructions} type="checkbox" checked={withInstructions} onChange={(e) => setWithInstructions(e.target.checked)} />
          Also show the instructions the model gets on how to read it
        </label>
      </form>
      {busy && !result && <Skeleton lines={4} />}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {result && (
        <div className="context-result" aria-busy={busy}>
          <p className="context-summary" role="status">
            {plural(result.memoryIds.length, 'memory', 'memories')} · {plural(result.messageIds.length, 'earlier message')} ·{' '}
            {plural(result.sessionIds.length, 'chat')}
            {result.keywords.length > 0 && <> · searched for {result.keywords.join(', ')}</>}
          </p>
          <pre className="context-text" tabIndex={0} aria-label="Context">
            {result.context}
          </pre>
        </div>
      )}
    </Dialog>
  )
}
