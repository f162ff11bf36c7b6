import { useEffect, useId, useState } from 'react'
import type { JsonObject } from '../../index'
import { errorMessage } from '../lib/errors'
import { notify } from '../stores/noticeStore'
import { useUserStore } from '../stores/userStore'

const pretty = (m: JsonObject) => JSON.stringify(m, null, 2)

/** Parses the editor's text: the object, or why it is not one. */
function parseMetadata(text: string): { value: JsonObject } | { problem: string } {
  if (!text.trim()) return { value: {} }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (e) {
    return { problem: `Not valid JSON: ${(e as Error).message}` }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { problem: 'Metadata must be a JSON object, like {"team": "blue"}.' }
  }
  return { value: parsed as JsonObject }
}

/** Free-form JSON about the user, checked as it is typed; saving replaces the whole object. */
export function MetadataEditor({ metadata }: { metadata: JsonObject }) {
  const update = useUserStore((s) => s.update)
  const [text, setText] = useState(pretty(metadata))
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const ids = { input: useId(), status: useId() }
  const stored = pretty(metadata)

  // The stored metadata changed (saved here, or on another device): shown again, unless the person
  // is typing. Keyed by its text, not the object: a profile read again (after a rename, a sync) with
  // the same metadata must not wipe what is being typed.
  const [base, setBase] = useState(stored)
  useEffect(() => {
    if (stored === base) return
    setBase(stored)
    setText((current) => (current === base ? stored : current))
  }, [stored, base])

  const parsed = parseMetadata(text)
  const problem = 'problem' in parsed ? parsed.problem : null
  const dirty = 'value' in parsed ? pretty(parsed.value) !== stored : true

  const save = async () => {
    if (!('value' in parsed)) return
    setBusy(true)
    setError(null)
    try {
      await update({ newMetadata: parsed.value })
      // shown as stored (formatted)
      setText(pretty(parsed.value))
      notify('Metadata saved', 'success')
    } catch (e) {
      setError(errorMessage(e))
    } finally {
      setBusy(false)
    }
  }

  return (
    <section className="panel-section form" aria-labelledby={`${ids.input}-h`}>
      <h3 id={`${ids.input}-h`} className="section-title">
        Metadata
      </h3>
      <div className="field">
        <label htmlFor={ids.input}>JSON object</label>
        <textarea
          id={ids.input}
          className="code-input"
          value={text}
          rows={Math.min(12, Math.max(3, text.split('\n').length))}
          spellCheck={false}
          aria-invalid={!!problem}
          aria-describedby={ids.status}
          onChange={(e) => setText(e.target.value)}
        />
        <p id={ids.status} className={problem || error ? 'form-error' : 'field-hint'} aria-live="polite">
          {problem ?? error ?? 'Labels for your own use, e.g. {"timezone": "Europe/Berlin"}. Sessions and users can be filtered by them.'}
        </p>
      </div>
      <div className="form-actions">
        <button type="button" className="button primary" disabled={!!problem || !dirty || busy} onClick={save}>
          {busy ? 'Saving…' : 'Save metadata'}
        </button>
      </div>
    </section>
  )
}
