import { useId, useState, type ReactNode } from 'react'
import { errorMessage } from '../lib/errors'
import { Dialog } from './Dialog'

interface ConfirmDialogProps {
  open: boolean
  title: string
  children: ReactNode
  confirmLabel: string
  /** for what cannot be undone: the button works once this phrase is typed */
  phrase?: string
  onConfirm(): Promise<void>
  onClose(): void
}

/** "Are you sure?" for destructive actions; shows the typed error's message if the action fails. */
export function ConfirmDialog({ open, title, children, confirmLabel, phrase, onConfirm, onClose }: ConfirmDialogProps) {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [typed, setTyped] = useState('')
  const inputId = useId()

  const close = () => {
    setError(null)
    setTyped('')
    onClose()
  }

  const confirm = async () => {
    setBusy(true)
    setError(null)
    try {
      await onConfirm()
      close()
    } catch (e) {
      setError(errorMessage(e))
    } finally {
      setBusy(false)
    }
  }

  return (
    <Dialog open={open} title={title} onClose={close}>
      <div className="confirm-text">{children}</div>
      {phrase !== undefined && (
        <div className="field">
          <label htmlFor={inputId}>
            Type <strong>{phrase}</strong> to confirm
          </label>
          <input id={inputId} value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" spellCheck={false} autoCapitalize="none" />
        </div>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <div className="dialog-actions">
        <button type="button" className="button" onClick={close} autoFocus={phrase === undefined}>
          Cancel
        </button>
        <button type="button" className="button danger" onClick={confirm} disabled={busy || (phrase !== undefined && typed.trim() !== phrase)}>
          {busy ? 'Deleting…' : confirmLabel}
        </button>
      </div>
    </Dialog>
  )
}
