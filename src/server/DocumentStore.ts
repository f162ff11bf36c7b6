/**
 * Where the sync server keeps documents, durably: every accepted update is appended to an update
 * log (on disk) before the client is told it is synced; a debounced fold writes the document's
 * state as one row and deletes the logged updates that state contains. On load, a document is its
 * row plus its logged updates. Two implementations: `SqliteDocumentStore` (one server, one file)
 * and `PostgresDocumentStore` (several servers sharing a database, with Redis between them).
 */
import * as Y from 'yjs'

export interface DocumentStore {
  /** The stored row and the logged updates after it, oldest first (empty: a new document). */
  load(name: string): Promise<Uint8Array[]>
  /**
   * Appends one update to the log and resolves once it is on disk (updates appended together are
   * committed together). A deleted user's document is not stored (and resolves all the same).
   */
  append(name: string, update: Uint8Array): Promise<void>
  /**
   * Writes the document's state as its row and deletes the logged updates that state contains, so
   * that updates logged while the row was being written stay in the log.
   */
  fold(name: string, document: Y.Doc): Promise<void>
  /**
   * Brings a loaded document up to what the store holds (updates another server logged). Only
   * stores shared by several servers need it.
   */
  catchUp?(name: string, document: Y.Doc): Promise<void>
  /**
   * Deletes a document and every document under it (`<name>/…`): rows and logged updates, and as
   * far as the engine allows, the deleted bytes from its files.
   */
  purge(name: string): Promise<void>
  /** Waits for the appends under way. */
  close(): Promise<void>
}

/**
 * True when the name (an SQL expression) is a deleted user's document or a part of its history (a
 * name under it), from keepsake_deleted_documents (SpaceRegistry). Inside each write's own
 * statement, so a write that races the deletion cannot bring the bytes back. The same SQL in SQLite
 * and PostgreSQL.
 */
export const deletedDocument = (nameExpr: string) => `EXISTS (
    SELECT 1 FROM keepsake_deleted_documents
    WHERE space_id || '/' || doc_name = ${nameExpr}
       OR substr(${nameExpr}, 1, length(space_id || '/' || doc_name) + 1) = space_id || '/' || doc_name || '/'
  )`

/** Most updates one commit takes (two bound values each; SQLite's default cap is 32,766 values). */
const MAX_BATCH_UPDATES = 1000
/** Most bytes one commit takes; a bigger single update still goes alone. */
const MAX_BATCH_BYTES = 16 * 1024 * 1024

export interface LoggedUpdate {
  name: string
  update: Uint8Array
}

interface Pending extends LoggedUpdate {
  resolve(): void
  reject(error: unknown): void
}

/**
 * Group commit: appends go through one queue, and whatever arrives while a commit is being written
 * goes into the next one, so a burst of updates costs a few fsyncs rather than one each.
 */
export class GroupCommit {
  private queue: Pending[] = []
  private writing: Promise<void> | null = null

  /** `commit` writes the batch in one transaction and resolves once it is durable. */
  constructor(private readonly commit: (batch: LoggedUpdate[]) => Promise<void>) {}

  append(name: string, update: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ name, update, resolve, reject })
      this.writing ??= this.drain()
    })
  }

  async idle(): Promise<void> {
    while (this.writing) await this.writing
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length) {
        const batch = this.take()
        try {
          await this.commit(batch)
          for (const p of batch) p.resolve()
        } catch (error) {
          for (const p of batch) p.reject(error)
        }
      }
    } finally {
      this.writing = null
    }
  }

  private take(): Pending[] {
    let bytes = 0
    let n = 0
    while (n < this.queue.length && n < MAX_BATCH_UPDATES) {
      bytes += this.queue[n]!.update.byteLength
      if (n > 0 && bytes > MAX_BATCH_BYTES) break
      n++
    }
    return this.queue.splice(0, n)
  }
}

/** A test of which updates the document already holds (structs and deletions), as it is now. */
export function heldBy(document: Y.Doc): (update: Uint8Array) => boolean {
  const snapshot = Y.snapshot(document)
  return (update) => {
    try {
      return Y.snapshotContainsUpdate(snapshot, update)
    } catch {
      return false // kept in the log; the next fold looks again
    }
  }
}

/**
 * The document's state and the test of what it holds, taken at the same instant: what the row
 * will hold is what the test says it holds.
 */
export function snapshotOf(document: Y.Doc): { state: Uint8Array; contains(update: Uint8Array): boolean } {
  return { state: Y.encodeStateAsUpdate(document), contains: heldBy(document) }
}

export const asBuffer = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
