import Dexie, { type Table } from 'dexie'
import { fnv64 } from '../core/hash'
import type { MessageRecord } from '../core/types'

/**
 * The part of the database these queries read: its message blocks. A structural type rather than
 * KeepsakeDB, because db.ts imports the block helpers below (its migration builds block rows), and
 * the two modules must not import each other.
 */
type BlocksDB = { readonly messageBlocks: Table<MessageBlockRow, [string, number]> }

/**
 * Messages are read in blocks: one row holds up to MESSAGE_BLOCK_SIZE consecutive messages of a
 * session (by seq). IndexedDB's cost is per request, not per byte (about 60 µs a row in Chromium),
 * so a new device that receives 50,000 messages writes about 3,000 rows instead of 50,000. An
 * appended message rewrites its block of at most MESSAGE_BLOCK_SIZE messages, still one row.
 */
export const MESSAGE_BLOCK_SIZE = 16

export interface MessageBlockRow {
  sessionId: string
  /** floor(seq / MESSAGE_BLOCK_SIZE) */
  block: number
  uid: string
  /**
   * `<newest timestamp>|<sessionId>|<block>|<digest of the message ids>`: changes whenever the block
   * does, and its index `[uid+sig]` orders a user's blocks by their newest message.
   */
  sig: string
  /** ordered by seq, then messageId */
  messages: MessageRecord[]
  /** the history part whose document holds these messages (absent: the user document, from before the split) */
  part?: string
}

export function blockNumber(seq: unknown): number {
  return typeof seq === 'number' && Number.isFinite(seq) && seq > 0 ? Math.floor(seq / MESSAGE_BLOCK_SIZE) : 0
}

/** The order of a session's messages: seq, then id (uuidv7 ids are in creation order). */
export function compareMessages(a: MessageRecord, b: MessageRecord): number {
  return a.seq - b.seq || (a.messageId < b.messageId ? -1 : a.messageId > b.messageId ? 1 : 0)
}

function byTimestamp(a: MessageRecord, b: MessageRecord): number {
  return a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : a.messageId < b.messageId ? -1 : a.messageId > b.messageId ? 1 : 0
}

/** The row of one block (`messages` non-empty, all of that session and block). */
export function toBlockRow(uid: string, sessionId: string, block: number, messages: MessageRecord[]): MessageBlockRow {
  const sorted = [...messages].sort(compareMessages)
  let newest = sorted[0].timestamp
  for (const m of sorted) if (m.timestamp > newest) newest = m.timestamp
  const sig = `${newest}|${sessionId}|${block}|${fnv64(sorted.map((m) => m.messageId).join(','))}`
  return { sessionId, block, uid, sig, messages: sorted }
}

/** Groups messages into block rows (for migrations, imports and tests). */
export function blockRowsOf(messages: MessageRecord[]): MessageBlockRow[] {
  const groups = new Map<string, MessageRecord[]>()
  for (const m of messages) {
    const key = `${m.sessionId}\u0000${blockNumber(m.seq)}`
    const list = groups.get(key)
    if (list) list.push(m)
    else groups.set(key, [m])
  }
  return [...groups.values()].map((list) => toBlockRow(list[0].uid, list[0].sessionId, blockNumber(list[0].seq), list))
}

/** The newest message time of a block, from its sig. */
export function sigTimestamp(sig: string): string {
  return sig.slice(0, sig.indexOf('|'))
}

const sessionRange = (sessionId: string) => [[sessionId, Dexie.minKey], [sessionId, Dexie.maxKey]] as const
const userRange = (uid: string) => [[uid, Dexie.minKey], [uid, Dexie.maxKey]] as const

function flatten(rows: MessageBlockRow[]): MessageRecord[] {
  return rows.flatMap((r) => r.messages)
}

/** Every message of a session, in order. */
export async function sessionMessages(db: BlocksDB, sessionId: string): Promise<MessageRecord[]> {
  return flatten(await db.messageBlocks.where('[sessionId+block]').between(...sessionRange(sessionId)).toArray())
}

/**
 * One page of a session's messages, in order, and how many it has, reading only the blocks of the
 * page and the last block. A session's messages are numbered 0, 1, 2… (`seq`), so block b holds
 * positions 16b to 16b+15 and the total is 16 × the last block + its size. Where a read block does
 * not fit that (blocks missing, or a block of another size: two devices that each added a message
 * while apart, or an import with gaps), the whole session is read instead and counted.
 * Limit: a block of another size *before* the page and not the last is not seen (it is not read), so
 * the page then starts that many messages off and the total is off by as many; only two devices that
 * each added messages to the same chat while apart leave such a block.
 */
export async function sessionMessagePage(db: BlocksDB, sessionId: string, offset: number, limit: number): Promise<{ messages: MessageRecord[]; total: number }> {
  return db.messageBlocks.db.transaction('r', db.messageBlocks, async () => {
    const keys = (await db.messageBlocks.where('[sessionId+block]').between(...sessionRange(sessionId)).primaryKeys()) as unknown as [string, number][]
    if (!keys.length) return { messages: [], total: 0 }
    const last = keys[keys.length - 1][1]
    const whole = async () => {
      const all = await sessionMessages(db, sessionId)
      return { messages: all.slice(offset, offset + limit), total: all.length }
    }
    if (keys.length !== last + 1 || keys.some((k, i) => k[1] !== i)) return whole()
    const lastRow = await db.messageBlocks.get([sessionId, last])
    if (!lastRow) return whole()
    const total = last * MESSAGE_BLOCK_SIZE + lastRow.messages.length
    if (lastRow.messages.length > MESSAGE_BLOCK_SIZE) return whole()
    if (offset >= total || limit <= 0) return { messages: [], total }
    const first = Math.floor(offset / MESSAGE_BLOCK_SIZE)
    const end = Math.floor((Math.min(offset + limit, total) - 1) / MESSAGE_BLOCK_SIZE)
    const upTo = Math.min(end, last - 1)
    const rows = first <= upTo ? await db.messageBlocks.where('[sessionId+block]').between([sessionId, first], [sessionId, upTo], true, true).toArray() : []
    if (end === last) rows.push(lastRow)
    if (rows.length !== end - first + 1) return whole()
    for (const r of rows) {
      const full = r.block === last ? r.messages.length === total - last * MESSAGE_BLOCK_SIZE : r.messages.length === MESSAGE_BLOCK_SIZE
      if (!full || r.messages.some((m, i) => m.seq !== r.block * MESSAGE_BLOCK_SIZE + i)) return whole()
    }
    const start = offset - first * MESSAGE_BLOCK_SIZE
    return { messages: flatten(rows).slice(start, start + limit), total }
  })
}

/** The last `n` messages of a session, in order (reads only the blocks it needs). */
export async function lastSessionMessages(db: BlocksDB, sessionId: string, n: number): Promise<MessageRecord[]> {
  if (n <= 0) return []
  const out: MessageRecord[] = []
  let before: number | null = null
  while (out.length < n) {
    const upper: unknown = before === null ? Dexie.maxKey : before
    const rows: MessageBlockRow[] = await db.messageBlocks
      .where('[sessionId+block]')
      .between([sessionId, Dexie.minKey], [sessionId, upper], true, false)
      .reverse()
      .limit(Math.ceil((n - out.length) / MESSAGE_BLOCK_SIZE) + 1)
      .toArray()
    if (!rows.length) break
    for (const r of rows) out.unshift(...r.messages)
    before = rows[rows.length - 1].block
  }
  return out.slice(-n)
}

/** A user's newest `n` messages across sessions, oldest first (by timestamp, then id). */
export async function lastUserMessages(db: BlocksDB, uid: string, n: number): Promise<MessageRecord[]> {
  if (n <= 0) return []
  // Blocks come newest first by their newest message ([uid+sig]), a page at a time.
  const picked: MessageRecord[] = []
  let upper: unknown = Dexie.maxKey
  for (;;) {
    const page: MessageBlockRow[] = await db.messageBlocks
      .where('[uid+sig]')
      .between([uid, Dexie.minKey], [uid, upper], true, false)
      .reverse()
      .limit(Math.ceil(n / MESSAGE_BLOCK_SIZE) + 2)
      .toArray()
    for (const r of page) picked.push(...r.messages)
    if (!page.length) break
    const last = page[page.length - 1].sig
    picked.sort(byTimestamp)
    // a block not read yet holds only messages at or before the newest time of the last one read
    if (picked.length >= n && picked[picked.length - n].timestamp > sigTimestamp(last)) break
    upper = last
  }
  return picked.slice(-n)
}

/** The primary key [sessionId, block] named by a sig (read from both ends: a session id may hold '|'). */
export function pkOfSig(sig: string): [string, number] {
  const parts = sig.split('|')
  return [parts.slice(1, -2).join('|'), Number(parts[parts.length - 2])]
}

/** The last message of a session by seq, or undefined. */
export async function lastSessionMessage(db: BlocksDB, sessionId: string): Promise<MessageRecord | undefined> {
  const row = await db.messageBlocks.where('[sessionId+block]').between(...sessionRange(sessionId)).last()
  return row?.messages[row.messages.length - 1]
}

/** The time of a user's newest message, or undefined. */
export async function lastUserMessageAt(db: BlocksDB, uid: string): Promise<string | undefined> {
  const key = (await db.messageBlocks.where('[uid+sig]').between(...userRange(uid)).reverse().limit(1).keys())[0] as unknown as [string, string] | undefined
  return key ? sigTimestamp(key[1]) : undefined
}

/** Every message of a user (in block order). */
export async function userMessages(db: BlocksDB, uid: string): Promise<MessageRecord[]> {
  return flatten(await db.messageBlocks.where('[uid+sig]').between(...userRange(uid)).toArray())
}

/** How many messages are stored (of one user, or of everyone). */
export async function countMessages(db: BlocksDB, uid?: string): Promise<number> {
  let n = 0
  const coll = uid ? db.messageBlocks.where('[uid+sig]').between(...userRange(uid)) : db.messageBlocks.toCollection()
  await coll.each((r) => (n += r.messages.length))
  return n
}
