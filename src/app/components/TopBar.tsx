import { useIsPhone } from '../hooks/useMediaQuery'
import { useUiStore } from '../stores/uiStore'
import { ConflictsBell } from './ConflictsBell'
import { EnginePill } from './EnginePill'
import { Icon } from './Icon'
import { SyncPill } from './SyncPill'
import { UserSwitcher } from './UserSwitcher'

export function TopBar() {
  const openSheet = useUiStore((s) => s.openSheet)
  const toggleDrawer = useUiStore((s) => s.toggleDrawer)
  const openSettings = useUiStore((s) => s.setSettingsOpen)
  const isPhone = useIsPhone()
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
      <UserSwitcher />
      <div className="top-bar-spacer" />
      <div className="top-bar-status">
        <SyncPill />
        <EnginePill />
      </div>
      <ConflictsBell />
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
