import type * as v from 'valibot'
import type {
  BackupFileSchema,
  ConflictBackupSchema,
  ConnectionBackupSchema,
  DocBackupSchema,
  MemoryBackupSchema,
  MessageBackupSchema,
  ProfileBackupSchema,
  SessionBackupSchema,
  UserBackupSchema,
} from './schema'

/**
 * The Keepsake backup file, version 1: a space or one user as one JSON object. Its shape is
 * declared once, as the valibot schema of src/backup/schema.ts; these types are inferred from it,
 * and docs/backup-format.schema.json is generated from it.
 *
 * - Dates are canonical ISO-8601 UTC strings as `Date.prototype.toISOString` writes them
 *   (`2025-01-08T10:00:00.000Z`), the form they have at rest, so that they sort as strings.
 * - Internal ids (`uid`) are not part of the file: a user is named by `userId`, and every record
 *   belongs to the user it is listed under. Record ids (docId, sessionId, messageId, memoryId,
 *   connectionId, conflictId) are kept, so importing a file twice adds nothing the second time.
 * - Every object is closed: a field that is not in the format is an error.
 */

export { BACKUP_FORMAT, BACKUP_VERSION, ISO_UTC } from './limits'

export type BackupFile = v.InferOutput<typeof BackupFileSchema>
export type BackupScope = BackupFile['scope']
export type BackupUser = v.InferOutput<typeof UserBackupSchema>
export type BackupProfile = v.InferOutput<typeof ProfileBackupSchema>
export type BackupDoc = v.InferOutput<typeof DocBackupSchema>
export type BackupSession = v.InferOutput<typeof SessionBackupSchema>
export type BackupMessage = v.InferOutput<typeof MessageBackupSchema>
export type BackupMemory = v.InferOutput<typeof MemoryBackupSchema>
export type BackupConnection = v.InferOutput<typeof ConnectionBackupSchema>
export type BackupConflict = v.InferOutput<typeof ConflictBackupSchema>

export interface BackupProblem {
  /** JSON path of the offending value, e.g. `$.users[0].memories[2].prevVersionId` */
  path: string
  message: string
}

export type BackupCheck = { ok: true; value: BackupFile } | { ok: false; problem: BackupProblem }
