/**
 * A PostgreSQL pool (node-postgres) behind the same SqlDb interface as SQLite, so SpaceRegistry's
 * queries run on either. The registry's SQL is written for SQLite with `?` parameters; the few
 * differences are translated here: `?` → `$n`, `INSERT OR IGNORE` → `ON CONFLICT DO NOTHING`, no
 * `WITHOUT ROWID`; 64-bit counts come back as numbers.
 */
import pg from 'pg'
import type { SqlDb, SqlParams } from './db'

export interface PostgresDb extends SqlDb {
  readonly pool: pg.Pool
  /** The URL without its password, for logs. */
  readonly where: string
}

/** SQLite's dialect as the registry writes it, in PostgreSQL's. */
export function toPostgres(sql: string): string {
  let n = 0
  let out = sql.replace(/\?/g, () => `$${++n}`).replace(/\bWITHOUT ROWID\b/g, '')
  if (/\bINSERT OR IGNORE INTO\b/.test(out)) {
    out = `${out.replace(/\bINSERT OR IGNORE INTO\b/, 'INSERT INTO').trimEnd()} ON CONFLICT DO NOTHING`
  }
  return out
}

function positional(params: SqlParams | undefined): unknown[] {
  if (params === undefined) return []
  if (Array.isArray(params)) return params
  throw new TypeError('PostgreSQL queries take positional parameters')
}

const INT8_OID = 20

export async function openPostgres(url: string): Promise<PostgresDb> {
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    types: {
      getTypeParser: ((oid: number, format?: string) =>
        oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    },
  })
  // an idle client that loses its connection must not take the process down
  pool.on('error', () => undefined)
  await pool.query('SELECT 1') // fails here, with the driver's message, if the database is unreachable
  let where = url
  try {
    const u = new URL(url)
    u.password = ''
    where = u.toString()
  } catch {
    where = 'postgres'
  }
  let closed: Promise<void> | null = null
  return {
    pool,
    where,
    run: async (sql, params) => ({ changes: (await pool.query(toPostgres(sql), positional(params))).rowCount ?? 0 }),
    get: async <T>(sql: string, params?: SqlParams) => (await pool.query(toPostgres(sql), positional(params))).rows[0] as T | undefined,
    all: async <T>(sql: string, params?: SqlParams) => (await pool.query(toPostgres(sql), positional(params))).rows as T[],
    exec: async (sql) => {
      await pool.query(toPostgres(sql))
    },
    close: () => (closed ??= pool.end()),
  }
}
