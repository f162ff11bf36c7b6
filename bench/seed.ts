import { uuidv7 } from '../src/core/ids'
import type { MemoryRecord, MessageRecord, SessionRecord } from '../src/core/types'
import type { MemoryClient } from '../src/index'
import { partDocName, partKeyOf, SPACE_DOC, userDocName } from '../src/sync/layout'
import { LOCAL_ORIGIN } from '../src/sync/origins'
import { internals } from '../tests/support/internals'

/**
 * Fills one user with many sessions, messages and memories quickly: one store write (one Y
 * transaction, one IndexedDB transaction) per session, through the same document layout as the API.
 */
export async function seedUser(client: MemoryClient, uid: string, opts: { sessions: number; messagesPerSession: number; memoriesPerSession?: number; status?: SessionRecord['status'] }): Promise<void> {
  for (let s = 0; s < opts.sessions; s++) {
    // one session a day: 500 sessions are about 16 months, so 17 parts of history
    const at = new Date(Date.UTC(2024, 0, 1) + s * 86_400_000).toISOString()
    await internals(client).store.write([SPACE_DOC, userDocName(uid), partDocName(uid, partKeyOf(at))], (tx) => {
      const user = tx.user(uid)
      const sessionId = uuidv7()
      const status = opts.status ?? 'pending'
      const rec: SessionRecord & { messageCount: number } = { sessionId, uid, status, metadata: { n: s }, createdAt: at, autoProcessAfterSeconds: 600, lastMessageAt: at, processedAt: status === 'processed' ? at : null, error: null, updatedAt: at, messageCount: opts.messagesPerSession }
      user.doc.transact(() => {
        user.sessions.set(sessionId, rec)
        for (let m = 0; m < opts.messagesPerSession; m++) {
          const msg: MessageRecord = { messageId: uuidv7(), sessionId, uid, seq: m, role: m % 2 ? 'assistant' : 'user', content: `session ${s} message ${m}: an ordinary sentence of chat`, timestamp: new Date(Date.parse(at) + m * 1000).toISOString() }
          user.messages.append(msg)
        }
        for (let k = 0; k < (opts.memoriesPerSession ?? 0); k++) {
          const id = uuidv7()
          const mem: MemoryRecord = { memoryId: id, uid, chainId: id, prevVersionId: null, content: `User fact ${s}.${k} about something they said`, categories: ['personal'], eventDateStart: null, eventDateEnd: null, createdAt: at, expiredAt: null, expirationReason: null, mergeConflictId: null, pendingConflictId: null, sessionId, sourceMessageIds: [] }
          user.memories.set(id, mem)
        }
      }, LOCAL_ORIGIN)
    })
  }
}

/** What a receiving device must hold to have everything: cheap counts of memory rows and message blocks. */
export async function rowCounts(client: MemoryClient): Promise<{ memories: number; blocks: number }> {
  return { memories: await internals(client).db.memories.count(), blocks: await internals(client).db.messageBlocks.count() }
}

/** Polls until `client` holds at least `want` rows. */
export async function waitForRows(client: MemoryClient, want: { memories: number; blocks: number }): Promise<void> {
  while ((await internals(client).db.memories.count()) < want.memories || (await internals(client).db.messageBlocks.count()) < want.blocks) await new Promise((r) => setTimeout(r, 20))
}
