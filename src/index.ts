// Keepsake's public API: everything a host app imports comes from here.
export { MemoryClient } from './client/MemoryClient'
export { DEFAULT_SETTINGS } from './store/settings'
export type { MemoryClientOptions, CreateUserOptions, SettingsUpdate } from './client/MemoryClient'
export { User } from './client/User'
export type { Doc, DocInput, UserUpdate, LastMessage } from './client/User'
export { Session } from './client/Session'
export type { Message, AddMessageOptions } from './client/Session'
export * from './core/errors'
export type * from './core/types'
export { DEFAULT_CATEGORIES } from './core/categories'
export { metadataMatches } from './core/metadata'
export type { MemoryEngine, ExtractInput, DecideInput, ClarifyInput, ResolveInput, ChatInput } from './engine/types'
export { MergeConflict } from './client/MergeConflict'
export type { ListMergeConflictsOptions } from './client/MergeConflict'
export type { UserMemoryItem, ListMemoriesOptions } from './client/memories'
export type { SyncConfig, SyncStatus, SyncState } from './sync/SyncProvider'
export { createSpaceCredentials, pairingLink, parsePairingLink, deriveSpaceToken } from './core/spaceToken'
export type { SpaceCredentials, PairingPayload } from './core/spaceToken'
export type { GetContextOptions, SessionContext } from './retrieval/getContext'
export { renderContext } from './retrieval/render'
export type { ContextData, ContextMemory, ContextVersion, ContextDocument, ContextMessage, ContextConflict, ContextSession, RenderOptions } from './retrieval/render'
export type { RetrievedItem, RetrieveOptions, Retrieval } from './retrieval/retrieve'
// Backups: export a space or a user to one versioned JSON file, import it back (src/core/backupFormat.ts)
export { exportSpace, exportUser, importBackup, importRecallrAI } from './client/backup'
export type { ImportOptions, ImportResult, ImportConflict, ImportRecordKind, RecallrAIData, RecallrAIImportResult } from './client/backup'
export { BACKUP_FORMAT, BACKUP_VERSION, checkBackup, validateBackup, parseBackup } from './core/backupFormat'
export type {
  BackupFile,
  BackupUser,
  BackupProfile,
  BackupDoc,
  BackupSession,
  BackupMessage,
  BackupMemory,
  BackupConnection,
  BackupConflict,
  BackupScope,
  BackupProblem,
  BackupCheck,
} from './core/backupFormat'
