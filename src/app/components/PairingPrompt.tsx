import { useState } from 'react'
import { errorMessage } from '../lib/errors'
import { plural } from '../lib/format'
import { useSyncStore } from '../stores/syncStore'
import { Dialog } from './Dialog'
import { Icon } from './Icon'

/**
 * Asks before this device joins the space of a pairing link (#pair=... in the address, or pasted
 * in Settings): its own data merges into the space, so the person must know that first.
 */
export function PairingPrompt() {
  const pairing = useSyncStore((s) => s.pairing)
  const current = useSyncStore((s) => s.config)
  const join = useSyncStore((s) => s.join)
  const dismiss = useSyncStore((s) => s.dismissPairing)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)

  const close = () => {
    setError(null)
    dismiss()
  }

  if (pairing && 'error' in pairing) {
    return (
      <Dialog open title="This pairing link can’t be used" onClose={close}>
        <p className="confirm-text">{pairing.error}</p>
        <p className="confirm-text">On the device that already syncs, open Settings, Sync, copy the pairing link again, and open it whole on this device.</p>
        <div className="dialog-actions">
          <button type="button" className="button primary" onClick={close} autoFocus>
            OK
          </button>
        </div>
      </Dialog>
    )
  }

  const payload = pairing?.payload
  const localProfiles = pairing?.localProfiles ?? 0
  const confirm = async () => {
    if (!payload) return
    setBusy(true)
    setError(null)
    try {
      await join(payload)
    } catch (e) {
      setError(errorMessage(e))
    } finally {
      setBusy(false)
    }
  }

  return (
    <Dialog open={!!payload} title="Join your synced devices?" onClose={close}>
      {payload && (
        <div className="pairing-confirm">
          <p className="confirm-text">
            This device will sync through the server at <code className="sync-url">{payload.url}</code> with the devices that share this link.
          </p>
          {localProfiles > 0 ? (
            <div className="sync-merge-warning" role="note">
              <Icon name="warning" size={18} />
              <p>
                <strong>The data on this device merges with theirs.</strong> Its {plural(localProfiles, 'profile')}, with their chats and memories, will be shared with those devices, and theirs
                will appear here. Nothing is replaced; if both have a profile with the same id, you will be asked to rename one.
              </p>
            </div>
          ) : (
            <p className="confirm-text">This device has no profiles yet: it receives the profiles, chats and memories of your other devices.</p>
          )}
          {current && current.spaceId !== payload.spaceId && (
            <p className="confirm-text">This device syncs with another space now. It leaves that space; what it already has stays here and merges too.</p>
          )}
          {error && (
            <p className="form-error" role="alert">
              {error}
            </p>
          )}
          <div className="dialog-actions">
            <button type="button" className="button" onClick={close}>
              Cancel
            </button>
            <button type="button" className="button primary" onClick={confirm} disabled={busy} autoFocus>
              {busy ? 'Joining…' : localProfiles > 0 ? 'Join and merge' : 'Join'}
            </button>
          </div>
        </div>
      )}
    </Dialog>
  )
}
