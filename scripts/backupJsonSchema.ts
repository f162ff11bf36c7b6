/**
 * `npx tsx scripts/backupJsonSchema.ts`: writes docs/backup-format.schema.json from the valibot
 * schema of the backup file (src/backup/schema.ts). tests/unit/backupFormat.test.ts fails when the
 * published file and the schema drift apart.
 */
import { writeFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { toJsonSchema } from '@valibot/to-json-schema'
import {
  BackupDateSchema,
  BackupFileSchema,
  BackupIdSchema,
  ConflictBackupSchema,
  ConnectionBackupSchema,
  DocBackupSchema,
  JSON_SCHEMA_OF,
  MemoryBackupSchema,
  MessageBackupSchema,
  ProfileBackupSchema,
  SessionBackupSchema,
  SettingsBackupSchema,
  UserBackupSchema,
} from '../src/backup/schema'
import { MetadataSchema } from '../src/core/schema'

export const BACKUP_JSON_SCHEMA_FILE = new URL('../docs/backup-format.schema.json', import.meta.url)

/** Rules of the format that a JSON Schema cannot express; the importer (checkBackup) checks them. */
const NOT_EXPRESSED = [
  'ids are unique in the whole file per kind (userId, docId, sessionId, messageId, memoryId, connectionId, conflictId)',
  "a memory version's prevVersionId names a version of the same user and the same chain, chains have no cycles and one first version (prevVersionId null); two versions may share a previous version (two heads after sync)",
  'chainId may name no version (the chain\'s first version was deleted), but when it names a version, that version has chainId equal to its own memoryId',
  'a connection links two chains that have versions of the same user, connectionId is chainA + "|" + chainB and chainA sorts before chainB (code-unit order)',
  'mergeConflictId and pendingConflictId name conflicts of the same user',
  'sessionId of memories and conflicts, sourceMessageIds, and the memories a conflict names may name records that no longer exist (a deleted session, a deleted memory) but never a record of another user',
  'expirationReason is null exactly when expiredAt is null',
  'metadata is at most 65536 characters as JSON, nested at most 32 levels, and uses none of the keys __proto__, constructor, prototype',
  'the category names of the settings are all different, and so are the clarifying questions of a conflict',
  'a file of scope user holds exactly one user',
  'dates are real dates (2025-02-30T10:00:00.000Z matches the pattern and is refused)',
]

/** The JSON Schema (draft 2020-12) of the backup file, generated from the valibot schema. */
export function backupJsonSchema(): Record<string, unknown> {
  const generated = toJsonSchema(BackupFileSchema, {
    target: 'draft-2020-12',
    errorMode: 'throw',
    definitions: {
      date: BackupDateSchema,
      id: BackupIdSchema,
      metadata: MetadataSchema,
      settings: SettingsBackupSchema,
      user: UserBackupSchema,
      profile: ProfileBackupSchema,
      doc: DocBackupSchema,
      session: SessionBackupSchema,
      message: MessageBackupSchema,
      memory: MemoryBackupSchema,
      connection: ConnectionBackupSchema,
      conflict: ConflictBackupSchema,
    },
    // what valibot cannot convert (a custom schema, checks) says what it means in JSON Schema terms;
    // the other checks (across fields, or across items) are the importer's: see NOT_EXPRESSED
    overrideSchema: ({ valibotSchema, jsonSchema }) => {
      const mine = JSON_SCHEMA_OF.get(valibotSchema)
      return mine && { ...jsonSchema, ...mine }
    },
    overrideAction: ({ valibotAction, jsonSchema }) => {
      const mine = JSON_SCHEMA_OF.get(valibotAction)
      if (mine) return { ...jsonSchema, ...mine }
      return valibotAction.type === 'check' || valibotAction.type === 'raw_check' ? jsonSchema : undefined
    },
  }) as Record<string, unknown>
  const { $schema, ...rest } = generated
  return {
    $schema,
    $id: 'https://keepsake.local/schemas/backup-format.schema.json',
    title: 'Keepsake backup file, version 1',
    description:
      'A Keepsake space, or one user of it, as one JSON object. Generated from the valibot schema in src/backup/schema.ts by scripts/backupJsonSchema.ts: do not edit by hand. ' +
      'The internal user id (uid) is not part of the file: every record belongs to the user it is listed under. Record ids are kept, so an import of the same file twice adds nothing the second time. ' +
      `Rules this schema cannot express, checked by the importer (checkBackup): ${NOT_EXPRESSED.map((r, i) => `(${i + 1}) ${r}`).join('; ')}. ` +
      'What coordinates devices (processing claims, the device that owns a session) is not part of the file. Lengths are limits in UTF-16 code units, as JavaScript counts them (a JSON Schema validator counts code points, so it is slightly more lenient on text outside the Basic Multilingual Plane).',
    ...rest,
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  writeFileSync(BACKUP_JSON_SCHEMA_FILE, `${JSON.stringify(backupJsonSchema(), null, 2)}\n`)
  console.log(`wrote ${BACKUP_JSON_SCHEMA_FILE.pathname}`)
}
