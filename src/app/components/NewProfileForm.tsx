import { useId, useState, type FormEvent } from 'react'
import { errorMessage } from '../lib/errors'
import { slugify } from '../lib/format'
import { useUserStore } from '../stores/userStore'

interface NewProfileFormProps {
  submitLabel: string
  onCreated?(): void
  autoFocus?: boolean
}

/** Name, user id (proposed from the name until edited) and an optional "about": creates a user. */
export function NewProfileForm({ submitLabel, onCreated, autoFocus }: NewProfileFormProps) {
  const create = useUserStore((s) => s.create)
  const [name, setName] = useState('')
  const [userId, setUserId] = useState('')
  const [idEdited, setIdEdited] = useState(false)
  const [about, setAbout] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const ids = { name: useId(), userId: useId(), about: useId(), hint: useId(), error: useId() }
  const effectiveId = idEdited ? userId : slugify(name)

  const submit = async (e: FormEvent) => {
    e.preventDefault()
    setBusy(true)
    setError(null)
    try {
      await create(effectiveId, { name: name.trim(), about: about.trim() })
      onCreated?.()
    } catch (err) {
      setError(errorMessage(err))
    } finally {
      setBusy(false)
    }
  }

  return (
    <form className="form" onSubmit={submit} aria-describedby={error ? ids.error : undefined}>
      <div className="field">
        <label htmlFor={ids.name}>Your name</label>
        <input id={ids.name} value={name} onChange={(e) => setName(e.target.value)} autoComplete="name" autoFocus={autoFocus} maxLength={256} />
      </div>
      <div className="field">
        <label htmlFor={ids.userId}>User id</label>
        <input
          id={ids.userId}
          value={effectiveId}
          onChange={(e) => {
            setIdEdited(true)
            setUserId(e.target.value)
          }}
          aria-describedby={ids.hint}
          autoCapitalize="none"
          spellCheck={false}
          maxLength={256}
          required
        />
        <p id={ids.hint} className="field-hint">
          How this profile is known on your devices. You can change it later.
        </p>
      </div>
      <div className="field">
        <label htmlFor={ids.about}>
          About you <span className="optional">(optional)</span>
        </label>
        <textarea id={ids.about} value={about} onChange={(e) => setAbout(e.target.value)} rows={3} placeholder="A few words the assistant may keep in mind" />
      </div>
      {error && (
        <p id={ids.error} className="form-error" role="alert">
          {error}
        </p>
      )}
      <div className="form-actions">
        <button type="submit" className="button primary" disabled={busy || !effectiveId.trim()}>
          {busy ? 'Creating…' : submitLabel}
        </button>
      </div>
    </form>
  )
}
