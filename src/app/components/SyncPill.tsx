import { Icon } from './Icon'

/** Sync state. Until a sync server is configured, everything stays on this device. */
export function SyncPill() {
  return (
    <span className="pill" title="Your data is stored on this device only. Set up sync in Settings to use it on your other devices.">
      <Icon name="cloudOff" size={16} />
      <span className="pill-text">Local only</span>
    </span>
  )
}
