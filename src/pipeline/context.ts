import { UserNotFoundError } from '../core/errors'
import type { MemoryEngine } from '../engine/types'
import type { KeepsakeDB } from '../store/db'
import type { ReplicatedStore } from '../sync/ReplicatedStore'
import { SPACE_DOC, userDocName, type TableName } from '../sync/layout'
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

/**
 * A write to one user's document, refused with UserNotFoundError when the user was deleted
 * (by this tab, another tab or another device).
 */
export function writeUser<T>(ctx: ClientContext, uid: string, userId: string, fn: (user: UserView, space: SpaceView) => T, tables?: TableName[]): Promise<T> {
  return ctx.store.write(
    [SPACE_DOC, userDocName(uid)],
    (tx) => {
      if (!tx.space.directory.live(uid)) throw new UserNotFoundError(userId)
      return fn(tx.user(uid), tx.space)
    },
    { tables },
  )
}
