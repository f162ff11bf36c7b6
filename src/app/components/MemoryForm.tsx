import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent } from 'react'
import type { MemoryInput } from '../../index'
import { errorMessage } from '../lib/errors'
import { categoryLabel } from '../lib/memoryText'
import { useSettingsStore } from '../stores/settingsStore'
import { Icon } from './Icon'

interface MemoryFormProps {
  /** what the form starts with (the memory being edited; empty for a new one) */
  initial: { content: string; categories: string[] }
  submitLabel: string
  busyLabel: string
  /** saves; a refusal (a typed error) is shown in the form, which stays open */
  onSubmit(memory: MemoryInput): Promise<void>
  onCancel(): void
}

/**
 * The text and categories of a memory, as the person states them: editing one in place, or adding
 * one by hand. Ctrl/⌘+Enter saves, Escape cancels.
 */
export function MemoryForm({ initial, submitLabel, busyLabel, onSubmit, onCancel }: MemoryFormProps) {
  const settings = useSettingsStore((s) => s.settings)
  const loadSettings = useSettingsStore((s) => s.load)
  const [content, setContent] = useState(initial.content)
  const [categories, setCategories] = useState(initial.categories)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const textId = useId()
  const hintId = useId()
  const text = useRef<HTMLTextAreaElement>(null)

  useEffect(() => {
    if (!settings) void loadSettings()
  }, [settings, loadSettings])

  useEffect(() => {
    // the caret at the end, ready to correct the last words
    const t = text.current
    if (!t) return
    t.focus()
    t.setSelectionRange(t.value.length, t.value.length)
  }, [])

  // every category of the space, and any the memory has that the space no longer lists
  const names = [...new Set([...(settings?.categories.map((c) => c.name) ?? []), ...initial.categories])]
  const others = names.filter((n) => !categories.includes(n))
  const toggle = (name: string) => setCategories(categories.includes(name) ? categories.filter((c) => c !== name) : [...categories, name])

  const submit = async (e?: FormEvent) => {
    e?.preventDefault()
    if (!content.trim() || busy) return
    setBusy(true)
    setError(null)
    try {
      await onSubmit({ content, categories })
    } catch (err) {
      setError(errorMessage(err))
    } finally {
      setBusy(false)
    }
  }

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      // the form closes, not the panel around it
      e.stopPropagation()
      e.preventDefault()
      onCancel()
    } else if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault()
      void submit()
    }
  }

  return (
    <form className="memory-form" onSubmit={submit} onKeyDown={onKeyDown}>
      <label htmlFor={textId} className="visually-hidden">
        Memory
      </label>
      <textarea
        id={textId}
        ref={text}
        value={content}
        onChange={(e) => setContent(e.target.value)}
        rows={Math.min(6, Math.max(2, Math.ceil(content.length / 48)))}
        aria-describedby={hintId}
        placeholder="What should Keepsake remember?"
      />
      <div className="memory-form-categories">
        {categories.length > 0 && (
          <div className="chips" role="group" aria-label="Categories">
            {categories.map((name) => (
              <button key={name} type="button" className="chip active" aria-label={`Remove category ${categoryLabel(name)}`} onClick={() => toggle(name)}>
                {categoryLabel(name)} <Icon name="close" size={12} />
              </button>
            ))}
          </div>
        )}
        {others.length > 0 && (
          <select
            className="category-picker"
            aria-label="Add a category"
            value=""
            onChange={(e) => {
              if (e.target.value) toggle(e.target.value)
            }}
          >
            <option value="">{categories.length ? '+ category' : '+ add a category'}</option>
            {others.map((name) => (
              <option key={name} value={name}>
                {categoryLabel(name)}
              </option>
            ))}
          </select>
        )}
      </div>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <div className="memory-form-actions">
        <button type="button" className="button small ghost" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="button small primary" disabled={busy || !content.trim()}>
          {busy ? busyLabel : submitLabel}
        </button>
      </div>
      <p id={hintId} className="muted field-hint memory-form-hint">
        Ctrl+Enter saves · Esc cancels
      </p>
    </form>
  )
}
