import { useId, useRef, useState, type ChangeEvent } from 'react'
import { ImportError, type ImportResult } from '../../index'
import { errorMessage } from '../lib/errors'
import { plural } from '../lib/format'
import { importText } from '../stores/backupActions'
import { Icon } from './Icon'

const SHOWN_CONFLICTS = 5

function ImportSummary({ result }: { result: ImportResult }) {
  const { usersCreated, usersMerged, recordsAdded, recordsSkipped, conflicts } = result
  return (
    <div className="import-result" role="status">
      <p>
        <Icon name="check" size={16} /> <strong>Imported.</strong> {plural(usersCreated, 'profile')} created, {usersMerged} merged into existing ones;{' '}
        {plural(recordsAdded, 'record')} added, {recordsSkipped} already here.
      </p>
      {conflicts.length > 0 && (
        <>
          <p>
            {plural(conflicts.length, 'record differs', 'records differ')} from what is on this device and {conflicts.length === 1 ? 'was' : 'were'} left as
            {conflicts.length === 1 ? ' it is' : ' they are'}:
          </p>
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
export function ImportBackup({ label = 'Import a backup…' }: { label?: string }) {
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
      setResult(await importText(await file.text()))
    } catch (err) {
      const why = errorMessage(err)
      setError(err instanceof ImportError ? `“${file.name}” was not imported: ${why} Nothing was changed.` : `The import failed: ${why}`)
    } finally {
      setBusy(false)
    }
  }

  return (
    <div className="import-backup">
      <input id={inputId} ref={input} type="file" accept=".json,application/json" className="visually-hidden" onChange={onFile} tabIndex={-1} aria-hidden="true" />
      <button type="button" className="button" disabled={busy} onClick={() => input.current?.click()}>
        <Icon name="upload" size={16} />
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
