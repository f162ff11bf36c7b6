import type { Transaction } from 'dexie'
import { checkFields, checkRecord, problemKey, type RecordKind } from '../core/schema'
import type { MessageRecord } from '../core/types'
import { toBlockRow, type MessageBlockRow } from './messageBlocks'

/**
 * A record that arrived (over sync, or read back from the log) and failed its schema: it stays in its
 * Y document, is not projected, and is listed here so the app can say what could not be read.
 */
export interface ProblemRow {
  /** document + map + record id (see problemKey in src/sync/schema/check.ts) */
  key: string
  doc: string
  ymap: string
  kind: RecordKind
  recordId: string
  problem: string
  seenAt: string
}

/** The tables of records checked row by row: their kind, their Y map and id field, and whose document. */
const ROW_TABLES: { table: string; kind: RecordKind; ymap: string; idField: string; space?: boolean }[] = [
  { table: 'directory', kind: 'directory', ymap: 'directory', idField: 'uid', space: true },
  { table: 'docs', kind: 'doc', ymap: 'docs', idField: 'docId' },
  { table: 'sessions', kind: 'session', ymap: 'sessions', idField: 'sessionId' },
  { table: 'memories', kind: 'memory', ymap: 'memories', idField: 'memoryId' },
  { table: 'connections', kind: 'connection', ymap: 'connections', idField: 'connectionId' },
  { table: 'conflicts', kind: 'conflict', ymap: 'conflicts', idField: 'conflictId' },
]

/**
 * Checks every projected row against its schema (a database a build without the checks wrote may
 * hold rows that arrived malformed over sync): a record that fails is taken out of the projection
 * and reported in `problems`; its Y document keeps it. A profile or the settings keep their valid
 * fields. Runs once, as Dexie's version-3 upgrade.
 */
export async function quarantineProjectedRows(tx: Transaction): Promise<void> {
  const seenAt = new Date().toISOString()
  const problems: ProblemRow[] = []
  const report = (doc: string, ymap: string, kind: RecordKind, recordId: string, problem: string) =>
    problems.push({ key: problemKey(doc, ymap, recordId), doc, ymap, kind, recordId, problem, seenAt })

  for (const t of ROW_TABLES) {
    const rows = (await tx.table(t.table).toArray()) as Record<string, unknown>[]
    const bad: string[] = []
    for (const row of rows) {
      const r = checkRecord(t.kind, row)
      if (r.ok) continue
      const id = String(row[t.idField])
      bad.push(id)
      report(t.space ? 'space' : `user/${String(row.uid)}`, t.ymap, t.kind, id, r.problem)
    }
    if (bad.length) await tx.table(t.table).bulkDelete(bad)
  }

  const users = (await tx.table('users').toArray()) as Record<string, unknown>[]
  for (const row of users) {
    const r = checkFields('profile', Object.entries(row))
    if (!r.problems.length) continue
    await tx.table('users').put(r.row)
    report(`user/${String(row.uid)}`, 'profile', 'profile', String(row.uid), r.problems.join('; '))
  }
  const settings = (await tx.table('settings').get('space')) as Record<string, unknown> | undefined
  if (settings) {
    const r = checkFields('settings', Object.entries(settings))
    if (r.problems.length) {
      await tx.table('settings').put(r.row)
      report('space', 'settings', 'settings', 'space', r.problems.join('; '))
    }
  }

  const blocks = (await tx.table('messageBlocks').toArray()) as MessageBlockRow[]
  for (const b of blocks) {
    const valid: MessageRecord[] = []
    for (const m of Array.isArray(b.messages) ? b.messages : []) {
      const r = checkRecord('message', m)
      if (r.ok) valid.push(m)
      else report(`user/${b.uid}`, 'messages', 'message', String((m as Partial<MessageRecord>)?.messageId), r.problem)
    }
    if (valid.length === (Array.isArray(b.messages) ? b.messages.length : -1)) continue
    if (valid.length) await tx.table('messageBlocks').put(toBlockRow(b.uid, b.sessionId, b.block, valid))
    else await tx.table('messageBlocks').delete([b.sessionId, b.block])
  }
  if (problems.length) await tx.table('problems').bulkPut(problems)
}
