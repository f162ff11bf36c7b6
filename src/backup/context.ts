import type { KeepsakeDB } from '../store/db'
import type { ReplicatedStore } from '../sync/ReplicatedStore'
import { uuidv7 } from '../core/ids'

/**
 * What the backup module works over: the read model, the replicated store and the client's seams.
 * Not the public MemoryClient/User classes, so src/backup sits below src/client (no import cycle);
 * MemoryClient hands its internal context in.
 */
export interface BackupContext {
  readonly db: KeepsakeDB
  readonly store: ReplicatedStore
  readonly now: () => Date
  /** this device: it becomes the owner of the sessions it imports */
  readonly deviceId: string
  /** a new record id (UUIDv7 when not given) */
  readonly newId?: () => string
}

/** A new record id from the context's id source. */
export function newIdOf(ctx: BackupContext): string {
  return (ctx.newId ?? uuidv7)()
}
