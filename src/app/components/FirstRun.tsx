import { useSyncStore } from '../stores/syncStore'
import { ImportBackup } from './ImportBackup'
import { NewProfileForm } from './NewProfileForm'
import { SyncProblemBox } from './SyncProblemBox'
import { receivedPercent } from './SyncPill'

/**
 * On a device that joined a space and has no profile yet: what is arriving from the other devices,
 * or why it cannot arrive. (Creating a profile here still works; it syncs to the others.)
 */
function JoinStatus() {
  const config = useSyncStore((s) => s.config)
  const status = useSyncStore((s) => s.status)
  const state = status.state
  if (!config) return null
  if (state === 'synced') {
    return (
      <p className="join-status" role="status">
        Synced with your other devices; there is no profile on them yet. Create one here and it appears on them too.
      </p>
    )
  }
  if (state === 'syncing' || state === 'connecting') {
    const text = state === 'connecting' ? 'Connecting to your synced devices…' : 'Receiving your data from your other devices…'
    const received = receivedPercent(status)
    return (
      <div className="join-status" role="status">
        <p>
          {text}
          {received !== null && ` ${received}%`}
        </p>
        {received !== null ? <progress aria-label={text} value={status.progress!.synced} max={status.progress!.total} /> : <progress aria-label={text} />}
      </div>
    )
  }
  return <SyncProblemBox />
}

/** The first screen on a device with no profile yet: one welcoming card. */
export function FirstRun() {
  return (
    <main className="first-run">
      <section className="welcome-card" aria-labelledby="welcome-title">
        <div className="brand-mark" aria-hidden="true">
          K
        </div>
        <h1 id="welcome-title">Welcome to Keepsake</h1>
        <p className="welcome-lead">A chat with a memory you can see and correct. What you say becomes memories you can read, fix and delete.</p>
        <ul className="welcome-points">
          <li>Everything stays on this device; no account, no cloud.</li>
          <li>Works offline. Sync between your own devices is optional.</li>
        </ul>
        <JoinStatus />
        <NewProfileForm submitLabel="Create my profile" autoFocus />
        <div className="welcome-restore">
          <span className="field-hint">Used Keepsake before?</span>{' '}
          <ImportBackup label="Restore from a backup file…" compact />
        </div>
      </section>
    </main>
  )
}
