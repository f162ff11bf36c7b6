import type { UserMemoryItem } from '../../index'
import { longDate } from '../lib/format'
import { reasonLabel } from '../lib/memoryText'
import { Icon } from './Icon'

/** The memory's versions, newest first: what each said, and why and when it changed. */
export function VersionTimeline({ id, item, onDelete }: { id: string; item: UserMemoryItem; onDelete(version: UserMemoryItem): void }) {
  const earlier = item.previousVersions ?? []
  return (
    <ol id={id} className="timeline" aria-label="Versions">
      <li className="timeline-item current">
        <span className="timeline-dot" aria-hidden="true" />
        <div className="timeline-body">
          <p className="timeline-head">
            <strong>v{item.versionNumber}</strong> · now · {item.byUser ? 'written by you' : 'recorded'} <time dateTime={item.createdAt.toISOString()}>{longDate(item.createdAt)}</time>
          </p>
        </div>
      </li>
      {earlier.map((v) => (
        <li key={v.memoryId} className="timeline-item">
          <span className="timeline-dot" aria-hidden="true" />
          <div className="timeline-body">
            <p className="timeline-head">
              <strong>v{v.versionNumber}</strong> · {v.byUser ? 'written by you' : 'recorded'} <time dateTime={v.createdAt.toISOString()}>{longDate(v.createdAt)}</time>
            </p>
            <p className="timeline-content">{v.content}</p>
            <p className="timeline-end muted">
              {reasonLabel(v.expirationReason)}
              {v.expiredAt && (
                <>
                  {' '}
                  on <time dateTime={v.expiredAt.toISOString()}>{longDate(v.expiredAt)}</time>
                </>
              )}
            </p>
          </div>
          <button type="button" className="icon-button small" aria-label={`Delete version ${v.versionNumber}`} onClick={() => onDelete(v)}>
            <Icon name="trash" size={14} />
          </button>
        </li>
      ))}
      {earlier.length === 0 && <li className="timeline-empty muted">No earlier versions: this is how it was first recorded.</li>}
    </ol>
  )
}
