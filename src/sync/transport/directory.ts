import * as Y from 'yjs'
import { partDocName, SPACE_DOC, uidOfDocName, userDocName } from '../layout'
import { partsOf } from '../schema/views'

/**
 * The directory rules of sync, in one place: the sync driver applies them over any transport
 * (src/sync/SyncProvider.ts), and the sync server and the in-process hub go by the same deletion
 * mark (isDeletionMark).
 * - the space document is always attached, first;
 * - user documents are attached only once the directory is followed, that is once the space
 *   document is in step with the other end: a device back from a long time offline learns that a
 *   user was deleted elsewhere before it would send that user's document again;
 * - a user is attached while the directory names it, with every part of its history that the
 *   space's `parts` map lists (a part goes with its user: attached, detached and dropped together); a deleted user is never attached: when the
 *   deletion arrives it is detached and its local copy dropped. Deleted means an entry (a Y.Map)
 *   with `deletedAt` set, whatever else it holds: the mark the sync server forgets a document by,
 *   so devices and server agree on which users are gone even when the entry is malformed (a
 *   deletion cannot be undone: the server never stores that document again);
 * - an entry that is not a valid directory record (another device wrote something malformed
 *   there) still names its user: the record is quarantined (the user is not listed), but every
 *   device keeps the user's document in step, so all of them hold the same data, and a later valid
 *   write of the entry brings the user back everywhere.
 */
export const directoryRules = {
  /** Whether `name` may be attached, given the directory followed so far (undefined: not yet followed). */
  wanted(name: string, directory: Y.Map<unknown> | undefined): boolean {
    if (name === SPACE_DOC) return true
    const uid = uidOfDocName(name)
    return !!uid && !!directory && directory.has(uid) && !isDeletionMark(uid, directory.get(uid))
  },

  /**
   * The documents the directory names: those to attach (each live user's document and its parts,
   * as `parts` lists them) and the deleted users whose documents are to be dropped.
   */
  split(directory: Y.Map<unknown>, parts?: Y.Map<unknown>): { live: string[]; gone: string[] } {
    const live: string[] = []
    const gone: string[] = []
    directory.forEach((entry, uid) => {
      if (isDeletionMark(uid, entry)) return gone.push(uid)
      live.push(userDocName(uid))
      if (parts) for (const key of partsOf(parts, uid)) live.push(partDocName(uid, key))
    })
    return { live, gone }
  },

  isDeletionMark,
}

/** Whether a directory entry says its user is deleted: a Y.Map entry with `deletedAt` set. */
export function isDeletionMark(_uid: string, entry: unknown): boolean {
  return entry instanceof Y.Map && !!entry.get('deletedAt')
}
