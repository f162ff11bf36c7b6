import { useState } from 'react'
import type { UserMemoryItem } from '../../index'
import { errorMessage } from '../lib/errors'
import { useMemoryStore } from '../stores/memoryStore'
import { Dialog } from './Dialog'

interface DeleteMemoryDialogProps {
  /** The version to delete (the live one, or an earlier one from the timeline); null when closed. */
  version: UserMemoryItem | null
  /** The live version of the same memory. */
  live: UserMemoryItem
  onClose(): void
}

/** Delete one version, or it with every older version; says what happens to the rest of the chain. */
export function DeleteMemoryDialog({ version, live, onClose }: DeleteMemoryDialogProps) {
  const remove = useMemoryStore((s) => s.remove)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const isLive = version?.memoryId === live.memoryId
  const older = version ? version.versionNumber - 1 : 0
  const only = live.totalVersions === 1

  const run = async (withHistory: boolean) => {
    if (!version) return
    setBusy(true)
    setError(null)
    try {
      await remove(version.memoryId, withHistory, withHistory || only ? 'Memory deleted' : `Version ${version.versionNumber} deleted`)
      onClose()
    } catch (e) {
      setError(errorMessage(e))
    } finally {
      setBusy(false)
    }
  }

  const close = () => {
    setError(null)
    onClose()
  }

  let explanation: string
  if (only) explanation = 'This memory has one version. Deleting it removes it from all your devices.'
  else if (isLive) explanation = `Deleting this version makes version ${older} the current one again.`
  else explanation = `Deleting version ${version?.versionNumber} keeps the other versions; the history is joined around the gap.`

  return (
    <Dialog open={version !== null} title={only ? 'Delete this memory?' : `Delete version ${version?.versionNumber}?`} onClose={close}>
      <blockquote className="quote">{version?.content}</blockquote>
      <p className="confirm-text">{explanation} You can undo it for a few seconds.</p>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <div className="dialog-actions choices">
        <button type="button" className="button danger" onClick={() => run(false)} disabled={busy}>
          {only ? 'Delete memory' : 'Delete this version'}
        </button>
        {older > 0 && (
          <button type="button" className="button danger-outline" onClick={() => run(true)} disabled={busy}>
            {isLive ? `Delete with history (all ${live.totalVersions} versions)` : `Delete this and ${older} older`}
          </button>
        )}
        <button type="button" className="button" onClick={close} autoFocus>
          Cancel
        </button>
      </div>
    </Dialog>
  )
}
