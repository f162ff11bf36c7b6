import type * as Y from 'yjs'
import { SPACE_DOC, SPACE_MAPS, uidOfDocName, userDocName } from '../layout'
import { checkStored } from '../schema/check'

const DIRECTORY = SPACE_MAPS.find((m) => m.ymap === 'directory')!

/**
 * The directory rules of sync, in one place: the sync driver applies them over any transport
 * (src/sync/SyncProvider.ts), and the sync server and the in-process hub go by the same deletion
 * mark (isDeletionMark).
 * - the space document is always attached, first;
 * - user documents are attached only once the directory is followed, that is once the space
 *   document is in step with the other end: a device back from a long time offline learns that a
 *   user was deleted elsewhere before it would send that user's document again;
 * - a user is attached while the directory names it; a deleted user is never attached, and is
 *   detached at once when the deletion arrives. Deleted means a valid directory record with
 *   `deletedAt` set: the same records the client projects and deletes local copies by, so every
 *   device agrees on which users are gone;
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

  /** The user documents the directory names, split into those to attach and those to drop (deleted). */
  split(directory: Y.Map<unknown>): { live: string[]; gone: string[] } {
    const live: string[] = []
    const gone: string[] = []
    directory.forEach((entry, uid) => (isDeletionMark(uid, entry) ? gone : live).push(userDocName(uid)))
    return { live, gone }
  },

  isDeletionMark,
}

/** Whether a directory entry says its user is deleted: a valid directory record with `deletedAt`. */
export function isDeletionMark(uid: string, entry: unknown): boolean {
  const checked = checkStored(DIRECTORY, uid, entry, null)
  return checked.ok && checked.value.deletedAt != null
}
