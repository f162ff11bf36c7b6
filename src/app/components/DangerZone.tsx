import { useId, useState } from 'react'
import { errorMessage } from '../lib/errors'
import { notify } from '../stores/noticeStore'
import { useUserStore } from '../stores/userStore'
import { Dialog } from './Dialog'

/** Deleting the current profile and everything of it; the user id must be typed to confirm. */
export function DangerZone({ onDeleted }: { onDeleted(): void }) {
  const view = useUserStore((s) => s.currentView)
  const remove = useUserStore((s) => s.remove)
  const [confirming, setConfirming] = useState(false)
  const [typed, setTyped] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const inputId = useId()
  if (!view) return null

  const close = () => {
    setConfirming(false)
    setTyped('')
    setError(null)
  }

  const confirm = async () => {
    setBusy(true)
    setError(null)
    try {
      await remove()
      notify(`Deleted the profile “${view.userId}”`, 'success')
      close()
      onDeleted()
    } catch (e) {
      setError(errorMessage(e))
    } finally {
      setBusy(false)
    }
  }

  return (
    <section className="settings-section danger-zone" aria-labelledby="danger-title">
      <h3 id="danger-title" className="section-title">
        Danger zone
      </h3>
      <div className="danger-row">
        <p>
          <strong>Delete this profile</strong>
          <span className="field-hint">Its chats, memories, conflicts and documents go too, on all your devices.</span>
        </p>
        <button type="button" className="button danger-outline" onClick={() => setConfirming(true)}>
          Delete profile…
        </button>
      </div>
      <Dialog open={confirming} title={`Delete “${view.name || view.userId}”?`} onClose={close}>
        <p className="confirm-text">Everything of this profile is deleted: chats, memories, conflicts and documents. This cannot be undone.</p>
        <div className="field">
          <label htmlFor={inputId}>
            Type <strong>{view.userId}</strong> to confirm
          </label>
          <input id={inputId} value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" spellCheck={false} autoCapitalize="none" />
        </div>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="button" onClick={close}>
            Cancel
          </button>
          <button type="button" className="button danger" disabled={typed.trim() !== view.userId || busy} onClick={confirm}>
            {busy ? 'Deleting…' : 'Delete profile'}
          </button>
        </div>
      </Dialog>
    </section>
  )
}
