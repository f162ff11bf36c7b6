/**
 * Opens where a sync server keeps its data: one SQLite file (one server), or a PostgreSQL database
 * shared by several servers, which then pass updates to each other through Redis
 * (@hocuspocus/extension-redis). The registry and the documents live in the same database.
 */
import { Redis } from '@hocuspocus/extension-redis'
import IORedis from 'ioredis'
import { openSqlite, type SqlDb } from './db'
import type { DocumentStore } from './DocumentStore'
import { openPostgres } from './postgres'
import { PostgresDocumentStore } from './PostgresDocumentStore'
import { SpaceRegistry } from './SpaceRegistry'
import { SqliteDocumentStore } from './SqliteDocumentStore'

export interface Storage {
  db: SqlDb
  registry: SpaceRegistry
  store: DocumentStore
  /** for the log: the file, or the database URL without its password */
  where: string
}

/** PostgreSQL when a URL is given, the SQLite file otherwise. */
export async function openStorage(options: { sqlitePath: string; postgres?: string }): Promise<Storage> {
  if (options.postgres) {
    const db = await openPostgres(options.postgres)
    try {
      const registry = await SpaceRegistry.open(db)
      return { db, registry, store: await PostgresDocumentStore.open(db.pool), where: db.where }
    } catch (error) {
      await db.close()
      throw error
    }
  }
  const db = await openSqlite(options.sqlitePath)
  const registry = await SpaceRegistry.open(db)
  return { db, registry, store: await SqliteDocumentStore.open(db), where: options.sqlitePath }
}

/**
 * Hocuspocus's Redis extension on `redis://host:port[/db]`: servers on the same Redis and database
 * share each document's updates (pub/sub) and take turns storing it (a lock).
 */
export function redisExtension(url: string): Redis {
  const options = { maxRetriesPerRequest: null, lazyConnect: false }
  return new Redis({ createClient: () => new IORedis(url, options), prefix: 'keepsake' })
}
