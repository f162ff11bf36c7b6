import type * as Y from 'yjs'
import type { MemoryRecord } from '../core/types'
import type { MemoryOps } from '../core/versions'
import { patchFields, readRecord, setRecord } from '../sync/layout'

/** The user's memory versions as held in the Y document (the state the version rules read). */
export function memoryState(udoc: Y.Doc): Map<string, MemoryRecord> {
  const state = new Map<string, MemoryRecord>()
  udoc.getMap('memories').forEach((v, id) => {
    const r = readRecord<MemoryRecord>(v)
    if (r) state.set(id, { ...r, memoryId: id })
  })
  return state
}

/** Writes the operations into the user's document. Call inside a local Y transaction. */
export function writeOps(udoc: Y.Doc, ops: MemoryOps): void {
  const memories = udoc.getMap('memories')
  // A later fact of the same batch may change a version an earlier fact created: fold that in.
  const inserted = new Map(ops.insert.map((m) => [m.memoryId, { ...m }]))
  for (const id of ops.remove) {
    inserted.delete(id)
    memories.delete(id)
  }
  for (const p of ops.patch) {
    const fresh = inserted.get(p.memoryId)
    if (fresh) Object.assign(fresh, p.fields)
    else {
      const m = memories.get(p.memoryId) as Y.Map<unknown> | undefined
      if (m) patchFields(m, p.fields as Record<string, unknown>)
    }
  }
  for (const m of inserted.values()) setRecord(memories, m.memoryId, m, true)
  const connections = udoc.getMap('connections')
  for (const id of ops.disconnect) connections.delete(id)
  for (const c of ops.connect) if (!connections.has(c.connectionId)) setRecord(connections, c.connectionId, c, false)
  const conflicts = udoc.getMap('conflicts')
  for (const id of ops.dropConflicts) conflicts.delete(id)
  // A conflict with a derived id (see splitChainOps) may exist already: it is never raised twice.
  for (const c of ops.conflicts) if (!conflicts.has(c.conflictId)) setRecord(conflicts, c.conflictId, c, true)
}

/**
 * Checks that what the ops change is still as it was read: the memories they expire or patch exist,
 * and the ones they expire are still live. A session processed while the user deleted a memory is
 * then failed rather than applied over changed state.
 */
export function opsStillApply(udoc: Y.Doc, ops: MemoryOps, read: Map<string, MemoryRecord>): boolean {
  const memories = udoc.getMap('memories')
  for (const p of ops.patch) {
    const before = read.get(p.memoryId)
    const now = readRecord<MemoryRecord>(memories.get(p.memoryId))
    if (!before) continue // created earlier in the same batch
    if (!now || (now.expiredAt ?? null) !== (before.expiredAt ?? null)) return false
  }
  return true
}
