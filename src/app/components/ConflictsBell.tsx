import { openConflictCount, useConflictStore } from '../stores/conflictStore'
import { useUiStore } from '../stores/uiStore'
import { Icon } from './Icon'

/** Appears once the user has conflicts; the count is how many wait for an answer. */
export function ConflictsBell() {
  const conflicts = useConflictStore((s) => s.conflicts)
  const openDrawer = useUiStore((s) => s.openDrawer)
  if (conflicts.length === 0) return null
  const open = openConflictCount(conflicts)
  const label = open ? `Conflicts: ${open} waiting for your answer` : 'Conflicts: none waiting'
  return (
    <button type="button" className="icon-button bell" aria-label={label} title={label} onClick={() => openDrawer('conflicts')}>
      <Icon name="bell" />
      {open > 0 && (
        <span className="bell-count" aria-hidden="true">
          {open}
        </span>
      )}
    </button>
  )
}
