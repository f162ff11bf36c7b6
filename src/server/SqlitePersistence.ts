/**
 * @hocuspocus/extension-sqlite on a connection we open ourselves, with a `store` that waits for
 * the write to finish (the stock one does not), so that a graceful shutdown really has stored
 * every document before the process exits. Same `documents` table and queries as the extension.
 */
import { SQLite, upsertQuery } from '@hocuspocus/extension-sqlite'
import type { SqliteDb } from './db'

export class SqlitePersistence extends SQLite {
  /** `isDeleted`: a document of a deleted user is never stored again (see SyncServer). */
  constructor(
    private readonly sqlite: SqliteDb,
    isDeleted: (documentName: string) => Promise<boolean> = async () => false,
  ) {
    super({
      database: sqlite.path,
      store: async ({ documentName, state }) => {
        if (await isDeleted(documentName)) return
        await sqlite.run(upsertQuery, { $name: documentName, $data: state })
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
