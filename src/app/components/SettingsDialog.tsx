import { useSettingsStore } from '../stores/settingsStore'
import { useUiStore } from '../stores/uiStore'
import { BackupSettings } from './BackupSettings'
import { CategoriesEditor } from './CategoriesEditor'
import { ConflictSettings } from './ConflictSettings'
import { DangerZone } from './DangerZone'
import { Dialog } from './Dialog'
import { ErrorState } from './ErrorState'
import { ModelManager } from './ModelManager'
import { PanelBoundary } from './PanelBoundary'
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
        <PanelBoundary what="Settings" variant="section" resetKey={settings}>
          {/* Each section has its own boundary: one that cannot be shown leaves Sync, Export and the rest working. */}
          <div className="settings">
            <PanelBoundary what="The conflict setting" variant="section" resetKey={settings}>
              <ConflictSettings settings={settings} />
            </PanelBoundary>
            <PanelBoundary what="Categories" variant="section" resetKey={settings}>
              <CategoriesEditor categories={settings.categories} />
            </PanelBoundary>
            <PanelBoundary what="The AI model settings" variant="section">
              <ModelManager />
            </PanelBoundary>
            <PanelBoundary what="Storage" variant="section">
              <StorageSettings />
            </PanelBoundary>
            <PanelBoundary what="Sync" variant="section">
              <SyncSettings />
            </PanelBoundary>
            <PanelBoundary what="Export and import" variant="section">
              <BackupSettings />
            </PanelBoundary>
            <PanelBoundary what="The danger zone" variant="section">
              <DangerZone onDeleted={() => setOpen(false)} />
            </PanelBoundary>
          </div>
        </PanelBoundary>
      )}
    </Dialog>
  )
}
