/** Node-only: the Keepsake sync server. Browser code must not import this folder. */
export {
  startSyncServer,
  resolveSqlitePath,
  DEFAULT_PORT,
  DEFAULT_HOST,
  DEFAULT_DATA_DIR,
  SQLITE_FILE_NAME,
  type SyncServerOptions,
  type SyncServerHandle,
} from './SyncServer'
export { DEFAULT_LIMITS, type SyncLimits } from './limits'
export type { SyncLogger, LogLevel } from './log'
