import { useId, useState, type FormEvent } from 'react'
import { errorMessage } from '../lib/errors'
import { longDate } from '../lib/format'
import { notify } from '../stores/noticeStore'
import { useSyncStore, type UserIdClash } from '../stores/syncStore'
import { useUserStore } from '../stores/userStore'
import { Dialog } from './Dialog'
import { Icon } from './Icon'

/** Picks one of the profiles that share an id and gives it a new id. */
function RenameClashDialog({ clash, onClose }: { clash: UserIdClash; onClose(): void }) {
  const rename = useSyncStore((s) => s.renameClash)
  const shownUid = useUserStore((s) => s.current?.uid)
  const [chosen, setChosen] = useState(clash.users[clash.users.length - 1]?.uid ?? '')
  const [newId, setNewId] = useState(`${clash.userId}-2`)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const ids = { input: useId(), legend: useId() }

  const submit = async (e: FormEvent) => {
    e.preventDefault()
    const user = clash.users.find((u) => u.uid === chosen)
    if (!user) return
    setBusy(true)
    setError(null)
    try {
      await rename(user, newId.trim())
      notify(`Renamed to “${newId.trim()}”`, 'success')
      onClose()
    } catch (err) {
      setError(errorMessage(err))
    } finally {
      setBusy(false)
    }
  }

  return (
    <Dialog open title={`Rename one “${clash.userId}”`} onClose={onClose}>
      <form className="form" onSubmit={submit}>
        <fieldset className="clash-choices" aria-labelledby={ids.legend}>
          <p id={ids.legend} className="confirm-text">
            Which profile gets a new id? Its chats and memories stay with it.
          </p>
          {clash.users.map((u) => (
            <label key={u.uid} className="clash-choice">
              <input type="radio" name="clash-user" value={u.uid} checked={chosen === u.uid} onChange={() => setChosen(u.uid)} />
              <span className="clash-choice-text">
                <strong>
                  {u.name || u.userId}
                  {u.uid === shownUid && <span className="clash-shown"> (shown now)</span>}
                </strong>
                <span className="field-hint">
                  Created {longDate(u.createdAt)}
                  {u.about ? ` · ${u.about}` : ''}
                </span>
              </span>
            </label>
          ))}
        </fieldset>
        <div className="field">
          <label htmlFor={ids.input}>New id</label>
          <input id={ids.input} value={newId} onChange={(e) => setNewId(e.target.value)} spellCheck={false} autoCapitalize="none" autoComplete="off" />
        </div>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button primary" disabled={busy || !newId.trim() || newId.trim() === clash.userId}>
            {busy ? 'Renaming…' : 'Rename'}
          </button>
        </div>
      </form>
    </Dialog>
  )
}

/**
 * Two devices that each created (or renamed) a profile to the same id while apart leave two profiles
 * with one id after syncing. Both are kept; this banner asks the person to rename one.
 */
export function ClashBanner() {
  const clashes = useSyncStore((s) => s.clashes)
  const [renaming, setRenaming] = useState<UserIdClash | null>(null)
  if (!clashes.length && !renaming) return null
  return (
    <>
      {clashes.map((clash) => (
        <div key={clash.userId} className="clash-banner" role="status">
          <Icon name="warning" size={18} />
          <p>
            {clash.users.length === 2 ? 'Two profiles' : `${clash.users.length} profiles`} use the id <strong>“{clash.userId}”</strong> — rename one so that each has its own.
          </p>
          <button type="button" className="button small" onClick={() => setRenaming(clash)}>
            Rename…
          </button>
        </div>
      ))}
      {renaming && <RenameClashDialog clash={renaming} onClose={() => setRenaming(null)} />}
    </>
  )
}
