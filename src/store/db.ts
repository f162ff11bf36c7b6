import Dexie, { type Table } from 'dexie'
import type {
  ConflictRecord,
  ConnectionRecord,
  DirectoryRecord,
  DocRecord,
  MemoryRecord,
  ProfileRecord,
  SessionRecord,
  SpaceSettings,
} from '../core/types'
import { blockRowsOf, type MessageBlockRow } from './messageBlocks'
import { quarantineProjectedRows, type ProblemRow } from './quarantine'

// quarantine.ts declares the row it writes, so that it need not import this module (no import cycle)
export type { ProblemRow }

/** One entry of the Yjs update log: the source of truth the tables below are projected from. */
export interface UpdateRow {
  seq?: number
  doc: string
  data: Uint8Array
  /** true for a compacted snapshot of the whole document */
  snapshot?: boolean
}

export interface SettingsRow extends SpaceSettings {
  key: 'space'
}

export interface MetaRow {
  key: string
  value: unknown
}

/**
 * The Dexie read model. Every table but `updates` and `meta` is a projection of the Yjs
 * documents (see src/sync/layout.ts) and can be rebuilt from the update log.
 */
export class KeepsakeDB extends Dexie {
  updates!: Table<UpdateRow, number>
  meta!: Table<MetaRow, string>
  /** records that failed their schema (quarantined): not projected, reported */
  problems!: Table<ProblemRow, string>
  settings!: Table<SettingsRow, string>
  directory!: Table<DirectoryRecord, string>
  users!: Table<ProfileRecord, string>
  docs!: Table<DocRecord, string>
  sessions!: Table<SessionRecord, string>
  /** messages, MESSAGE_BLOCK_SIZE consecutive ones of a session per row (see messageBlocks.ts) */
  messageBlocks!: Table<MessageBlockRow, [string, number]>
  memories!: Table<MemoryRecord, string>
  connections!: Table<ConnectionRecord, string>
  conflicts!: Table<ConflictRecord, string>

  constructor(name: string) {
    super(name)
    this.version(1).stores({
      updates: '++seq, [doc+seq]',
      meta: 'key',
      settings: 'key',
      directory: 'uid, userId, createdAt',
      users: 'uid, createdAt',
      docs: 'docId, [uid+createdAt]',
      sessions: 'sessionId, [uid+createdAt], [uid+status], status',
      messages: 'messageId, [sessionId+seq], [uid+timestamp]',
      memories: 'memoryId, [uid+createdAt], chainId, sessionId',
      connections: 'connectionId, uid, chainA, chainB',
      conflicts: 'conflictId, [uid+createdAt], [uid+status]',
    })
    // Version 2: messages are stored in blocks of a session (a row per message cost a new device
    // about 3 s of IndexedDB requests per 50,000 messages), and indexes no query uses are dropped
    // (every index is one more write per row).
    this.version(2)
      .stores({
        messages: null,
        messageBlocks: '[sessionId+block], [uid+sig]',
        memories: 'memoryId, [uid+createdAt]',
        sessions: 'sessionId, [uid+createdAt], status',
        connections: 'connectionId, uid',
        conflicts: 'conflictId, [uid+createdAt]',
      })
      .upgrade(async (tx) => {
        const rows = await tx.table('messages').toArray()
        await tx.table('messageBlocks').bulkAdd(blockRowsOf(rows))
      })
    // Version 3: records are checked against their schemas before they are projected; what a build
    // without the check projected is checked now, and a row that fails is taken out and reported.
    this.version(3)
      .stores({ problems: 'key, doc' })
      .upgrade((tx) => quarantineProjectedRows(tx))
    // Version 4: a user's sessions and messages live in parts of its history (a document per month,
    // src/sync/layout.ts); a session row says which (`part`). Rows without one are sessions still in
    // their user document, which MemoryClient.open moves into parts (src/sync/migrateParts.ts);
    // the index finds them by count, without a scan.
    this.version(4).stores({ sessions: 'sessionId, [uid+createdAt], status, part' })
  }

  /** Whether some session rows have no part: sessions still in their user document, from before the split. */
  async hasLegacySessions(): Promise<boolean> {
    const [all, inParts] = await Promise.all([this.sessions.count(), this.sessions.where('part').above('').count()])
    return all > inParts
  }

  /** Deletes every row projected from one user's document. Call inside a rw transaction. */
  async deleteUserRows(uid: string): Promise<void> {
    const range = <K extends string>(index: K) => [index, [uid, Dexie.minKey], [uid, Dexie.maxKey]] as const
    const byUid = async (table: Table<never, string>, index: string) => {
      const [, lo, hi] = range(index)
      await table.where(index).between(lo, hi, true, true).delete()
    }
    await byUid(this.messageBlocks as never, '[uid+sig]')
    await byUid(this.memories as never, '[uid+createdAt]')
    await byUid(this.conflicts as never, '[uid+createdAt]')
    await byUid(this.sessions as never, '[uid+createdAt]')
    await byUid(this.docs as never, '[uid+createdAt]')
    await this.connections.where('uid').equals(uid).delete()
    await this.users.delete(uid)
    await this.problems.where('doc').equals(`user/${uid}`).delete()
    await this.problems.where('doc').startsWith(`user/${uid}/`).delete()
  }
}
