import {
  type ClarifyingQuestion,
  type ConflictAnswer,
  type ConflictingMemory,
  type ExpirationReason,
  type IsoDate,
  type JsonObject,
  type MergeConflictStatus,
  type MessageRole,
  type ProcessingSummary,
  type SessionStatus,
  type SpaceSettings,
  type StoredFact,
} from '../core/types'
import { LIMITS } from '../core/validation'

/**
 * The Keepsake backup file, version 1: a space or one user as one JSON object.
 * docs/backup-format.schema.json documents the same format as a JSON Schema (draft 2020-12);
 * src/backup/validate.ts checks a file against it.
 *
 * - Dates are canonical ISO-8601 UTC strings as `Date.prototype.toISOString` writes them
 *   (`2025-01-08T10:00:00.000Z`), the form they have at rest, so that they sort as strings.
 * - Internal ids (`uid`) are not part of the file: a user is named by `userId`, and every record
 *   belongs to the user it is listed under. Record ids (docId, sessionId, messageId, memoryId,
 *   connectionId, conflictId) are kept, so importing a file twice adds nothing the second time.
 * - Every object is closed: a field that is not in the format is an error.
 */

export const BACKUP_FORMAT = 'keepsake-backup'
export const BACKUP_VERSION = 1

export type BackupScope = 'space' | 'user'

export interface BackupProfile {
  name: string
  about: string
  metadata: JsonObject
  mergeConflictEnabled: boolean | null
  createdAt: IsoDate
  updatedAt: IsoDate
  lastActiveAt: IsoDate
}

export interface BackupDoc {
  docId: string
  title: string
  content: string
  metadata: JsonObject
  createdAt: IsoDate
}

export interface BackupMessage {
  messageId: string
  seq: number
  role: MessageRole
  content: string
  timestamp: IsoDate
}

export interface BackupSession {
  sessionId: string
  status: SessionStatus
  metadata: JsonObject
  createdAt: IsoDate
  autoProcessAfterSeconds: number
  lastMessageAt: IsoDate | null
  processedAt: IsoDate | null
  error: string | null
  updatedAt: IsoDate
  /** what processing changed (present once processed) */
  summary: ProcessingSummary | null
  /** the session's messages, in `seq` order */
  messages: BackupMessage[]
}

export interface BackupMemory {
  memoryId: string
  chainId: string
  prevVersionId: string | null
  content: string
  categories: string[]
  eventDateStart: IsoDate | null
  eventDateEnd: IsoDate | null
  createdAt: IsoDate
  expiredAt: IsoDate | null
  expirationReason: ExpirationReason | null
  mergeConflictId: string | null
  pendingConflictId: string | null
  sessionId: string | null
  sourceMessageIds: string[]
}

export interface BackupConnection {
  connectionId: string
  chainA: string
  chainB: string
  createdAt: IsoDate
}

export interface BackupConflict {
  conflictId: string
  sessionId: string | null
  status: MergeConflictStatus
  proposedMemoryContent: string
  proposedFact: StoredFact
  conflictingMemories: ConflictingMemory[]
  clarifyingQuestions: ClarifyingQuestion[]
  resolutionData: { answers: ConflictAnswer[] } | null
  newMemories: string[]
  createdAt: IsoDate
  resolvedAt: IsoDate | null
  error: string | null
  origin: 'pipeline' | 'sync'
}

export interface BackupUser {
  userId: string
  profile: BackupProfile
  docs: BackupDoc[]
  sessions: BackupSession[]
  /** every version of every chain */
  memories: BackupMemory[]
  connections: BackupConnection[]
  conflicts: BackupConflict[]
}

export interface BackupFile {
  format: typeof BACKUP_FORMAT
  version: typeof BACKUP_VERSION
  exportedAt: IsoDate
  scope: BackupScope
  /** the space settings, when the exported space had any set */
  settings?: SpaceSettings
  users: BackupUser[]
}

export interface BackupProblem {
  /** JSON path of the offending value, e.g. `$.users[0].memories[2].prevVersionId` */
  path: string
  message: string
}

export type BackupCheck = { ok: true; value: BackupFile } | { ok: false; problem: BackupProblem }

/** Limits of the format, from LIMITS of src/core/validation. */
export const BACKUP_LIMITS = {
  /** ids given by a caller (userId, modelId) and category names */
  id: LIMITS.idLength,
  /** ids Keepsake makes (UUIDs; a sync conflict's id is derived from the ids of the versions it names) */
  recordId: 4096,
  name: LIMITS.nameLength,
  about: LIMITS.aboutLength,
  /** a message's content */
  message: LIMITS.messageLength,
  /** texts the engine wrote: memory contents, conflict texts, error texts (they may merge several messages) */
  text: LIMITS.docContentLength,
  docContent: LIMITS.docContentLength,
  /** bytes of JSON.stringify(metadata) */
  metadataBytes: LIMITS.metadataBytes,
  maxAutoProcessSeconds: LIMITS.maxAutoProcessSeconds,
  /** JSON nesting depth of metadata */
  metadataDepth: 32,
} as const

/** The canonical form of a date at rest. */
export const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/
