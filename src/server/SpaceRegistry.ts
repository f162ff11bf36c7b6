/**
 * The spaces a sync server admits, kept in two tables of the same SQLite file as the documents:
 * `keepsake_spaces` (space id -> hash of its token; the secret is never known here) and
 * `keepsake_space_documents` (which document names each space has used, for the per-space cap) and
 * `keepsake_deleted_documents` (documents of deleted users: never stored again).
 */
import { timingSafeEqual } from 'node:crypto'
import { createSpaceCredentials, hashToken, isValidSpaceId, type SpaceCredentials } from '../core/spaceToken'
import { uidOfDocName, userDocName } from '../sync/layout'
import type { SqlDb } from './db'

export type SpaceOrigin = 'cli' | 'api' | 'first-use'

const SCHEMA = `
CREATE TABLE IF NOT EXISTS keepsake_spaces (
  space_id TEXT PRIMARY KEY,
  token_hash TEXT NOT NULL,
  origin TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS keepsake_space_documents (
  space_id TEXT NOT NULL,
  doc_name TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (space_id, doc_name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS keepsake_deleted_documents (
  space_id TEXT NOT NULL,
  doc_name TEXT NOT NULL,
  deleted_at TEXT NOT NULL,
  PRIMARY KEY (space_id, doc_name)
) WITHOUT ROWID;
`

export class SpaceRegistry {
  /** Known spaces only: a miss is always read again, so spaces created by the CLI show up. */
  private readonly tokenHashes = new Map<string, string>()
  private readonly docCounts = new Map<string, number>()
  private readonly locks = new Map<string, Promise<unknown>>()
  /** `<spaceId>/<docName>` of deleted documents seen so far */
  private readonly deleted = new Set<string>()

  private constructor(private readonly db: SqlDb) {}

  static async open(db: SqlDb): Promise<SpaceRegistry> {
    await db.exec(SCHEMA)
    return new SpaceRegistry(db)
  }

  async getTokenHash(spaceId: string): Promise<string | undefined> {
    const cached = this.tokenHashes.get(spaceId)
    if (cached) return cached
    const row = await this.db.get<{ token_hash: string }>(
      'SELECT token_hash FROM keepsake_spaces WHERE space_id = ?',
      [spaceId],
    )
    if (row) this.tokenHashes.set(spaceId, row.token_hash)
    return row?.token_hash
  }

  /** Registers the space unless it exists; returns the hash now on record (the first one wins). */
  async register(spaceId: string, tokenHash: string, origin: SpaceOrigin): Promise<string> {
    if (!isValidSpaceId(spaceId)) throw new Error(`Invalid space id "${spaceId}"`)
    await this.db.run(
      'INSERT OR IGNORE INTO keepsake_spaces (space_id, token_hash, origin, created_at) VALUES (?, ?, ?, ?)',
      [spaceId, tokenHash, origin, new Date().toISOString()],
    )
    this.tokenHashes.delete(spaceId)
    const stored = await this.getTokenHash(spaceId)
    if (!stored) throw new Error(`Space ${spaceId} was not registered`)
    return stored
  }

  /** Registers the space unless it exists; true when this call inserted it. */
  async insertIfAbsent(spaceId: string, tokenHash: string, origin: SpaceOrigin): Promise<boolean> {
    if (!isValidSpaceId(spaceId)) throw new Error(`Invalid space id "${spaceId}"`)
    const { changes } = await this.db.run(
      'INSERT OR IGNORE INTO keepsake_spaces (space_id, token_hash, origin, created_at) VALUES (?, ?, ?, ?)',
      [spaceId, tokenHash, origin, new Date().toISOString()],
    )
    this.tokenHashes.delete(spaceId)
    return changes > 0
  }

  async createSpace(origin: SpaceOrigin): Promise<SpaceCredentials> {
    const credentials = await createSpaceCredentials()
    await this.register(credentials.spaceId, await hashToken(credentials.token), origin)
    return credentials
  }

  async countSpaces(origin?: SpaceOrigin): Promise<number> {
    const row = origin
      ? await this.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM keepsake_spaces WHERE origin = ?', [origin])
      : await this.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM keepsake_spaces')
    return row?.n ?? 0
  }

  /**
   * Records that the space uses docName. Returns false (and records nothing) when the document is
   * new and the space already has `max` documents.
   */
  async admitDocument(spaceId: string, docName: string, max: number): Promise<boolean> {
    return this.withLock(spaceId, async () => {
      const known = await this.db.get('SELECT 1 AS x FROM keepsake_space_documents WHERE space_id = ? AND doc_name = ?', [
        spaceId,
        docName,
      ])
      if (known) return true
      let count = this.docCounts.get(spaceId)
      if (count === undefined) {
        const row = await this.db.get<{ n: number }>(
          'SELECT COUNT(*) AS n FROM keepsake_space_documents WHERE space_id = ?',
          [spaceId],
        )
        count = row?.n ?? 0
      }
      if (count >= max) {
        this.docCounts.set(spaceId, count)
        return false
      }
      await this.db.run('INSERT INTO keepsake_space_documents (space_id, doc_name, created_at) VALUES (?, ?, ?)', [
        spaceId,
        docName,
        new Date().toISOString(),
      ])
      this.docCounts.set(spaceId, count + 1)
      return true
    })
  }

  /**
   * Records that a user's document is gone for good (its user was deleted), with every part of its
   * history (the names under it): they no longer count towards the space's cap, and isDeleted says
   * so from now on, also after a restart.
   */
  async markDeleted(spaceId: string, docName: string): Promise<void> {
    await this.withLock(spaceId, async () => {
      await this.db.run('INSERT OR IGNORE INTO keepsake_deleted_documents (space_id, doc_name, deleted_at) VALUES (?, ?, ?)', [
        spaceId,
        docName,
        new Date().toISOString(),
      ])
      await this.db.run('DELETE FROM keepsake_space_documents WHERE space_id = ? AND (doc_name = ? OR substr(doc_name, 1, ?) = ?)', [
        spaceId,
        docName,
        docName.length + 1,
        `${docName}/`,
      ])
      this.docCounts.delete(spaceId)
      this.deleted.add(`${spaceId}/${docName}`)
    })
  }

  /** Whether the document, or the user document it is a part of, was deleted. */
  async isDeleted(spaceId: string, name: string): Promise<boolean> {
    const uid = uidOfDocName(name)
    const docName = uid ? userDocName(uid) : name
    if (this.deleted.has(`${spaceId}/${docName}`)) return true
    const row = await this.db.get('SELECT 1 AS x FROM keepsake_deleted_documents WHERE space_id = ? AND doc_name = ?', [spaceId, docName])
    if (row) this.deleted.add(`${spaceId}/${docName}`)
    return !!row
  }

  private async withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve()
    const next = previous.then(fn, fn)
    const settled = next.catch(() => undefined)
    this.locks.set(key, settled)
    try {
      return await next
    } finally {
      if (this.locks.get(key) === settled) this.locks.delete(key)
    }
  }
}

/** Constant-time comparison of two hex hashes. */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8')
  const y = Buffer.from(b, 'utf8')
  return x.length === y.length && timingSafeEqual(x, y)
}
