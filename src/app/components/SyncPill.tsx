import type { SyncStatus } from '../../index'
import { plural } from '../lib/format'
import { useSyncStore } from '../stores/syncStore'
import { Icon, type IconName } from './Icon'

function describe(s: SyncStatus): { text: string; title: string; icon: IconName; tone: string } {
  switch (s.state) {
    case 'disabled':
      return { text: 'Local only', icon: 'cloudOff', tone: '', title: 'Your data is stored on this device only. Sync with your other devices can be set up later.' }
    case 'offline':
      return { text: 'Offline', icon: 'cloudOff', tone: 'warn', title: 'No connection to the sync server. Everything still works here; changes sync when you are back online.' }
    case 'connecting':
      return { text: 'Connecting…', icon: 'cloud', tone: '', title: `Connecting to ${s.url ?? 'the sync server'}` }
    case 'syncing':
      return { text: s.pendingChanges ? `Syncing ${plural(s.pendingChanges, 'change')}` : 'Syncing…', icon: 'cloud', tone: '', title: 'Sending and receiving changes' }
    case 'synced':
      return { text: 'Synced', icon: 'cloud', tone: 'ok', title: s.lastSyncedAt ? `Up to date (last synced ${s.lastSyncedAt.toLocaleString()})` : 'Up to date' }
    case 'error':
      return { text: 'Sync error', icon: 'cloudOff', tone: 'bad', title: `Sync stopped: ${s.error ?? 'unknown reason'}. Your data is safe on this device.` }
  }
}

/** Sync state: Local only / Offline / Syncing 3 changes / Synced / Sync error (why, on hover). */
export function SyncPill() {
  const status = useSyncStore((s) => s.status)
  const d = describe(status)
  return (
    <span className={`pill${d.tone ? ` pill-${d.tone}` : ''}`} title={d.title} role="status">
      <Icon name={d.icon} size={16} />
      <span className="pill-text">{d.text}</span>
    </span>
  )
}
