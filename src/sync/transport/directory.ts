import * as Y from 'yjs'
import { partDocName, SPACE_DOC, TOMBSTONES_YMAP, uidOfDocName, userDocName } from '../layout'
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
    return !!uid && !!directory && directory.has(uid) && !isDeleted(uid, directory)
  },

  /**
   * The documents the directory names: those to attach (each live user's document and its parts,
   * as `parts` lists them) and the deleted users whose documents are to be dropped.
   */
  split(directory: Y.Map<unknown>, parts?: Y.Map<unknown>): { live: string[]; gone: string[] } {
    const live: string[] = []
    const gone: string[] = []
    directory.forEach((_entry, uid) => {
      if (isDeleted(uid, directory)) return gone.push(uid)
      live.push(userDocName(uid))
      // newest first: a new device receives the recent sessions before the old ones
      if (parts) for (const key of partsOf(parts, uid).reverse()) live.push(partDocName(uid, key))
    })
    // a tombstone whose directory entry was overwritten (or removed) still deletes its user
    tombstonesOf(directory)?.forEach((_v, uid) => {
      if (!directory.has(uid)) gone.push(uid)
    })
    return { live, gone }
  },

  isDeletionMark,
}

/** Whether a directory entry says its user is deleted: a Y.Map entry with `deletedAt` set. */
export function isDeletionMark(_uid: string, entry: unknown): boolean {
  return entry instanceof Y.Map && !!entry.get('deletedAt')
}

/**
 * The space document's tombstones (`deleted`: uid -> { deletedAt }), written with every deletion
 * mark. Any value under a uid means deleted: an entry overwritten by another device (a malformed
 * directory record written over the mark) cannot bring a deleted user back on the devices that
 * had not heard of the deletion yet, while the others and the server have dropped it.
 */
export function tombstonesOf(directory: Y.Map<unknown>): Y.Map<unknown> | undefined {
  return directory.doc?.getMap(TOMBSTONES_YMAP)
}

/** Whether the user is deleted: its directory entry's mark, or its tombstone. */
export function isDeleted(uid: string, directory: Y.Map<unknown>): boolean {
  return isDeletionMark(uid, directory.get(uid)) || !!tombstonesOf(directory)?.has(uid)
}

/** The deleted users a space document names (by mark or by tombstone). */
export function deletedUids(space: Y.Doc): string[] {
  const directory = space.getMap('directory')
  const out = new Set<string>()
  directory.forEach((entry, uid) => {
    if (isDeletionMark(uid, entry)) out.add(uid)
  })
  space.getMap(TOMBSTONES_YMAP).forEach((_v, uid) => out.add(uid))
  return [...out]
}
