import { useEffect, useId, useState, type FormEvent } from 'react'
import { errorMessage } from '../lib/errors'
import { notify } from '../stores/noticeStore'
import { useUserStore, type UserView } from '../stores/userStore'

/** User id (rename), name and about. */
export function IdentityForm({ view }: { view: UserView }) {
  const update = useUserStore((s) => s.update)
  const [userId, setUserId] = useState(view.userId)
  const [name, setName] = useState(view.name)
  const [about, setAbout] = useState(view.about)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const ids = { userId: useId(), name: useId(), about: useId(), hint: useId() }

  // Another tab (or a save) changed the profile: show what is stored now.
  useEffect(() => {
    setUserId(view.userId)
    setName(view.name)
    setAbout(view.about)
  }, [view])

  const dirty = userId !== view.userId || name !== view.name || about !== view.about

  const save = async (e: FormEvent) => {
    e.preventDefault()
    setBusy(true)
    setError(null)
    try {
      await update({
        newUserId: userId !== view.userId ? userId : undefined,
        name: name !== view.name ? name : undefined,
        about: about !== view.about ? about : undefined,
      })
      notify('Profile saved', 'success')
    } catch (err) {
      setError(errorMessage(err))
    } finally {
      setBusy(false)
    }
  }

  return (
    <form className="panel-section form" onSubmit={save} aria-labelledby={`${ids.name}-h`}>
      <h3 id={`${ids.name}-h`} className="section-title">
        Identity
      </h3>
      <div className="field">
        <label htmlFor={ids.userId}>User id</label>
        <input id={ids.userId} value={userId} onChange={(e) => setUserId(e.target.value)} spellCheck={false} autoCapitalize="none" aria-describedby={ids.hint} />
        <p id={ids.hint} className="field-hint">
          Renaming keeps all chats and memories.
        </p>
      </div>
      <div className="field">
        <label htmlFor={ids.name}>Name</label>
        <input id={ids.name} value={name} onChange={(e) => setName(e.target.value)} autoComplete="name" />
      </div>
      <div className="field">
        <label htmlFor={ids.about}>About</label>
        <textarea id={ids.about} value={about} onChange={(e) => setAbout(e.target.value)} rows={3} placeholder="A few words the assistant may keep in mind" />
      </div>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <div className="form-actions">
        {dirty && (
          <button
            type="button"
            className="button ghost"
            onClick={() => {
              setUserId(view.userId)
              setName(view.name)
              setAbout(view.about)
              setError(null)
            }}
          >
            Undo changes
          </button>
        )}
        <button type="submit" className="button primary" disabled={!dirty || busy}>
          {busy ? 'Saving…' : 'Save profile'}
        </button>
      </div>
    </form>
  )
}
