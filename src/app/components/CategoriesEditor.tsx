import { useEffect, useState } from 'react'
import type { Category } from '../../index'
import { errorMessage } from '../lib/errors'
import { notify } from '../stores/noticeStore'
import { useSettingsStore } from '../stores/settingsStore'
import { Icon } from './Icon'

const NAME = /^[a-z][a-z0-9_]{0,49}$/

/** Why a row cannot be saved, or null. */
function problemOf(c: Category, all: Category[]): string | null {
  if (!NAME.test(c.name)) return 'Use lowercase letters, digits and _ (starting with a letter), e.g. food_preferences.'
  if (all.filter((x) => x.name === c.name).length > 1) return `“${c.name}” is listed twice.`
  return null
}

/** The space's memory categories: what the engine may file memories under. */
export function CategoriesEditor({ categories }: { categories: Category[] }) {
  const update = useSettingsStore((s) => s.update)
  const [draft, setDraft] = useState<Category[]>(categories)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)

  useEffect(() => setDraft(categories), [categories])

  const problems = draft.map((c) => problemOf(c, draft))
  const dirty = JSON.stringify(draft) !== JSON.stringify(categories)
  const edit = (i: number, patch: Partial<Category>) => setDraft(draft.map((c, j) => (j === i ? { ...c, ...patch } : c)))

  const save = async () => {
    setBusy(true)
    setError(null)
    try {
      await update({ categories: draft.map((c) => ({ name: c.name, description: c.description.trim() })) })
      notify('Categories saved', 'success')
    } catch (e) {
      setError(errorMessage(e))
    } finally {
      setBusy(false)
    }
  }

  return (
    <section className="settings-section" aria-labelledby="categories-title">
      <h3 id="categories-title" className="section-title">
        Categories
      </h3>
      <p className="field-hint">Memories are filed under these. The description tells the engine what belongs where.</p>
      <ul className="category-rows" role="list">
        {draft.map((c, i) => (
          <li key={i} className="category-row">
            <input aria-label={`Category ${i + 1} name`} value={c.name} onChange={(e) => edit(i, { name: e.target.value })} aria-invalid={!!problems[i]} spellCheck={false} autoCapitalize="none" />
            <input aria-label={`Category ${i + 1} description`} value={c.description} onChange={(e) => edit(i, { description: e.target.value })} placeholder="What belongs here" />
            <button type="button" className="icon-button small" aria-label={`Remove ${c.name || `category ${i + 1}`}`} onClick={() => setDraft(draft.filter((_, j) => j !== i))}>
              <Icon name="close" size={16} />
            </button>
            {problems[i] && <p className="form-error category-problem">{problems[i]}</p>}
          </li>
        ))}
      </ul>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <div className="form-actions spread">
        <button type="button" className="button small" onClick={() => setDraft([...draft, { name: '', description: '' }])}>
          <Icon name="plus" size={16} /> Add category
        </button>
        <span className="form-actions">
          {dirty && (
            <button type="button" className="button ghost" onClick={() => setDraft(categories)}>
              Undo changes
            </button>
          )}
          <button type="button" className="button primary" disabled={!dirty || busy || problems.some(Boolean) || draft.length === 0} onClick={save}>
            {busy ? 'Saving…' : 'Save categories'}
          </button>
        </span>
      </div>
    </section>
  )
}
