import { useId, useState } from 'react'
import type { ClarifyingQuestion, MergeConflict } from '../../index'
import { errorMessage } from '../lib/errors'
import { longDate } from '../lib/format'
import { isOpen, useConflictStore } from '../stores/conflictStore'
import { notify } from '../stores/noticeStore'
import { Icon } from './Icon'

/**
 * A contradiction to settle: the earlier memory against the new fact, and the engine's questions as
 * buttons. With one question, one tap settles it; an optional note goes along with the answer.
 */
export function ConflictCard({ conflict, inConversation = false }: { conflict: MergeConflict; inConversation?: boolean }) {
  const resolve = useConflictStore((s) => s.resolve)
  const outcome = useConflictStore((s) => s.outcomes[conflict.conflictId])
  const [answers, setAnswers] = useState<Record<string, string>>({})
  const [note, setNote] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const noteId = useId()
  const questions = conflict.clarifyingQuestions
  const pending = conflict.status === 'PENDING' || conflict.status === 'FAILED'
  const fromTwoDevices = conflict.origin === 'sync'

  const settle = async (chosen: Record<string, string>) => {
    setBusy(true)
    setError(null)
    try {
      const message = note.trim() || undefined
      await resolve(
        conflict.conflictId,
        questions.map((q) => ({ question: q.question, answer: chosen[q.question], message })),
      )
      notify('Conflict settled: memory updated', 'success')
    } catch (e) {
      setError(errorMessage(e))
    } finally {
      setBusy(false)
    }
  }

  const choose = (q: ClarifyingQuestion, option: string) => {
    const next = { ...answers, [q.question]: option }
    setAnswers(next)
    if (questions.length === 1) void settle(next)
  }

  const allAnswered = questions.every((q) => answers[q.question])
  return (
    <article className={`conflict-card${inConversation ? ' in-conversation' : ''}${isOpen(conflict) ? '' : ' settled'}`} aria-label="Memory conflict">
      <p className="conflict-kicker">
        <Icon name="bell" size={14} /> {conflict.status === 'RESOLVED' ? 'Settled contradiction' : conflict.status === 'FAILED' ? 'Contradiction: could not be settled' : fromTwoDevices ? 'Changed on two devices' : 'Contradiction'}
        <time className="muted" dateTime={conflict.createdAt.toISOString()}>
          {longDate(conflict.createdAt)}
        </time>
      </p>
      <div className="conflict-facts">
        {conflict.conflictingMemories.map((m, i) => (
          <div key={m.memoryId} className="fact fact-old">
            <span className="fact-label">{fromTwoDevices ? `Version ${i + 1}` : 'Earlier'}</span>
            <p>{m.content}</p>
          </div>
        ))}
        {/* A sync conflict has no new fact: its versions are the ones above, one from each device. */}
        {!fromTwoDevices && (
          <div className="fact fact-new">
            <span className="fact-label">New</span>
            <p>{conflict.proposedMemoryContent}</p>
          </div>
        )}
      </div>
      {pending &&
        questions.map((q) => (
          <fieldset key={q.question} className="conflict-question" disabled={busy}>
            <legend>{q.question}</legend>
            <div className="options">
              {q.options.map((o) => (
                <button key={o} type="button" className={`option${answers[q.question] === o ? ' chosen' : ''}`} aria-pressed={answers[q.question] === o} onClick={() => choose(q, o)}>
                  {o}
                </button>
              ))}
            </div>
          </fieldset>
        ))}
      {pending && (
        <div className="field">
          <label htmlFor={noteId} className="note-label">
            Note <span className="optional">(optional, sent with your answer)</span>
          </label>
          <textarea id={noteId} rows={2} value={note} onChange={(e) => setNote(e.target.value)} placeholder="Anything the memory should say, in your words" disabled={busy} />
        </div>
      )}
      {pending && questions.length > 1 && (
        <div className="form-actions">
          <button type="button" className="button primary" disabled={!allAnswered || busy} onClick={() => settle(answers)}>
            Settle
          </button>
        </div>
      )}
      {(busy || conflict.status === 'IN_QUEUE' || conflict.status === 'RESOLVING') && (
        <p className="muted" role="status">
          <span className="spinner inline" aria-hidden="true" /> Updating memory…
        </p>
      )}
      {(error || (conflict.status === 'FAILED' && conflict.error)) && (
        <p className="form-error" role="alert">
          {error ?? conflict.error}
        </p>
      )}
      {conflict.status === 'RESOLVED' && (
        <div className="conflict-outcome">
          {conflict.resolutionData?.answers.map((a) => (
            <p key={a.question}>
              <Icon name="check" size={14} /> You answered “{a.answer}”{a.message ? `: ${a.message}` : ''}
            </p>
          ))}
          {outcome?.map((t) => (
            <p key={t} className="outcome-memory">
              Now remembered: {t}
            </p>
          ))}
          {conflict.resolvedAt && <p className="muted">Settled {longDate(conflict.resolvedAt)}</p>}
        </div>
      )}
    </article>
  )
}
