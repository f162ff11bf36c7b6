import type { SyncStatus } from '../../index'
import { plural } from '../lib/format'
import { explainSync } from '../lib/syncConfig'
import { useSyncStore } from '../stores/syncStore'
import { useUiStore } from '../stores/uiStore'
import { Icon, type IconName } from './Icon'

function describe(s: SyncStatus, unreachable: boolean): { text: string; title: string; icon: IconName; tone: string } {
  switch (s.state) {
    case 'disabled':
      return { text: 'Local only', icon: 'cloudOff', tone: '', title: 'Your data is stored on this device only. Set up sync with your other devices in Settings.' }
    case 'offline':
      return unreachable && navigator.onLine
        ? { text: 'Offline', icon: 'cloudOff', tone: 'warn', title: `Can’t reach the sync server at ${s.url ?? 'its address'}. Everything still works here; changes sync once it answers.` }
        : { text: 'Offline', icon: 'cloudOff', tone: 'warn', title: 'This device is offline. Everything still works here; changes sync when you are back online.' }
    case 'connecting':
      return { text: 'Connecting…', icon: 'cloud', tone: '', title: `Connecting to ${s.url ?? 'the sync server'}` }
    case 'syncing': {
      const received = receivedPercent(s)
      if (received !== null) return { text: `Receiving ${received}%`, icon: 'cloud', tone: '', title: `Receiving your history from your other devices: ${s.progress!.synced} of ${s.progress!.total} parts are here. Everything already here works.` }
      return { text: s.pendingChanges ? `Syncing ${plural(s.pendingChanges, 'change')}` : 'Syncing…', icon: 'cloud', tone: '', title: 'Sending and receiving changes' }
    }
    case 'synced':
      return { text: 'Synced', icon: 'cloud', tone: 'ok', title: s.lastSyncedAt ? `Up to date (last synced ${s.lastSyncedAt.toLocaleString()})` : 'Up to date' }
    case 'error': {
      const problem = explainSync(s, unreachable)
      return { text: 'Sync error', icon: 'cloudOff', tone: 'bad', title: `${problem?.title ?? 'Sync stopped'}. Your data is safe on this device. Open Settings to see what to do.` }
    }
  }
}

/** How much of what this device is to hold has arrived, in percent, while more than one document is still on its way (a device that joined, or was away long). */
export function receivedPercent(s: SyncStatus): number | null {
  const p = s.progress
  if (!p || p.total < 2 || p.total - p.synced < 2) return null
  return Math.floor((100 * p.synced) / p.total)
}

/** Opens Settings at the Sync section. */
export function openSyncSettings(): void {
  useUiStore.getState().setSettingsOpen(true)
  // The section renders with the dialog: scroll the settings list (only it, not the dialog) once it is there.
  requestAnimationFrame(() =>
    requestAnimationFrame(() => {
      const section = document.getElementById('sync-settings')
      const list = section?.closest('.settings')
      if (section && list) list.scrollTop += section.getBoundingClientRect().top - list.getBoundingClientRect().top
    }),
  )
}

/** Sync state: Local only / Offline / Syncing 3 changes / Synced / Sync error. Opens the sync settings. */
export function SyncPill() {
  const status = useSyncStore((s) => s.status)
  const unreachable = useSyncStore((s) => s.unreachable)
  const unreadable = useSyncStore((s) => s.unreadable.length)
  const d = describe(status, unreachable)
  const note = unreadable ? `${plural(unreadable, 'record')} from another device could not be read` : ''
  return (
    <button
      type="button"
      className={`pill pill-button sync-pill${d.tone ? ` pill-${d.tone}` : ''}`}
      title={note ? `${d.title}\n${note}: see Settings, Sync.` : d.title}
      aria-label={`Sync: ${d.text}${note ? `. ${note}` : ''}`}
      aria-haspopup="dialog"
      onClick={openSyncSettings}
    >
      <Icon name={d.icon} size={16} />
      <span className="pill-text">{d.text}</span>
      {unreadable > 0 && (
        <span className="sync-pill-badge" aria-hidden="true">
          {unreadable > 99 ? '99+' : unreadable}
        </span>
      )}
    </button>
  )
}
