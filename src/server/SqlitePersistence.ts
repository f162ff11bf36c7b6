/**
 * @hocuspocus/extension-sqlite on a connection we open ourselves, with a `store` that waits for
 * the write to finish (the stock one does not), so that a graceful shutdown really has stored
 * every document before the process exits. Same `documents` table and queries as the extension.
 */
import { SQLite } from '@hocuspocus/extension-sqlite'
import type { SqliteDb } from './db'

/**
 * The extension's upsert, unless the document is one of a deleted user (keepsake_deleted_documents,
 * see SpaceRegistry): its user document, or a part of its history (`user/<uid>/<key>`, a name under
 * the deleted one). Checked in the same statement, so a store that races the deletion cannot bring
 * the row back.
 */
export const storeUnlessDeletedQuery = `
  INSERT INTO "documents" ("name", "data")
  SELECT $name, $data
  WHERE NOT EXISTS (
    SELECT 1 FROM keepsake_deleted_documents
    WHERE space_id || '/' || doc_name = $name
       OR substr($name, 1, length(space_id || '/' || doc_name) + 1) = space_id || '/' || doc_name || '/'
  )
  ON CONFLICT(name) DO UPDATE SET data = $data
`

export class SqlitePersistence extends SQLite {
  constructor(private readonly sqlite: SqliteDb) {
    super({
      database: sqlite.path,
      store: async ({ documentName, state }) => {
        await sqlite.run(storeUnlessDeletedQuery, { $name: documentName, $data: state })
      },
    })
    this.db = sqlite.raw
  }

  /** The schema is created by startSyncServer before the server starts; keep our connection. */
  override async onConfigure(): Promise<void> {
    this.db = this.sqlite.raw
  }

  override async onListen(): Promise<void> {}
}
