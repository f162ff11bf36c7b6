import { useEffect } from 'react'
import { formatBytes } from '../lib/bytes'
import { useStorageStore } from '../stores/storageStore'
import { useSyncStore } from '../stores/syncStore'
import { Icon } from './Icon'

const NEARLY_FULL = 0.9

/**
 * Storage: whether the browser promised to keep Keepsake's data, asking it to, and how much room
 * the data and the downloaded models take of what the browser allows. Warns when the data could
 * be evicted (not persistent, and no copy on another device).
 */
export function StorageSettings() {
  const { supported, persisted, usage, answer, requesting, refresh, request } = useStorageStore()
  const syncOff = useSyncStore((s) => s.status.state === 'disabled')

  useEffect(() => {
    void refresh()
  }, [])

  if (!supported) {
    return (
      <section className="settings-section" aria-labelledby="storage-title">
        <h3 id="storage-title" className="section-title">
          Storage
        </h3>
        <p className="field-hint">This browser does not say how much it stores or whether it keeps the data. Export a backup now and then.</p>
      </section>
    )
  }

  const share = usage && usage.quota > 0 ? usage.usage / usage.quota : 0
  const atRisk = persisted === false && syncOff
  return (
    <section className="settings-section storage-settings" aria-labelledby="storage-title">
      <h3 id="storage-title" className="section-title">
        Storage
      </h3>

      <div className="storage-row">
        <p className="storage-persist" role="status">
          <Icon name={persisted ? 'check' : 'disk'} size={18} />
          {persisted === null ? (
            'Checking whether this browser keeps the data…'
          ) : persisted ? (
            <span>
              <strong>Persistent storage: on.</strong> The browser keeps Keepsake’s data until you delete it.
            </span>
          ) : (
            <span>
              <strong>Persistent storage: off.</strong> The browser may clear Keepsake’s data when the device runs short of space.
            </span>
          )}
        </p>
        {persisted === false && (
          <button type="button" className="button small" disabled={requesting} onClick={() => void request()}>
            {requesting ? 'Asking…' : 'Ask to keep my data'}
          </button>
        )}
      </div>
      {answer && (
        <p className={`storage-answer ${answer}`} role="status">
          {answer === 'granted'
            ? 'The browser agreed: your data stays until you delete it.'
            : 'The browser said no for now. Browsers decide by how you use a site: installing Keepsake as an app or bookmarking it often helps; you can ask again later.'}
        </p>
      )}
      {atRisk && (
        <div className="callout callout-warn storage-warning" role="alert">
          <Icon name="warning" size={18} />
          <p>
            <strong>Your data has no safety net.</strong> It is not kept persistently and not synced to another device, so the browser could delete it
            to free space. Allow persistent storage, set up sync, or export a backup below.
          </p>
        </div>
      )}

      {usage && (
        <div className="storage-usage">
          <p>
            Using <strong>{formatBytes(usage.usage)}</strong> of <strong>{formatBytes(usage.quota)}</strong> this browser allows ({(share * 100).toFixed(share < 0.01 ? 2 : 0)}%)
          </p>
          <div className="usage-bar" aria-hidden="true">
            {usage.details ? (
              <>
                <span className="usage-data" style={{ width: `${(usage.details.indexedDB / Math.max(usage.quota, 1)) * 100}%` }} />
                <span className="usage-models" style={{ width: `${(usage.details.caches / Math.max(usage.quota, 1)) * 100}%` }} />
              </>
            ) : (
              <span className="usage-data" style={{ width: `${share * 100}%` }} />
            )}
          </div>
          {usage.details && (
            <ul className="usage-legend">
              <li>
                <span className="swatch usage-data" aria-hidden="true" /> Chats, memories and profiles: {formatBytes(usage.details.indexedDB)}
              </li>
              <li>
                <span className="swatch usage-models" aria-hidden="true" /> Downloaded models and app files: {formatBytes(usage.details.caches)}
              </li>
              {usage.details.other > 0 && <li>Other: {formatBytes(usage.details.other)}</li>}
            </ul>
          )}
          {share >= NEARLY_FULL && (
            <p className="form-error" role="alert">
              Storage is nearly full: new messages may not be saved. Delete a downloaded model or old chats, or export a backup and delete what you no longer
              need.
            </p>
          )}
        </div>
      )}
    </section>
  )
}
