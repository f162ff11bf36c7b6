import { UserNotFoundError } from '../core/errors'
import type { MemoryEngine } from '../engine/types'
import type { KeepsakeDB } from '../store/db'
import type { ReplicatedStore } from '../sync/ReplicatedStore'
import { SPACE_DOC, userWriteDocs, type TableName } from '../sync/layout'
import type { SpaceView, UserView } from '../sync/schema/views'

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

/** What a write to one user loads and writes. */
export interface WriteScope {
  /** the only tables it changes (a smaller IndexedDB transaction; see ReplicatedStore.write) */
  tables?: TableName[]
  /**
   * the history parts of the sessions it touches (a session row's `part`; null or undefined: a
   * session from before the split, still in the user document); a new session's is `partKeyOf(createdAt)`
   */
  parts?: (string | null | undefined)[]
  /** false: it touches only sessions and messages, so the user document is not loaded (the hot path) */
  userDoc?: boolean
}


/**
 * A write to one user's documents, refused with UserNotFoundError when the user was deleted
 * (by this tab, another tab or another device).
 */
export function writeUser<T>(ctx: ClientContext, uid: string, userId: string, fn: (user: UserView, space: SpaceView) => T, scope: WriteScope = {}): Promise<T> {
  return ctx.store.write(
    [SPACE_DOC, ...userWriteDocs(uid, scope.parts ?? [], scope.userDoc !== false)],
    (tx) => {
      if (!tx.space.directory.live(uid)) throw new UserNotFoundError(userId)
      return fn(tx.user(uid), tx.space)
    },
    { tables: scope.tables },
  )
}
