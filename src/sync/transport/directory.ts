import * as Y from 'yjs'
import { SPACE_DOC, uidOfDocName, userDocName } from '../layout'

/**
 * The directory rules of sync, in one place (the sync driver applies them over any transport):
 * - the space document is always attached, first;
 * - user documents are attached only once the directory is followed, that is once the space
 *   document is in step with the other end: a device back from a long time offline learns that a
 *   user was deleted elsewhere before it would send that user's document again;
 * - a user is attached while the directory names it; a deleted user (an entry with `deletedAt`,
 *   the mark the sync server also goes by) is never attached, and detached at once when the
 *   deletion arrives;
 * - an entry that is not a directory record (another device wrote something malformed there)
 *   still names its user: only a deletion mark stops a user's sync. The record is quarantined (the
 *   user is not listed), but every device keeps the user's document in step, so all of them hold
 *   the same data, and a later valid write of the entry brings the user back everywhere.
 */
export const directoryRules = {
  /** Whether `name` may be attached, given the directory followed so far (undefined: not yet followed). */
  wanted(name: string, directory: Y.Map<unknown> | undefined): boolean {
    if (name === SPACE_DOC) return true
    const uid = uidOfDocName(name)
    return !!uid && !!directory && isLiveEntry(directory.get(uid))
  },

  /** The user documents the directory names, split into those to attach and those to drop (deleted). */
  split(directory: Y.Map<unknown>): { live: string[]; gone: string[] } {
    const live: string[] = []
    const gone: string[] = []
    directory.forEach((entry, uid) => (isLiveEntry(entry) ? live : gone).push(userDocName(uid)))
    return { live, gone }
  },
}

/** An entry that is not a deletion mark (a Y.Map with `deletedAt`). */
function isLiveEntry(entry: unknown): boolean {
  return entry instanceof Y.Map && !entry.get('deletedAt')
}
