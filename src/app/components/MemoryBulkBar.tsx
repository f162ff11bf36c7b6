import { useState } from 'react'
import { plural } from '../lib/format'
import { useMemoryStore } from '../stores/memoryStore'
import { ConfirmDialog } from './ConfirmDialog'

/** Shown while memories are selected: delete them all (with their history) or clear the selection. */
export function MemoryBulkBar() {
  const selected = useMemoryStore((s) => s.selected)
  const clear = useMemoryStore((s) => s.clearSelection)
  const removeSelected = useMemoryStore((s) => s.removeSelected)
  const [confirming, setConfirming] = useState(false)
  const count = selected.length

  return (
    <div className="bulk-bar" role="region" aria-label="Selected memories">
      <span aria-live="polite">{plural(count, 'memory', 'memories')} selected</span>
      <span className="bulk-actions">
        <button type="button" className="button small ghost" onClick={clear}>
          Clear
        </button>
        <button type="button" className="button small danger" onClick={() => setConfirming(true)}>
          Delete {count}
        </button>
      </span>
      <ConfirmDialog
        open={confirming}
        title={`Delete ${plural(count, 'memory', 'memories')}?`}
        confirmLabel={`Delete ${plural(count, 'memory', 'memories')}`}
        onClose={() => setConfirming(false)}
        onConfirm={removeSelected}
      >
        Each selected memory is deleted with all of its earlier versions, on all your devices. Your chats stay as they are. You can undo it for a few seconds.
      </ConfirmDialog>
    </div>
  )
}
