import { useIsPhone } from '../hooks/useMediaQuery'
import { useUiStore } from '../stores/uiStore'
import { useUserStore } from '../stores/userStore'
import { ConflictsBell } from './ConflictsBell'
import { EnginePill } from './EnginePill'
import { Icon } from './Icon'
import { PanelBoundary } from './PanelBoundary'
import { SyncPill } from './SyncPill'
import { UserSwitcher } from './UserSwitcher'

export function TopBar() {
  const openSheet = useUiStore((s) => s.openSheet)
  const toggleDrawer = useUiStore((s) => s.toggleDrawer)
  const openSettings = useUiStore((s) => s.setSettingsOpen)
  const isPhone = useIsPhone()
  const profile = useUserStore((s) => s.currentView)
  const drawerShown = useUiStore((s) => (isPhone ? s.sheet === 'drawer' : s.drawerOpen))
  return (
    <header className="top-bar">
      <button type="button" className="icon-button phone-only" aria-label="Chats" onClick={() => openSheet('sessions')}>
        <Icon name="menu" />
      </button>
      <span className="brand desktop-only" aria-hidden="true">
        <span className="brand-mark small">K</span>
        Keepsake
      </span>
      {/* Small boundaries: a profile that cannot be shown leaves the sync pill, Settings and the drawer reachable. */}
      <PanelBoundary what="The profile switcher" variant="inline" resetKey={profile}>
        <UserSwitcher />
      </PanelBoundary>
      <div className="top-bar-spacer" />
      <div className="top-bar-status">
        <PanelBoundary what="Sync status" variant="inline">
          <SyncPill />
        </PanelBoundary>
        <PanelBoundary what="The AI model status" variant="inline">
          <EnginePill />
        </PanelBoundary>
      </div>
      <PanelBoundary what="Conflicts" variant="inline">
        <ConflictsBell />
      </PanelBoundary>
      <button type="button" className="icon-button desktop-only" aria-label="Settings" onClick={() => openSettings(true)}>
        <Icon name="gear" />
      </button>
      <button type="button" className="button ghost drawer-toggle" aria-expanded={drawerShown} onClick={toggleDrawer}>
        <Icon name="panel" />
        <span className="drawer-toggle-text">Memory</span>
      </button>
    </header>
  )
}
