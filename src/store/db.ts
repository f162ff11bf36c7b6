import Dexie, { type Table } from 'dexie'
import type {
  ConflictRecord,
  ConnectionRecord,
  DirectoryRecord,
  DocRecord,
  MemoryRecord,
  MessageRecord,
  ProfileRecord,
  SessionRecord,
  SpaceSettings,
} from '../core/types'

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
  settings!: Table<SettingsRow, string>
  directory!: Table<DirectoryRecord, string>
  users!: Table<ProfileRecord, string>
  docs!: Table<DocRecord, string>
  sessions!: Table<SessionRecord, string>
  messages!: Table<MessageRecord, string>
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
  }

  /** Deletes every row projected from one user's document. Call inside a rw transaction. */
  async deleteUserRows(uid: string): Promise<void> {
    const range = <K extends string>(index: K) => [index, [uid, Dexie.minKey], [uid, Dexie.maxKey]] as const
    const byUid = async (table: Table<never, string>, index: string) => {
      const [, lo, hi] = range(index)
      await table.where(index).between(lo, hi, true, true).delete()
    }
    await byUid(this.messages as never, '[uid+timestamp]')
    await byUid(this.memories as never, '[uid+createdAt]')
    await byUid(this.conflicts as never, '[uid+createdAt]')
    await byUid(this.sessions as never, '[uid+createdAt]')
    await byUid(this.docs as never, '[uid+createdAt]')
    await this.connections.where('uid').equals(uid).delete()
    await this.users.delete(uid)
  }
}
