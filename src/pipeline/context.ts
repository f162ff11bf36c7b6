import type * as Y from 'yjs'
import { SessionNotFoundError, UserNotFoundError } from '../core/errors'
import type { MemoryEngine } from '../engine/types'
import type { KeepsakeDB } from '../store/db'
import { LOCAL_ORIGIN, type ReplicatedStore } from '../sync/ReplicatedStore'
import { SPACE_DOC, userDocName, type TableName } from '../sync/layout'

/** What every handle (User, Session, MergeConflict) shares with the client that made it. */
export interface ClientContext {
  readonly db: KeepsakeDB
  readonly store: ReplicatedStore
  readonly now: () => Date
  /** The engine used for processing; may be swapped at run time (model loaded, fallback to rules). */
  engine(): MemoryEngine
  /** This device's id (claims on processing) */
  readonly deviceId: string
  /** A new record id (UUIDv7 unless MemoryClient.open was given an id source) */
  readonly newId: () => string
}


export function nowIso(ctx: ClientContext): string {
  return ctx.now().toISOString()
}

/** Runs fn in one Y transaction of this tab's own. */
export function local<T>(doc: Y.Doc, fn: () => T): T {
  let out!: T
  doc.transact(() => {
    out = fn()
  }, LOCAL_ORIGIN)
  return out
}

/** The live directory entry of a user in the space document, or undefined once deleted. */
export function directoryEntry(space: Y.Doc, uid: string): Y.Map<unknown> | undefined {
  const e = space.getMap('directory').get(uid) as Y.Map<unknown> | undefined
  if (!e || e.get('deletedAt')) return undefined
  return e
}

/**
 * A write to one user's document, refused with UserNotFoundError when the user was deleted
 * (by this tab, another tab or another device).
 */
export function writeUser<T>(ctx: ClientContext, uid: string, userId: string, fn: (udoc: Y.Doc, space: Y.Doc) => T, tables?: TableName[]): Promise<T> {
  return ctx.store.write(
    [SPACE_DOC, userDocName(uid)],
    ([space, udoc]) => {
      if (!directoryEntry(space, uid)) throw new UserNotFoundError(userId)
      return fn(udoc, space)
    },
    { tables },
  )
}

/** A session's Y record in the user's document, or SessionNotFoundError. */
export function sessionMap(udoc: Y.Doc, sessionId: string): Y.Map<unknown> {
  const s = udoc.getMap('sessions').get(sessionId) as Y.Map<unknown> | undefined
  if (!s) throw new SessionNotFoundError(sessionId)
  return s
}
