import type { MemoryRecord } from '../core/types'
import type { MemoryOps } from '../core/versions'
import type { UserView } from '../sync/schema/views'

/**
 * Checks that what the ops change is still as it was read: the memories they expire or patch exist,
 * and the ones they expire are still live. A session processed while the user deleted a memory is
 * then failed rather than applied over changed state.
 */
export function opsStillApply(user: UserView, ops: MemoryOps, read: Map<string, MemoryRecord>): boolean {
  for (const p of ops.patch) {
    const before = read.get(p.memoryId)
    const now = user.memories.get(p.memoryId)
    if (!before) continue // created earlier in the same batch
    if (!now || (now.expiredAt ?? null) !== (before.expiredAt ?? null)) return false
  }
  return true
}
