import type * as Y from 'yjs'
import type { MessageRecord } from '../core/types'
import { blockNumber, toBlockRow, type MessageBlockRow } from '../store/messageBlocks'

/** Key of a block in the index: session id and block number. */
export type BlockKey = string

const SEP = '\u0000'

/**
 * Which messages of a document's `messages` map belong to which block (session, seq / block size),
 * kept in step with every transaction, so a projection can rebuild a changed block from the Y
 * document alone: no IndexedDB read before the write, and no stale rows after another tab's writes.
 */
export class MessageBlockIndex {
  private readonly ids = new Map<BlockKey, Set<string>>()
  private readonly blockOf = new Map<string, BlockKey>()
  /** messages that failed their schema: id -> what was wrong (they are in no block) */
  readonly invalid = new Map<string, string>()
  /** ids that failed, or stopped failing, since the last drain (their quarantine entries change) */
  private checked = new Set<string>()

  /**
   * `check` says whether a stored message passes its schema (see src/sync/schema/check.ts): one that
   * fails is left out of every block, so it is never projected.
   */
  constructor(
    private readonly map: Y.Map<unknown>,
    private readonly check: (id: string, value: unknown) => string | null,
  ) {}

  /** The ids checked since the last call (a projection writes or clears their quarantine entries). */
  drainChecked(): Set<string> {
    const out = this.checked
    this.checked = new Set()
    return out
  }

  /** Applies the changed keys of the messages map; returns the blocks they touch. */
  update(keys: Iterable<string | null>): Set<BlockKey> {
    const touched = new Set<BlockKey>()
    for (const id of keys) {
      if (id === null) continue
      let value = this.map.get(id) as Partial<MessageRecord> | undefined
      // only ids that fail, or failed before, concern the quarantine
      if (this.invalid.delete(id)) this.checked.add(id)
      if (value !== undefined) {
        const problem = this.check(id, value)
        if (problem !== null) {
          this.invalid.set(id, problem)
          this.checked.add(id)
          value = undefined
        }
      }
      const before = this.blockOf.get(id)
      if (before !== undefined) {
        // gone, or (never for an immutable message, but cheap to handle) moved to another block
        this.blockOf.delete(id)
        const set = this.ids.get(before)!
        set.delete(id)
        if (!set.size) this.ids.delete(before)
        touched.add(before)
      }
      if (value === undefined) continue
      const key = `${value.sessionId}${SEP}${blockNumber(value.seq)}`
      this.blockOf.set(id, key)
      let set = this.ids.get(key)
      if (!set) this.ids.set(key, (set = new Set()))
      set.add(id)
      touched.add(key)
    }
    return touched
  }

  /** The block's row, or its primary key when the block is now empty (the row is to be deleted). */
  row(key: BlockKey, uid: string): MessageBlockRow | [string, number] {
    const i = key.lastIndexOf(SEP) // the block number never holds the separator; a session id might
    const sessionId = key.slice(0, i)
    const block = Number(key.slice(i + 1))
    const ids = this.ids.get(key)
    if (!ids?.size) return [sessionId, block]
    const messages: MessageRecord[] = []
    for (const id of ids) messages.push({ ...(this.map.get(id) as MessageRecord), messageId: id, uid })
    return toBlockRow(uid, sessionId, block, messages)
  }
}
