import { plural } from '../lib/format'
import { useSyncStore, type UnreadableRecord } from '../stores/syncStore'
import { Icon } from './Icon'

const KIND: Record<UnreadableRecord['kind'], string> = {
  settings: 'Space settings',
  directory: 'A profile list entry',
  profile: 'A profile',
  doc: 'A document',
  session: 'A chat',
  message: 'A message',
  memory: 'A memory',
  connection: 'A memory link',
  conflict: 'A conflict',
}

/** A hostile peer can send thousands: the list shows the first ones and says how many more. */
const SHOWN = 50

function kindLabel(kind: string): string {
  return KIND[kind as UnreadableRecord['kind']] ?? `A record (${kind})`
}

/** "N records from another device could not be read": what they are and what was wrong, behind a disclosure. Nothing when there are none. */
export function UnreadableRecords() {
  const records = useSyncStore((s) => s.unreadable)
  if (records.length === 0) return null
  return (
    <div className="sync-merge-warning sync-unreadable" data-testid="unreadable-records">
      <Icon name="warning" size={18} />
      <div>
        <p className="sync-problem-title">{plural(records.length, 'record')} from another device could not be read</p>
        <p>
          {records.length === 1 ? 'It is kept as it arrived but not shown' : 'They are kept as they arrived but not shown'}, and everything else works. A newer Keepsake
          may read {records.length === 1 ? 'it' : 'them'}; a later correct change of the same record replaces {records.length === 1 ? 'it' : 'them'}.
        </p>
        <details className="sync-unreadable-details">
          <summary>What could not be read</summary>
          <ul className="sync-unreadable-list">
            {records.slice(0, SHOWN).map((r) => (
              <li key={r.key}>
                <span className="sync-unreadable-kind">
                  {kindLabel(r.kind)}
                  {r.userId !== null && <span className="sync-unreadable-user"> of {r.userId}</span>}
                </span>
                <span className="sync-unreadable-problem">{r.problem}</span>
                <code className="sync-unreadable-id" title="The record’s id">
                  {r.recordId}
                </code>
              </li>
            ))}
          </ul>
          {records.length > SHOWN && <p className="field-hint">and {plural(records.length - SHOWN, 'more record')}</p>}
        </details>
      </div>
    </div>
  )
}
