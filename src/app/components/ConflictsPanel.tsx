import { isOpen, useConflictStore } from '../stores/conflictStore'
import { ConflictCard } from './ConflictCard'
import { EmptyState } from './EmptyState'
import { ErrorState } from './ErrorState'
import { Skeleton } from './Skeleton'

/** Contradictions Keepsake asks the user to settle: open ones first, then settled ones with their outcome. */
export function ConflictsPanel() {
  const { status, error, conflicts, load } = useConflictStore()
  const open = conflicts.filter(isOpen)
  const settled = conflicts.filter((c) => !isOpen(c))
  return (
    <div className="panel-section conflicts-panel" aria-busy={status === 'loading'}>
      {status === 'loading' && <Skeleton lines={3} />}
      {status === 'error' && <ErrorState message={error ?? ''} onRetry={load} />}
      {status === 'ready' && conflicts.length === 0 && (
        <EmptyState title="Nothing to settle">
          When something you say contradicts an earlier memory, Keepsake asks you here which is right, instead of guessing. Turn this on or off in Settings.
        </EmptyState>
      )}
      {open.length > 0 && (
        <section aria-labelledby="open-conflicts">
          <h3 id="open-conflicts" className="section-title">
            Waiting for you ({open.length})
          </h3>
          <div className="conflict-list">
            {open.map((c) => (
              <ConflictCard key={c.conflictId} conflict={c} />
            ))}
          </div>
        </section>
      )}
      {settled.length > 0 && (
        <section aria-labelledby="settled-conflicts">
          <h3 id="settled-conflicts" className="section-title">
            Settled
          </h3>
          <div className="conflict-list">
            {settled.map((c) => (
              <ConflictCard key={c.conflictId} conflict={c} />
            ))}
          </div>
        </section>
      )}
    </div>
  )
}
