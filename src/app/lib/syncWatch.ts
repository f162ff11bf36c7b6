import type { MemoryClient, User } from '../../index'

/**
 * Notices changes that arrive from other devices while sync stays "Synced" (the status does not
 * move when only the other side wrote). Every few seconds it reads a small fingerprint of what the
 * app shows through the public API (the profiles, and the current profile's newest memory, memory
 * count and conflict states) and calls `onChange` when it differs. Chats and messages are already
 * re-read by the app's own session poll.
 */

const EVERY_MS = 2500

async function fingerprint(client: MemoryClient, user: User | null): Promise<string> {
  const { users } = await client.listUsers({ limit: 100 })
  const parts = [users.map((u) => `${u.uid}:${u.userId}:${u.updatedAt.getTime()}`).join(',')]
  const settings = await client.getSettings()
  parts.push(JSON.stringify(settings))
  if (user) {
    const memories = await user.listMemories({ limit: 1, includePreviousVersions: false, includeConnectedMemories: false })
    parts.push(`${memories.total}:${memories.items[0]?.memoryId ?? ''}`)
    const { conflicts } = await user.listMergeConflicts({ limit: 100 })
    parts.push(conflicts.map((c) => `${c.conflictId}:${c.status}`).join(','))
    const { total } = await user.listDocs({ limit: 1 })
    parts.push(String(total))
  }
  return parts.join('|')
}

/** Starts watching; `active()` says whether to look now (sync connected, page visible). Returns the stop. */
export function watchRemoteChanges(opts: { client: MemoryClient; user(): User | null; active(): boolean; onChange(): void }): () => void {
  let last: string | null = null
  let lastUid: string | null = null
  let busy = false
  const tick = async () => {
    if (busy || !opts.active()) return
    busy = true
    try {
      const user = opts.user()
      const next = await fingerprint(opts.client, user)
      const uid = user?.uid ?? null
      // A new current profile is loaded by the app itself: only a change under the same profile counts.
      if (last !== null && uid === lastUid && next !== last) opts.onChange()
      last = next
      lastUid = uid
    } catch {
      /* the user may have been deleted meanwhile: look again next time */
    } finally {
      busy = false
    }
  }
  const timer = setInterval(() => void tick(), EVERY_MS)
  return () => clearInterval(timer)
}
