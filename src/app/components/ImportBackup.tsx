import { useId, useRef, useState, type ChangeEvent } from 'react'
import { ImportError, type ImportResult } from '../../index'
import { errorMessage } from '../lib/errors'
import { plural } from '../lib/format'
import { importText } from '../stores/backupActions'
import { notify } from '../stores/noticeStore'
import { Icon } from './Icon'

const SHOWN_CONFLICTS = 5

/** "Imported: 1 profile created, 0 merged into existing ones; 12 records added, 0 already here." */
function summaryLine({ usersCreated, usersMerged, recordsAdded, recordsSkipped, conflicts }: ImportResult): string {
  const differing = conflicts.length ? ` ${plural(conflicts.length, 'record differs', 'records differ')} and ${conflicts.length === 1 ? 'was' : 'were'} left as is.` : ''
  return `Imported: ${plural(usersCreated, 'profile')} created, ${usersMerged} merged into existing ones; ${plural(recordsAdded, 'record')} added, ${recordsSkipped} already here.${differing}`
}

function ImportSummary({ result }: { result: ImportResult }) {
  const { conflicts } = result
  return (
    <div className="import-result" role="status">
      <p>
        <Icon name="check" size={16} /> {summaryLine(result)}
      </p>
      {conflicts.length > 0 && (
        <>
          <p>These differ from what is on this device, which was kept:</p>
          <ul className="import-conflicts">
            {conflicts.slice(0, SHOWN_CONFLICTS).map((c) => (
              <li key={`${c.kind}:${c.id}`}>
                {c.kind} {c.userId ? `of ${c.userId} ` : ''}
                <code>{c.id}</code>: {c.reason}
              </li>
            ))}
            {conflicts.length > SHOWN_CONFLICTS && <li>and {conflicts.length - SHOWN_CONFLICTS} more</li>}
          </ul>
        </>
      )}
    </div>
  )
}

/** Choose a backup file and import it; says what it brought, or why it was refused (nothing changed). */
export function ImportBackup({ label = 'Import a backup…', compact = false }: { label?: string; compact?: boolean }) {
  const [busy, setBusy] = useState(false)
  const [result, setResult] = useState<ImportResult | null>(null)
  const [error, setError] = useState<string | null>(null)
  const input = useRef<HTMLInputElement>(null)
  const inputId = useId()

  const onFile = async (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0]
    e.target.value = ''
    if (!file) return
    setBusy(true)
    setResult(null)
    setError(null)
    try {
      const imported = await importText(await file.text())
      setResult(imported)
      // Also as a notice: on the first-run card the app opens as soon as the profiles are in.
      notify(summaryLine(imported), 'success')
    } catch (err) {
      const why = errorMessage(err).replace(/([^.!?])$/, '$1.')
      setError(err instanceof ImportError ? `“${file.name}” was not imported: ${why} Nothing was changed.` : `The import failed: ${why}`)
    } finally {
      setBusy(false)
    }
  }

  return (
    <div className="import-backup">
      <input id={inputId} ref={input} type="file" accept=".json,application/json" className="visually-hidden" onChange={onFile} tabIndex={-1} aria-hidden="true" />
      <button type="button" className={compact ? 'link-button' : 'button'} disabled={busy} onClick={() => input.current?.click()}>
        {!compact && <Icon name="upload" size={16} />}
        {busy ? 'Importing…' : label}
      </button>
      {result && <ImportSummary result={result} />}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </div>
  )
}
