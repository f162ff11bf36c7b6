import { ImportBackup } from './ImportBackup'
import { NewProfileForm } from './NewProfileForm'

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
        <NewProfileForm submitLabel="Create my profile" autoFocus />
        <div className="welcome-restore">
          <span className="field-hint">Used Keepsake before?</span>{' '}
          <ImportBackup label="Restore from a backup file…" compact />
        </div>
      </section>
    </main>
  )
}
