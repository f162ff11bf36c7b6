import { useSettingsStore } from '../stores/settingsStore'
import { useUiStore } from '../stores/uiStore'
import { BackupSettings } from './BackupSettings'
import { CategoriesEditor } from './CategoriesEditor'
import { ConflictSettings } from './ConflictSettings'
import { DangerZone } from './DangerZone'
import { Dialog } from './Dialog'
import { ErrorState } from './ErrorState'
import { ModelManager } from './ModelManager'
import { Skeleton } from './Skeleton'
import { StorageSettings } from './StorageSettings'
import { SyncSettings } from './SyncSettings'

/** Settings of the space and of the current profile. */
export function SettingsDialog() {
  const open = useUiStore((s) => s.settingsOpen)
  const setOpen = useUiStore((s) => s.setSettingsOpen)
  const { status, error, settings, load } = useSettingsStore()
  return (
    <Dialog open={open} title="Settings" onClose={() => setOpen(false)} size="wide">
      {status === 'loading' && <Skeleton lines={4} />}
      {status === 'error' && <ErrorState message={error ?? ''} onRetry={load} />}
      {settings && (
        <div className="settings">
          <ConflictSettings settings={settings} />
          <CategoriesEditor categories={settings.categories} />
          <ModelManager />
          <StorageSettings />
          <SyncSettings />
          <BackupSettings />
          <DangerZone onDeleted={() => setOpen(false)} />
        </div>
      )}
    </Dialog>
  )
}
