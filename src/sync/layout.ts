import type { RecordKind } from '../core/schema'

/**
 * How records live inside the Yjs documents, and which Dexie table each is projected into.
 *
 * - The *space* document (`space`): `settings` (a Y.Map of fields), `directory` (uid -> Y.Map) and
 *   `parts` (the history parts each user has: `<uid>/<key>` -> a plain record, so a new device and
 *   the sync driver know which part documents exist without loading any user document).
 * - One document per user (`user/<uid>`): `profile` (a Y.Map of fields) and one Y.Map per table,
 *   keyed by record id: docs, memory versions, connections, conflicts.
 * - The user's history in parts (`user/<uid>/<key>`), one per calendar month (UTC) of the sessions'
 *   `createdAt` (`key` = `YYYY-MM`): the sessions of that month and their messages. A write loads
 *   only the parts it touches, so the first write after a reload costs what one month of history
 *   costs, not what all of it does (docs/DESIGN.md, "History in parts").
 * - A user document written before the split may still hold `sessions` and `messages` (legacy):
 *   they are projected as before, and moved into parts on open (src/sync/migrateParts.ts).
 *
 * Records whose fields change after creation (sessions, memory versions, conflicts, directory
 * entries) are nested Y.Maps, so concurrent edits of different fields merge. Records that never
 * change (messages, docs, connections, parts) are plain JSON values: cheaper, and no tombstones.
 */
export type TableName =
  | 'settings'
  | 'directory'
  | 'users'
  | 'docs'
  | 'sessions'
  | 'messageBlocks'
  | 'memories'
  | 'connections'
  | 'conflicts'

export interface MapSpec {
  /** name of the top-level Y.Map in the document */
  ymap: string
  table: TableName
  /** the schema its records are checked against (src/core/schema.ts) */
  kind: RecordKind
  /**
   * 'fields': the map itself is one record; 'records': the map holds records keyed by id, a row
   * each; 'blocks': records keyed by id, projected in blocks of a session (src/store/messageBlocks.ts)
   */
  shape: 'fields' | 'records' | 'blocks'
  /** the field of a projected record that carries its key in the map */
  idField: string
  /** nested Y.Map per record (mutable) or a plain JSON value (immutable) */
  mutable: boolean
  /**
   * Fields kept in the document but not in the projected row: they change with every message, and
   * readers derive them from the messages index instead (src/store/activity.ts). A change to these
   * fields alone writes no row.
   */
  unprojected?: readonly string[]
}

/** A session's per-message counters: `messageCount` gives the next message its seq. */
export const SESSION_ACTIVITY_FIELDS = ['messageCount', 'lastMessageAt'] as const

export const SPACE_DOC = 'space'

export const SPACE_MAPS: MapSpec[] = [
  { ymap: 'settings', table: 'settings', kind: 'settings', shape: 'fields', mutable: true, idField: 'key' },
  { ymap: 'directory', table: 'directory', kind: 'directory', shape: 'records', mutable: true, idField: 'uid' },
]

const SESSIONS_SPEC: MapSpec = { ymap: 'sessions', kind: 'session', table: 'sessions', shape: 'records', mutable: true, idField: 'sessionId', unprojected: SESSION_ACTIVITY_FIELDS }
const MESSAGES_SPEC: MapSpec = { ymap: 'messages', kind: 'message', table: 'messageBlocks', shape: 'blocks', mutable: false, idField: 'messageId' }

export const USER_MAPS: MapSpec[] = [
  { ymap: 'profile', kind: 'profile', table: 'users', shape: 'fields', mutable: true, idField: 'uid' },
  { ymap: 'docs', kind: 'doc', table: 'docs', shape: 'records', mutable: false, idField: 'docId' },
  SESSIONS_SPEC, // legacy: moved into parts on open
  MESSAGES_SPEC, // legacy: moved into parts on open
  { ymap: 'memories', kind: 'memory', table: 'memories', shape: 'records', mutable: true, idField: 'memoryId' },
  { ymap: 'connections', kind: 'connection', table: 'connections', shape: 'records', mutable: false, idField: 'connectionId' },
  { ymap: 'conflicts', kind: 'conflict', table: 'conflicts', shape: 'records', mutable: true, idField: 'conflictId' },
]

/** A part of a user's history: the sessions of one month and their messages. */
export const PART_MAPS: MapSpec[] = [SESSIONS_SPEC, MESSAGES_SPEC]

/** The space document's map of deleted users' tombstones (uid -> { deletedAt }); see transport/directory.ts. */
export const TOMBSTONES_YMAP = 'deleted'

/** The space document's map of history parts (`<uid>/<key>` -> { uid, key }); read by views and the sync driver. */
export const PARTS_YMAP = 'parts'

const UID = '[^/]+'
const PART_KEY = /^\d{4}-(0[1-9]|1[0-2])$/
const USER_DOC = new RegExp(`^user/(${UID})(?:/(\\d{4}-(?:0[1-9]|1[0-2])))?$`)

export function userDocName(uid: string): string {
  return `user/${uid}`
}

/** The part document of a user's sessions of one month (`key` = `YYYY-MM`). */
export function partDocName(uid: string, key: string): string {
  return `user/${uid}/${key}`
}

/** The part a session belongs to: the UTC calendar month of its `createdAt` (an ISO string). */
export function partKeyOf(createdAt: string): string {
  const key = createdAt.slice(0, 7)
  if (!PART_KEY.test(key)) throw new Error(`Not an ISO date: ${createdAt}`)
  return key
}

export function isPartKey(key: unknown): key is string {
  return typeof key === 'string' && PART_KEY.test(key)
}

/** The document that holds a session: its part, or (`part` absent: a session written before the split) the user document. */
export function sessionDocName(uid: string, part: string | null | undefined): string {
  return part ? partDocName(uid, part) : userDocName(uid)
}

/**
 * The documents of one user a write names, in the order their projections are written: the user
 * document (when `userDoc`, or when a session is one from before the split), then the parts.
 */
export function userWriteDocs(uid: string, parts: (string | null | undefined)[], userDoc: boolean): string[] {
  const names: string[] = []
  if (userDoc || parts.some((p) => !p)) names.push(userDocName(uid))
  for (const p of new Set(parts)) if (p) names.push(partDocName(uid, p))
  return names
}

/** The uid of a user document or of one of its parts; null for the space document (or a name that is neither). */
export function uidOfDocName(name: string): string | null {
  const m = USER_DOC.exec(name)
  return m ? m[1] : null
}

/** The part key of a part document's name; null for any other document. */
export function partOfDocName(name: string): string | null {
  const m = USER_DOC.exec(name)
  return m?.[2] ?? null
}

export function mapsOf(docName: string): MapSpec[] {
  if (docName === SPACE_DOC) return SPACE_MAPS
  return partOfDocName(docName) ? PART_MAPS : USER_MAPS
}
