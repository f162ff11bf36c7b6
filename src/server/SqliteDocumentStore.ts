/**
 * The DocumentStore of a single server: the Hocuspocus SQLite extension's `documents` table and our
 * update log in the same file, fsynced on each commit, deleted bytes overwritten (secure_delete)
 * and the write-ahead log truncated after a purge.
 */
import type * as Y from 'yjs'
import type { SqliteDb } from './db'
import { asBuffer, deletedDocument, GroupCommit, snapshotOf, type DocumentStore, type LoggedUpdate } from './DocumentStore'

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

export const storeUnlessDeletedQuery = `
  INSERT INTO "documents" ("name", "data")
  SELECT $name, $data
  WHERE NOT ${deletedDocument('$name')}
  ON CONFLICT(name) DO UPDATE SET data = $data
`

export class SqliteDocumentStore implements DocumentStore {
  private readonly log = new GroupCommit((batch) => this.insert(batch))

  private constructor(private readonly sqlite: SqliteDb) {}

  /** Creates the tables; turns on secure_delete and a full fsync of each commit. */
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
    return this.log.append(name, update)
  }

  /** One statement, so one commit: every row of the batch or none; a deleted user's left out. */
  private async insert(batch: LoggedUpdate[]): Promise<void> {
    const values = batch.map(() => '(?, ?)').join(', ')
    await this.sqlite.run(
      `INSERT INTO keepsake_updates (name, data) SELECT column1, column2 FROM (VALUES ${values}) WHERE NOT ${deletedDocument('column1')}`,
      batch.flatMap((p) => [p.name, asBuffer(p.update)]),
    )
  }

  async fold(name: string, document: Y.Doc): Promise<void> {
    const { state, contains } = snapshotOf(document)
    const logged = await this.sqlite.all<{ id: number; data: Buffer }>('SELECT id, data FROM keepsake_updates WHERE name = ? ORDER BY id', [name])
    await this.sqlite.run(storeUnlessDeletedQuery, { $name: name, $data: asBuffer(state) })
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
   * earlier versions (still in the log) are gone from disk. A reader can hold a checkpoint back:
   * tried for a second.
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

  close(): Promise<void> {
    return this.log.idle()
  }
}
