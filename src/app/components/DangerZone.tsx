import { useState } from 'react'
import { notify } from '../stores/noticeStore'
import { useUserStore } from '../stores/userStore'
import { DeleteEverything } from './DeleteEverything'
import { ConfirmDialog } from './ConfirmDialog'

/** Deleting the current profile (its user id must be typed to confirm), or all data on this device. */
export function DangerZone({ onDeleted }: { onDeleted(): void }) {
  const view = useUserStore((s) => s.currentView)
  const remove = useUserStore((s) => s.remove)
  const [confirming, setConfirming] = useState(false)
  if (!view) return null

  return (
    <section className="settings-section danger-zone" aria-labelledby="danger-title">
      <h3 id="danger-title" className="section-title">
        Danger zone
      </h3>
      <div className="danger-row">
        <p>
          <strong>Delete this profile</strong>
          <span className="field-hint">Its chats, memories, conflicts and documents go too, on all your devices.</span>
        </p>
        <button type="button" className="button danger-outline" onClick={() => setConfirming(true)}>
          Delete profile…
        </button>
      </div>
      <DeleteEverything />
      <ConfirmDialog
        open={confirming}
        title={`Delete “${view.name || view.userId}”?`}
        phrase={view.userId}
        confirmLabel="Delete profile"
        onClose={() => setConfirming(false)}
        onConfirm={async () => {
          await remove()
          notify(`Deleted the profile “${view.userId}”`, 'success')
          onDeleted()
        }}
      >
        Everything of this profile is deleted: chats, memories, conflicts and documents. This cannot be undone.
      </ConfirmDialog>
    </section>
  )
}
