/** A promise wrapper around one `sqlite3` connection. */
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import sqlite3 from 'sqlite3'

export type SqlParams = Record<string, unknown> | unknown[]

/** What the registry needs of a database: SQLite here, PostgreSQL in postgres.ts (same SQL, `?` parameters). */
export interface SqlDb {
  run(sql: string, params?: SqlParams): Promise<{ changes: number }>
  get<T>(sql: string, params?: SqlParams): Promise<T | undefined>
  all<T>(sql: string, params?: SqlParams): Promise<T[]>
  exec(sql: string): Promise<void>
  close(): Promise<void>
}

export interface SqliteDb extends SqlDb {
  readonly path: string
  /** The driver's own handle. */
  readonly raw: sqlite3.Database
}

export async function openSqlite(path: string, { busyTimeoutMs = 5000 } = {}): Promise<SqliteDb> {
  if (path !== ':memory:' && path !== '') mkdirSync(dirname(path), { recursive: true })
  const raw = await new Promise<sqlite3.Database>((resolve, reject) => {
    const db: sqlite3.Database = new sqlite3.Database(path, (err) => (err ? reject(err) : resolve(db)))
  })
  raw.configure('busyTimeout', busyTimeoutMs)
  let closed: Promise<void> | null = null
  const db: SqliteDb = {
    path,
    raw,
    run: (sql, params = []) =>
      new Promise((resolve, reject) => {
        raw.run(sql, params, function (this: sqlite3.RunResult, err: Error | null) {
          if (err) reject(err)
          else resolve({ changes: this.changes })
        })
      }),
    get: <T>(sql: string, params: SqlParams = []) =>
      new Promise<T | undefined>((resolve, reject) => {
        raw.get(sql, params, (err: Error | null, row: unknown) => (err ? reject(err) : resolve(row as T | undefined)))
      }),
    all: <T>(sql: string, params: SqlParams = []) =>
      new Promise<T[]>((resolve, reject) => {
        raw.all(sql, params, (err: Error | null, rows: unknown[]) => (err ? reject(err) : resolve(rows as T[])))
      }),
    exec: (sql) => new Promise((resolve, reject) => raw.exec(sql, (err) => (err ? reject(err) : resolve()))),
    close: () =>
      (closed ??= new Promise((resolve, reject) => raw.close((err) => (err ? reject(err) : resolve())))),
  }
  // WAL lets the CLI (--create-space) write the registry while a server has the file open.
  if (path !== ':memory:' && path !== '') await db.exec('PRAGMA journal_mode = WAL')
  return db
}
