import { useId, useState, type FormEvent } from 'react'
import { errorMessage } from '../lib/errors'
import { useDocStore } from '../stores/docStore'
import { notify } from '../stores/noticeStore'

/** Title and text of a new document. */
export function AddDocForm({ onDone }: { onDone(): void }) {
  const add = useDocStore((s) => s.add)
  const [title, setTitle] = useState('')
  const [content, setContent] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const ids = { title: useId(), content: useId() }

  const submit = async (e: FormEvent) => {
    e.preventDefault()
    setBusy(true)
    setError(null)
    try {
      await add(title, content)
      notify(`Added “${title.trim()}”`, 'success')
      onDone()
    } catch (err) {
      setError(errorMessage(err))
    } finally {
      setBusy(false)
    }
  }

  return (
    <form className="form add-doc" onSubmit={submit}>
      <div className="field">
        <label htmlFor={ids.title}>Title</label>
        <input id={ids.title} value={title} onChange={(e) => setTitle(e.target.value)} autoFocus />
      </div>
      <div className="field">
        <label htmlFor={ids.content}>Text</label>
        <textarea id={ids.content} value={content} onChange={(e) => setContent(e.target.value)} rows={5} />
      </div>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <div className="form-actions">
        <button type="button" className="button ghost" onClick={onDone}>
          Cancel
        </button>
        <button type="submit" className="button primary" disabled={busy || !title.trim() || !content.trim()}>
          {busy ? 'Adding…' : 'Add document'}
        </button>
      </div>
    </form>
  )
}
