import { create } from 'zustand'
import type { SettingsUpdate, SpaceSettings } from '../../index'
import { errorMessage } from '../lib/errors'
import { client } from './clientStore'

interface SettingsState {
  status: 'loading' | 'ready' | 'error'
  error: string | null
  settings: SpaceSettings | null
  load(): Promise<void>
  /** Saves and throws the typed error (InvalidCategoriesError, ValidationError) when refused. */
  update(patch: SettingsUpdate): Promise<void>
}

/** The space's settings: categories, whether contradictions become questions, the model. */
export const useSettingsStore = create<SettingsState>()((set) => ({
  status: 'loading',
  error: null,
  settings: null,

  async load() {
    try {
      set({ status: 'ready', error: null, settings: await client().getSettings() })
    } catch (e) {
      set({ status: 'error', error: errorMessage(e) })
    }
  },

  async update(patch) {
    const settings = await client().updateSettings(patch)
    set({ settings })
  },
}))
