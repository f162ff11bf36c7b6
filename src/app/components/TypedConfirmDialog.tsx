import { useId, useState, type ReactNode } from 'react'
import { errorMessage } from '../lib/errors'
import { Dialog } from './Dialog'

interface TypedConfirmDialogProps {
  open: boolean
  title: string
  children: ReactNode
  /** what must be typed to enable the button */
  phrase: string
  confirmLabel: string
  onConfirm(): Promise<void>
  onClose(): void
}

/** Confirmation for what cannot be undone: the button works once the phrase is typed. */
export function TypedConfirmDialog({ open, title, children, phrase, confirmLabel, onConfirm, onClose }: TypedConfirmDialogProps) {
  const [typed, setTyped] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const inputId = useId()

  const close = () => {
    setTyped('')
    setError(null)
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
      <p className="confirm-text">{children}</p>
      <div className="field">
        <label htmlFor={inputId}>
          Type <strong>{phrase}</strong> to confirm
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
        <button type="button" className="button danger" disabled={typed.trim() !== phrase || busy} onClick={confirm}>
          {busy ? 'Deleting…' : confirmLabel}
        </button>
      </div>
    </Dialog>
  )
}
