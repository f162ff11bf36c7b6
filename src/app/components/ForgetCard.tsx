import { plural } from '../lib/format'
import { useForgetStore } from '../stores/forgetStore'
import { Icon } from './Icon'

/** "Forget that …" said in this chat: what it would delete, and one tap to confirm or keep. */
export function ForgetCard({ sessionId }: { sessionId: string | null }) {
  const request = useForgetStore((s) => (s.request && s.request.sessionId === sessionId ? s.request : null))
  const busy = useForgetStore((s) => s.busy)
  const { confirm, dismiss } = useForgetStore()
  if (!request) return null
  const n = request.memories.length
  return (
    <section className="forget-card" aria-label="Forget memories" role="group">
      <p className="forget-title">
        <Icon name="trash" size={16} />
        <span>{n ? `Forget ${plural(n, 'memory', 'memories')} about “${request.subject}”?` : `No memory is about “${request.subject}”.`}</span>
      </p>
      {n > 0 && (
        <ul className="forget-list">
          {request.memories.map((m) => (
            <li key={m.memoryId}>{m.content}</li>
          ))}
        </ul>
      )}
      <div className="forget-actions">
        {n > 0 ? (
          <>
            <button type="button" className="button small" onClick={dismiss} disabled={busy}>
              Keep
            </button>
            <button type="button" className="button small danger" onClick={() => void confirm()} disabled={busy}>
              {busy ? 'Forgetting…' : `Forget ${n === 1 ? 'it' : `all ${n}`}`}
            </button>
          </>
        ) : (
          <button type="button" className="button small" onClick={dismiss}>
            OK
          </button>
        )}
      </div>
    </section>
  )
}
