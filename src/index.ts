// Keepsake's public API: everything a host app imports comes from here.

// ---- Client: users, sessions, memories, conflicts ----
export { MemoryClient } from './client/MemoryClient'
export type { MemoryClientOptions, CreateUserOptions, SettingsUpdate, Change, ChangeTable, ChangeOrigin, SyncProblem } from './client/MemoryClient'
export type { RecordKind } from './core/schema'
export { User } from './client/User'
export type { Doc, DocInput, UserUpdate, LastMessage } from './client/User'
export { Session } from './client/Session'
export type { Message, AddMessageOptions } from './client/Session'
export { MergeConflict } from './client/MergeConflict'
export type { ListMergeConflictsOptions } from './client/MergeConflict'
export type { UserMemoryItem, ListMemoriesOptions, MemoryInput, DeletedMemory, ForgetMatch } from './client/memories'
export type { ReplyOptions, ChatAvailability } from './pipeline/reply'
export { DEFAULT_SETTINGS } from './store/settings'

// ---- Domain: types, errors, categories, filters ----
export * from './core/errors'
export type * from './core/types'
export { isOpenConflictStatus } from './core/types'
export { DEFAULT_CATEGORIES } from './core/categories'
export { metadataMatches } from './core/metadata'

// ---- Memory context for prompts (getContext) ----
export type { GetContextOptions, SessionContext } from './retrieval/getContext'
export { renderContext } from './retrieval/render'
export type { ContextData, ContextMemory, ContextVersion, ContextDocument, ContextMessage, ContextConflict, ContextSession, RenderOptions } from './retrieval/render'
export type { RetrievedItem, RetrieveOptions, Retrieval } from './retrieval/retrieve'

// ---- Engines: the LLM boundary, the rules engine, the in-browser model in a worker ----
export type { MemoryEngine, ExtractInput, DecideInput, ClarifyInput, ResolveInput, ChatInput } from './engine/types'
export {
  RulesEngine,
  WorkerEngine,
  createEngineWithFallback,
  probeWebGPU,
  listModels,
  describeModels,
  defaultModelFor,
  chooseModelVariant,
  isModelCached,
  deleteCachedModel,
  DEFAULT_MODEL_ID,
  DEFAULT_MODEL_ID_F32,
  SMALL_EMBEDDING_MODEL_ID,
  NO_WEBGPU_MESSAGE,
  RULES_FALLBACK,
} from './engine/index'
export type {
  EngineWithFallbackOptions,
  WorkerEngineOptions,
  WorkerEngineState,
  WorkerEngineStatus,
  WebGPUProbe,
  WebGPUProblem,
  ModelInfo,
  ModelChoice,
  ModelKind,
  ListModelsOptions,
  LoadPhase,
  LoadProgress,
  EngineErrorReason,
} from './engine/index'

// ---- Sync between devices ----
export type { SyncConfig, SyncStatus, SyncState } from './sync/SyncProvider'
export { createSpaceCredentials, pairingLink, parsePairingLink, deriveSpaceToken } from './core/spaceToken'
export type { SpaceCredentials, PairingPayload } from './core/spaceToken'

// ---- Backups: one versioned JSON file per space or user (format: docs/backup-format.schema.json) ----
// Exported with client.exportSpace() and user.export(), imported with client.importBackup() and
// client.importRecallrAI(); a file can be checked on its own with checkBackup/validateBackup/parseBackup.
export type { ImportOptions, ImportResult, ImportConflict, ImportRecordKind } from './backup/import'
export type { RecallrAIData, RecallrAIImportResult } from './backup/recallrai'
export { checkBackup, validateBackup, parseBackup } from './backup/validate'
export { BACKUP_FORMAT, BACKUP_VERSION } from './backup/format'
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
} from './backup/format'
