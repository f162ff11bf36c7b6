import { useState } from 'react'
import { deleteEverything } from '../stores/backupActions'
import { ConfirmDialog } from './ConfirmDialog'

/** "Delete all my data": every profile, chat and memory on this device; a phrase must be typed. */
export function DeleteEverything() {
  const [open, setOpen] = useState(false)
  return (
    <>
      <div className="danger-row">
        <p>
          <strong>Delete all my data</strong>
          <span className="field-hint">Every profile, chat, memory and setting stored in this browser. Export a backup first if you may want it back.</span>
        </p>
        <button type="button" className="button danger-outline" onClick={() => setOpen(true)}>
          Delete everything…
        </button>
      </div>
      <ConfirmDialog
        open={open}
        title="Delete all data on this device?"
        phrase="delete everything"
        confirmLabel="Delete everything"
        onConfirm={deleteEverything}
        onClose={() => setOpen(false)}
      >
        Every profile with its chats, memories, conflicts and documents, and the settings, are deleted from this browser; Keepsake then starts as new.
        Devices you sync with keep their copy. This cannot be undone.
      </ConfirmDialog>
    </>
  )
}
