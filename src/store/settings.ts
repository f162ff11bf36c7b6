import { DEFAULT_CATEGORIES } from '../core/categories'
import Dexie from 'dexie'
import type { ProfileRecord, SpaceSettings } from '../core/types'
import type { KeepsakeDB } from './db'

export const DEFAULT_SETTINGS: SpaceSettings = {
  categories: DEFAULT_CATEGORIES,
  mergeConflictsEnabled: false,
  modelId: null,
}

/** The space settings as projected, with defaults for what was never set. */
export async function readSettings(db: KeepsakeDB): Promise<SpaceSettings> {
  const row = await db.settings.get('space')
  return {
    categories: row?.categories ?? DEFAULT_SETTINGS.categories,
    mergeConflictsEnabled: row?.mergeConflictsEnabled ?? DEFAULT_SETTINGS.mergeConflictsEnabled,
    modelId: row?.modelId ?? DEFAULT_SETTINGS.modelId,
  }
}

/**
 * When the user last wrote: the newest of the profile's lastActiveAt and their newest message.
 * Messages do not rewrite the profile (that would cost every addMessage a second row); the
 * activity is read from the messages index instead.
 */
export async function withActivity(db: KeepsakeDB, profile: ProfileRecord): Promise<ProfileRecord> {
  const last = await db.messages.where('[uid+timestamp]').between([profile.uid, Dexie.minKey], [profile.uid, Dexie.maxKey]).last()
  return last && last.timestamp > profile.lastActiveAt ? { ...profile, lastActiveAt: last.timestamp } : profile
}
