import { DEFAULT_CATEGORIES } from '../core/categories'
import type { SpaceSettings } from '../core/types'
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

