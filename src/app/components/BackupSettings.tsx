import { useState } from 'react'
import { errorMessage } from '../lib/errors'
import { exportCurrentUser, exportEverything } from '../stores/backupActions'
import { notify } from '../stores/noticeStore'
import { useUserStore } from '../stores/userStore'
import { Icon } from './Icon'
import { ImportBackup } from './ImportBackup'

/** Export everything or one profile to a JSON file; import such a file back. */
export function BackupSettings() {
  const view = useUserStore((s) => s.currentView)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)

  const run = async (make: () => Promise<string>) => {
    setBusy(true)
    setError(null)
    try {
      notify(`Saved ${await make()} to your downloads`, 'success')
    } catch (e) {
      setError(errorMessage(e))
    } finally {
      setBusy(false)
    }
  }

  return (
    <section className="settings-section backup-settings" aria-labelledby="backup-title">
      <h3 id="backup-title" className="section-title">
        Export and import
      </h3>
      <p className="field-hint">
        A backup is one JSON file with profiles, chats, memories and their history, conflicts and documents. Importing it on any device adds what is
        missing and never overwrites what is there.
      </p>
      <div className="backup-actions">
        <button type="button" className="button" disabled={busy} onClick={() => void run(exportEverything)}>
          <Icon name="download" size={16} />
          Export everything
        </button>
        {view && (
          <button type="button" className="button" disabled={busy} onClick={() => void run(exportCurrentUser)}>
            <Icon name="download" size={16} />
            Export {view.name || view.userId} only
          </button>
        )}
      </div>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <ImportBackup />
    </section>
  )
}
