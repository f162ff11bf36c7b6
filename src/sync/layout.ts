import type { RecordKind } from '../core/schema'

/**
 * How records live inside the Yjs documents, and which Dexie table each is projected into.
 *
 * - The *space* document (`space`): `settings` (a Y.Map of fields) and `directory` (uid -> Y.Map).
 * - One document per user (`user/<uid>`): `profile` (a Y.Map of fields) and one Y.Map per table,
 *   keyed by record id.
 *
 * Records whose fields change after creation (sessions, memory versions, conflicts, directory
 * entries) are nested Y.Maps, so concurrent edits of different fields merge. Records that never
 * change (messages, docs, connections) are plain JSON values: cheaper, and no tombstones.
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

export const USER_MAPS: MapSpec[] = [
  { ymap: 'profile', kind: 'profile', table: 'users', shape: 'fields', mutable: true, idField: 'uid' },
  { ymap: 'docs', kind: 'doc', table: 'docs', shape: 'records', mutable: false, idField: 'docId' },
  { ymap: 'sessions', kind: 'session', table: 'sessions', shape: 'records', mutable: true, idField: 'sessionId', unprojected: SESSION_ACTIVITY_FIELDS },
  { ymap: 'messages', kind: 'message', table: 'messageBlocks', shape: 'blocks', mutable: false, idField: 'messageId' },
  { ymap: 'memories', kind: 'memory', table: 'memories', shape: 'records', mutable: true, idField: 'memoryId' },
  { ymap: 'connections', kind: 'connection', table: 'connections', shape: 'records', mutable: false, idField: 'connectionId' },
  { ymap: 'conflicts', kind: 'conflict', table: 'conflicts', shape: 'records', mutable: true, idField: 'conflictId' },
]

export function userDocName(uid: string): string {
  return `user/${uid}`
}

export function uidOfDocName(name: string): string | null {
  return name.startsWith('user/') ? name.slice(5) : null
}

export function mapsOf(docName: string): MapSpec[] {
  return docName === SPACE_DOC ? SPACE_MAPS : USER_MAPS
}
