/**
 * The DocumentStore of several servers sharing one PostgreSQL database (with Redis carrying updates
 * between them): the same rows and update log as SQLite's. Two things differ because other servers
 * write too. A fold takes the document's row lock (an advisory lock on its name) and first applies
 * whatever the row and the log hold that this server's copy lacks, so a row is never replaced by a
 * state that knows less. And `catchUp` brings a loaded document up to the log (a device opening it
 * on this server gets what another server acknowledged, even if Redis never passed it on).
 */
import type pg from 'pg'
import * as Y from 'yjs'
import { asBuffer, deletedDocument, GroupCommit, heldBy, type DocumentStore, type LoggedUpdate } from './DocumentStore'

export const POSTGRES_DOCUMENT_SCHEMA = `
CREATE TABLE IF NOT EXISTS documents (
  name text PRIMARY KEY,
  data bytea NOT NULL
);
CREATE TABLE IF NOT EXISTS keepsake_updates (
  id bigserial PRIMARY KEY,
  name text NOT NULL,
  data bytea NOT NULL
);
CREATE INDEX IF NOT EXISTS keepsake_updates_by_name ON keepsake_updates (name, id);
`

/** The origin of what a store applies to a loaded document (not a device's change). */
export const STORE_ORIGIN = 'keepsake-store'

export class PostgresDocumentStore implements DocumentStore {
  private readonly log = new GroupCommit((batch) => this.insert(batch))

  private constructor(private readonly pool: pg.Pool) {}

  /** Needs the registry's tables first (keepsake_deleted_documents). */
  static async open(pool: pg.Pool): Promise<PostgresDocumentStore> {
    await pool.query(POSTGRES_DOCUMENT_SCHEMA)
    return new PostgresDocumentStore(pool)
  }

  private async stored(name: string, db: pg.Pool | pg.PoolClient = this.pool) {
    const row = await db.query<{ data: Buffer }>('SELECT data FROM documents WHERE name = $1', [name])
    const logged = await db.query<{ id: string; data: Buffer }>('SELECT id::text AS id, data FROM keepsake_updates WHERE name = $1 ORDER BY id', [name])
    return { row: row.rows[0]?.data, logged: logged.rows }
  }

  async load(name: string): Promise<Uint8Array[]> {
    const { row, logged } = await this.stored(name)
    return [...(row ? [row] : []), ...logged.map((r) => r.data)]
  }

  append(name: string, update: Uint8Array): Promise<void> {
    return this.log.append(name, update)
  }

  /** One statement, one commit (fsynced: synchronous_commit is on by default); a deleted user's left out. */
  private async insert(batch: LoggedUpdate[]): Promise<void> {
    const values = batch.map((_, i) => `($${2 * i + 1}::text, $${2 * i + 2}::bytea)`).join(', ')
    await this.pool.query(
      `INSERT INTO keepsake_updates (name, data) SELECT v.name, v.data FROM (VALUES ${values}) AS v(name, data) WHERE NOT ${deletedDocument('v.name')}`,
      batch.flatMap((p) => [p.name, asBuffer(p.update)]),
    )
  }

  async catchUp(name: string, document: Y.Doc): Promise<void> {
    const { row, logged } = await this.stored(name)
    applyMissing(document, [...(row ? [row] : []), ...logged.map((r) => r.data)])
  }

  async fold(name: string, document: Y.Doc): Promise<void> {
    const client = await this.pool.connect()
    try {
      await client.query('BEGIN')
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [name])
      const { row, logged } = await this.stored(name, client)
      // (the test of what the copy holds is taken again only if something had to be applied)
      const held = applyMissing(document, [...(row ? [row] : []), ...logged.map((r) => r.data)])
      const state = Y.encodeStateAsUpdate(document)
      const contains = held ?? heldBy(document)
      await client.query(
        `INSERT INTO documents (name, data) SELECT $1::text, $2::bytea WHERE NOT ${deletedDocument('$1::text')}
         ON CONFLICT (name) DO UPDATE SET data = EXCLUDED.data`,
        [name, asBuffer(state)],
      )
      const folded = logged.filter((r) => contains(r.data)).map((r) => r.id)
      if (folded.length) await client.query('DELETE FROM keepsake_updates WHERE id = ANY($1::bigint[])', [folded])
      await client.query('COMMIT')
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined)
      throw error
    } finally {
      client.release()
    }
  }

  /**
   * PostgreSQL keeps deleted rows' old versions until VACUUM reclaims them, and its write-ahead
   * log until it recycles segments: a plain VACUUM runs after the delete, so the space is reused,
   * but the bytes are only overwritten as it is (see src/server/README.md).
   */
  async purge(name: string): Promise<void> {
    const params = [name, name.length + 1, `${name}/`]
    await this.pool.query('DELETE FROM documents WHERE name = $1 OR substr(name, 1, $2) = $3', params)
    await this.pool.query('DELETE FROM keepsake_updates WHERE name = $1 OR substr(name, 1, $2) = $3', params)
    await this.pool.query('VACUUM documents, keepsake_updates')
  }

  close(): Promise<void> {
    return this.log.idle()
  }
}

/**
 * Applies the updates the document does not hold yet (Yjs ignores what it has; this skips the
 * work). Returns the test of what the document holds when nothing was applied (it still holds), or
 * null when the document changed.
 */
function applyMissing(document: Y.Doc, updates: Uint8Array[]): ((update: Uint8Array) => boolean) | null {
  const held = heldBy(document)
  const missing = updates.filter((u) => !held(u))
  if (!missing.length) return held
  Y.applyUpdate(document, missing.length === 1 ? missing[0]! : Y.mergeUpdates(missing), STORE_ORIGIN)
  return null
}
