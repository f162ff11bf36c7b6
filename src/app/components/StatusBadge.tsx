import type { SessionStatus } from '../../index'

const LABELS: Record<SessionStatus, string> = {
  pending: 'Pending',
  processing: 'Processing',
  processed: 'Processed',
  failed: 'Failed',
}

const HINTS: Record<SessionStatus, string> = {
  pending: 'Not yet turned into memories',
  processing: 'Being turned into memories',
  processed: 'Turned into memories',
  failed: 'Could not be turned into memories',
}

/** A session's processing state; a failed one shows why on hover and to screen readers. */
export function StatusBadge({ status, error, temporary }: { status: SessionStatus; error?: string | null; temporary?: boolean }) {
  if (temporary) {
    return (
      <span className="badge badge-temporary" title="A temporary chat: it never becomes memories">
        Temporary
        <span className="visually-hidden">: it never becomes memories</span>
      </span>
    )
  }
  const hint = status === 'failed' && error ? `Failed: ${error}` : HINTS[status]
  return (
    <span className={`badge badge-${status}`} title={hint}>
      {status === 'processing' && <span className="spinner" aria-hidden="true" />}
      {LABELS[status]}
      <span className="visually-hidden">{`: ${hint}`}</span>
    </span>
  )
}
