import type { ImportResult } from '../../index'
import { backupFileName, downloadJson } from '../lib/download'
import { reloadMemoryLayer } from './actions'
import { client } from './clientStore'
import { useDocStore } from './docStore'
import { useSessionStore } from './sessionStore'
import { useSettingsStore } from './settingsStore'
import { useUserStore } from './userStore'

/** Backups: export to a JSON file, import one back, and deleting everything on this device. */

/** Downloads every profile of this device as one file; returns the file's name. */
export async function exportEverything(): Promise<string> {
  const name = backupFileName(new Date())
  downloadJson(await client().exportSpace(), name)
  return name
}

/** Downloads the current profile alone; returns the file's name. */
export async function exportCurrentUser(): Promise<string> {
  const user = useUserStore.getState().current
  if (!user) throw new Error('There is no profile to export yet')
  const name = backupFileName(new Date(), user.userId)
  downloadJson(await user.export(), name)
  return name
}

/** Imports a backup file's text (nothing changes when it is refused), then shows what it brought. */
export async function importText(text: string): Promise<ImportResult> {
  const result = await client().importBackup(text)
  await useUserStore.getState().load()
  if (useUserStore.getState().current) {
    void useSettingsStore.getState().load()
    void useDocStore.getState().load()
    void reloadMemoryLayer()
    void useSessionStore.getState().load()
  }
  return result
}

/** Deletes the local database and this app's remembered choices, then starts again at first run. */
export async function deleteEverything(): Promise<void> {
  await client().destroyAllData()
  try {
    for (const key of Object.keys(localStorage)) if (key.startsWith('keepsake:')) localStorage.removeItem(key)
  } catch {
    /* nothing remembered, or storage blocked */
  }
  location.reload()
}
