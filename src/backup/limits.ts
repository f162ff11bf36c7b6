import { LIMITS } from '../core/validation'

export const BACKUP_FORMAT = 'keepsake-backup'
export const BACKUP_VERSION = 1

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
