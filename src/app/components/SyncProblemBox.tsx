import { explainSync } from '../lib/syncConfig'
import { useSyncStore } from '../stores/syncStore'
import { Icon } from './Icon'

/** Why sync is stuck and what to do, with "Try again now" where trying again can help; nothing when all is well. */
export function SyncProblemBox() {
  const status = useSyncStore((s) => s.status)
  const unreachable = useSyncStore((s) => s.unreachable)
  const config = useSyncStore((s) => s.config)
  const retry = useSyncStore((s) => s.retry)
  const problem = config ? explainSync(status, unreachable) : null
  if (!problem) return null
  return (
    <div className="sync-problem" role="alert">
      <Icon name="warning" size={18} />
      <div>
        <p className="sync-problem-title">{problem.title}</p>
        <p>{problem.text}</p>
        {problem.retry && (
          <button type="button" className="button small" onClick={() => void retry()}>
            Try again now
          </button>
        )}
      </div>
    </div>
  )
}
