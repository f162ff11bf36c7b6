/**
 * Where the sync server keeps documents, durably: every accepted update is appended to an update
 * log (and on disk) before the client is told it is synced; a debounced fold writes the document's
 * state as one row and deletes the logged updates that state contains. On load, a document is its
 * row plus its logged updates. The SQLite implementation is here; the PostgreSQL one is
 * `PostgresDocumentStore`. DocumentStore is what both provide to `DurablePersistence`.
 */
import * as Y from 'yjs'
import type { SqliteDb } from './db'

export interface DocumentStore {
  /** The stored row and the logged updates after it, oldest first (empty: a new document). */
  load(name: string): Promise<Uint8Array[]>
  /**
   * Appends one update to the log and resolves once it is on disk (updates appended together are
   * committed together). A deleted user's document is not stored (and resolves all the same).
   */
  append(name: string, update: Uint8Array): Promise<void>
  /**
   * Writes `state` as the document's row and deletes the logged updates it contains
   * (`contains(update)`), so that updates logged while the state was being written stay.
   */
  fold(name: string, state: Uint8Array, contains: (update: Uint8Array) => boolean): Promise<void>
  /**
   * Deletes a document and every document under it (`<name>/…`): rows and logged updates, and makes
   * sure the deleted bytes are gone from the files too (overwritten, and the write-ahead log
   * checkpointed and truncated).
   */
  purge(name: string): Promise<void>
  close(): Promise<void>
}

/** The documents table is the Hocuspocus SQLite extension's own; the update log is ours. */
export const SQLITE_DOCUMENT_SCHEMA = `
CREATE TABLE IF NOT EXISTS "documents" (
  "name" varchar(255) NOT NULL,
  "data" blob NOT NULL,
  UNIQUE(name)
);
CREATE TABLE IF NOT EXISTS keepsake_updates (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS keepsake_updates_by_name ON keepsake_updates (name, id);
`

/**
 * True when `name` is a deleted user's document or a part of its history (a name under it), from
 * keepsake_deleted_documents (SpaceRegistry). In the same statement as each write, so a write that
 * races the deletion cannot bring the bytes back.
 */
const DELETED = (nameExpr: string) => `EXISTS (
    SELECT 1 FROM keepsake_deleted_documents
    WHERE space_id || '/' || doc_name = ${nameExpr}
       OR substr(${nameExpr}, 1, length(space_id || '/' || doc_name) + 1) = space_id || '/' || doc_name || '/'
  )`

export const storeUnlessDeletedQuery = `
  INSERT INTO "documents" ("name", "data")
  SELECT $name, $data
  WHERE NOT ${DELETED('$name')}
  ON CONFLICT(name) DO UPDATE SET data = $data
`

/** Most updates one commit takes (two bound values each; SQLite's default cap is 32,766 values). */
const MAX_BATCH_UPDATES = 1000
/** Most bytes one commit takes; a bigger single update still goes alone. */
const MAX_BATCH_BYTES = 16 * 1024 * 1024

interface Pending {
  name: string
  update: Uint8Array
  resolve(): void
  reject(error: unknown): void
}

/**
 * Appends go through one queue: whatever arrives while a commit is being written is committed in
 * the next one (group commit), so a burst of updates costs a few fsyncs, not one each.
 */
export class SqliteDocumentStore implements DocumentStore {
  private queue: Pending[] = []
  private writing: Promise<void> | null = null

  private constructor(private readonly sqlite: SqliteDb) {}

  /** Creates the tables; turns on secure_delete and full fsync of each commit. */
  static async open(sqlite: SqliteDb): Promise<SqliteDocumentStore> {
    // secure_delete: deleted rows' bytes are overwritten with zeros, not left in free pages.
    // synchronous FULL: a commit is on disk (the write-ahead log fsynced) before it returns.
    await sqlite.exec('PRAGMA secure_delete = ON; PRAGMA synchronous = FULL;')
    await sqlite.exec(SQLITE_DOCUMENT_SCHEMA)
    return new SqliteDocumentStore(sqlite)
  }

  async load(name: string): Promise<Uint8Array[]> {
    const row = await this.sqlite.get<{ data: Buffer }>('SELECT data FROM "documents" WHERE name = ?', [name])
    const logged = await this.sqlite.all<{ data: Buffer }>('SELECT data FROM keepsake_updates WHERE name = ? ORDER BY id', [name])
    return [...(row ? [row.data] : []), ...logged.map((r) => r.data)]
  }

  append(name: string, update: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ name, update, resolve, reject })
      this.writing ??= this.drain()
    })
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length) {
        const batch = this.takeBatch()
        try {
          await this.insert(batch)
          for (const p of batch) p.resolve()
        } catch (error) {
          for (const p of batch) p.reject(error)
        }
      }
    } finally {
      this.writing = null
    }
  }

  private takeBatch(): Pending[] {
    let bytes = 0
    let n = 0
    while (n < this.queue.length && n < MAX_BATCH_UPDATES) {
      bytes += this.queue[n]!.update.byteLength
      if (n > 0 && bytes > MAX_BATCH_BYTES) break
      n++
    }
    return this.queue.splice(0, n)
  }

  /**
   * One statement, so one commit: every row of the batch or none. A deleted user's documents are
   * left out by the statement itself, so a purge that races the append wins.
   */
  private async insert(batch: Pending[]): Promise<void> {
    const values = batch.map(() => '(?, ?)').join(', ')
    const params = batch.flatMap((p) => [p.name, Buffer.from(p.update.buffer, p.update.byteOffset, p.update.byteLength)])
    await this.sqlite.run(
      `INSERT INTO keepsake_updates (name, data) SELECT column1, column2 FROM (VALUES ${values}) WHERE NOT ${DELETED('column1')}`,
      params,
    )
  }

  async fold(name: string, state: Uint8Array, contains: (update: Uint8Array) => boolean): Promise<void> {
    const logged = await this.sqlite.all<{ id: number; data: Buffer }>('SELECT id, data FROM keepsake_updates WHERE name = ? ORDER BY id', [name])
    await this.sqlite.run(storeUnlessDeletedQuery, { $name: name, $data: Buffer.from(state.buffer, state.byteOffset, state.byteLength) })
    const folded = logged.filter((r) => contains(r.data)).map((r) => r.id)
    // The row and the deletion are two commits: a crash between them leaves updates the row already
    // holds, and applying an update twice changes nothing.
    for (let i = 0; i < folded.length; i += 500) {
      const ids = folded.slice(i, i + 500)
      await this.sqlite.run(`DELETE FROM keepsake_updates WHERE id IN (${ids.map(() => '?').join(', ')})`, ids)
    }
  }

  async purge(name: string): Promise<void> {
    const params = [name, name.length + 1, `${name}/`]
    await this.sqlite.run('DELETE FROM "documents" WHERE name = ? OR substr(name, 1, ?) = ?', params)
    await this.sqlite.run('DELETE FROM keepsake_updates WHERE name = ? OR substr(name, 1, ?) = ?', params)
    await this.checkpoint()
  }

  /**
   * Copies the write-ahead log into the database file and truncates it, so the deleted pages'
   * earlier versions (still in the log) are gone from disk. Readers can hold a checkpoint back:
   * tried a few times.
   */
  private async checkpoint(): Promise<void> {
    if (this.sqlite.path === ':memory:' || this.sqlite.path === '') return
    for (let attempt = 0; attempt < 20; attempt++) {
      const row = await this.sqlite.get<{ busy: number }>('PRAGMA wal_checkpoint(TRUNCATE)')
      if (!row?.busy) return
      await new Promise((r) => setTimeout(r, 50))
    }
    throw new Error('the write-ahead log could not be checkpointed (readers held it for 1 s)')
  }

  async close(): Promise<void> {
    while (this.writing) await this.writing
  }
}

/** Whether the document already holds everything `update` adds (structs and deletions). */
export function containedIn(document: Y.Doc): (update: Uint8Array) => boolean {
  const snapshot = Y.snapshot(document)
  return (update) => {
    try {
      return Y.snapshotContainsUpdate(snapshot, update)
    } catch {
      return false // kept in the log; the next fold looks again
    }
  }
}
