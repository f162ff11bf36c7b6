import { useEffect, useId, useState } from 'react'
import type { SpaceSettings } from '../../index'
import { errorMessage } from '../lib/errors'
import { notify } from '../stores/noticeStore'
import { useSettingsStore } from '../stores/settingsStore'
import { useUserStore } from '../stores/userStore'

type ProfileChoice = 'inherit' | 'on' | 'off'

/** Whether contradictions become questions: for every profile, and an override for this one. */
export function ConflictSettings({ settings }: { settings: SpaceSettings }) {
  const update = useSettingsStore((s) => s.update)
  const view = useUserStore((s) => s.currentView)
  const updateUser = useUserStore((s) => s.update)
  const [error, setError] = useState<string | null>(null)
  // Shown at once; the stored setting follows (and wins back if saving fails).
  const [enabled, setEnabled] = useState(settings.mergeConflictsEnabled)
  useEffect(() => setEnabled(settings.mergeConflictsEnabled), [settings.mergeConflictsEnabled])
  const ids = { toggle: useId(), select: useId(), hint: useId() }
  const choice: ProfileChoice = view?.mergeConflictEnabled === null || view?.mergeConflictEnabled === undefined ? 'inherit' : view.mergeConflictEnabled ? 'on' : 'off'

  const run = async (fn: () => Promise<void>, done: string) => {
    setError(null)
    try {
      await fn()
      notify(done, 'success')
    } catch (e) {
      setError(errorMessage(e))
    }
  }

  return (
    <section className="settings-section" aria-labelledby={`${ids.toggle}-h`}>
      <h3 id={`${ids.toggle}-h`} className="section-title">
        Contradictions
      </h3>
      <label className="switch-row" htmlFor={ids.toggle}>
        <input
          id={ids.toggle}
          type="checkbox"
          role="switch"
          checked={enabled}
          aria-describedby={ids.hint}
          onChange={(e) => {
            const on = e.target.checked
            setEnabled(on)
            void run(() => update({ mergeConflictsEnabled: on }), on ? 'Keepsake will ask about contradictions' : 'Newest facts now win').then(() =>
              setEnabled(useSettingsStore.getState().settings?.mergeConflictsEnabled ?? on),
            )
          }}
        />
        <span>Ask me when something contradicts an earlier memory</span>
      </label>
      <p id={ids.hint} className="field-hint">
        Off: the newest statement wins at once, and the old one stays in the memory’s history.
      </p>
      {view && (
        <div className="field inline-field">
          <label htmlFor={ids.select}>For {view.name || view.userId}</label>
          <select
            id={ids.select}
            value={choice}
            onChange={(e) => {
              const v = e.target.value as ProfileChoice
              void run(() => updateUser({ mergeConflictEnabled: v === 'inherit' ? null : v === 'on' }), 'Profile setting saved')
            }}
          >
            <option value="inherit">As above ({settings.mergeConflictsEnabled ? 'ask' : 'newest wins'})</option>
            <option value="on">Always ask</option>
            <option value="off">Never ask: newest wins</option>
          </select>
        </div>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </section>
  )
}
