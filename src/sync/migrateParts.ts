import type { KeepsakeDB } from '../store/db'
import { partDocName, partKeyOf, SPACE_DOC, userDocName } from './layout'
import type { ReplicatedStore } from './ReplicatedStore'

/** Parts moved per write: bounds what one write holds in memory (a part is a month of history). */
const PARTS_PER_WRITE = 12

/**
 * Moves the sessions and messages that a build before the split kept in user documents into the
 * parts of their months (src/sync/layout.ts), a few parts per write, then compacts each user
 * document so the moved history leaves its log. Runs on open; cheap when there is nothing to move
 * (two index counts). A session that arrives later from a device still on the old layout is
 * projected and written where it is, and moved at the next open. Returns how many sessions moved.
 *
 * Two devices that both move the same session while apart write the same values into the same
 * part: the part holds one copy after sync (Yjs keeps one of the two nested maps for the key).
 */
export async function moveLegacySessions(store: ReplicatedStore, db: KeepsakeDB): Promise<number> {
  if (!(await db.hasLegacySessions())) return 0
  const legacy = await db.sessions.filter((r) => !r.part).toArray()
  const keysOf = new Map<string, Set<string>>()
  for (const r of legacy) {
    let key: string
    try {
      key = partKeyOf(r.createdAt)
    } catch {
      continue
    }
    const keys = keysOf.get(r.uid)
    if (keys) keys.add(key)
    else keysOf.set(r.uid, new Set([key]))
  }
  let moved = 0
  for (const [uid, keys] of keysOf) {
    const sorted = [...keys].sort()
    let any = false
    for (let i = 0; i < sorted.length; i += PARTS_PER_WRITE) {
      const parts = sorted.slice(i, i + PARTS_PER_WRITE).map((k) => partDocName(uid, k))
      const n = await store.write([SPACE_DOC, userDocName(uid), ...parts], (tx) => {
        // a deleted user's documents are dropped whole (MemoryClient.finishInterruptedDeletes)
        if (!tx.space.directory.live(uid)) return 0
        return tx.user(uid).moveLegacySessions()
      })
      if (n) any = true
      moved += n
      // the parts were loaded only to be written: memory stays bounded by one batch
      store.release(parts)
    }
    if (any) await store.compact(userDocName(uid))
  }
  return moved
}
