import { useRef, type KeyboardEvent } from 'react'
import { useUiStore, type DrawerTab } from '../stores/uiStore'
import { useUserStore } from '../stores/userStore'
import { ConflictsPanel } from './ConflictsPanel'
import { Icon } from './Icon'
import { MemoriesPanel } from './MemoriesPanel'
import { PanelBoundary } from './PanelBoundary'
import { ProfilePanel } from './ProfilePanel'

const TABS: { id: DrawerTab; label: string }[] = [
  { id: 'memories', label: 'Memories' },
  { id: 'profile', label: 'Profile' },
  { id: 'conflicts', label: 'Conflicts' },
]

/** What a tab's card says could not be shown. */
const WHAT: Record<DrawerTab, string> = { memories: 'Your memories', profile: 'The profile', conflicts: 'The conflicts' }

/** The right drawer: what Keepsake remembers, the profile, and conflicts to settle. */
export function Drawer() {
  const tab = useUiStore((s) => s.drawerTab)
  const openDrawer = useUiStore((s) => s.openDrawer)
  const closeDrawer = useUiStore((s) => s.closeDrawer)
  // Another profile, or the same one changed, is another try at a tab that could not be shown.
  const profile = useUserStore((s) => s.currentView)
  const list = useRef<HTMLDivElement>(null)

  // Arrow keys move between tabs (the WAI-ARIA tabs pattern); Tab goes on into the panel.
  const onKeyDown = (e: KeyboardEvent) => {
    const at = TABS.findIndex((t) => t.id === tab)
    const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0
    if (!step) return
    e.preventDefault()
    const next = TABS[(at + step + TABS.length) % TABS.length]
    openDrawer(next.id)
    list.current?.querySelector<HTMLButtonElement>(`#tab-${next.id}`)?.focus()
  }

  return (
    <div className="drawer">
      <div className="drawer-tabs">
        <div className="tabs" role="tablist" aria-label="Memory and profile" ref={list} onKeyDown={onKeyDown}>
          {TABS.map((t) => (
            <button
              key={t.id}
              id={`tab-${t.id}`}
              type="button"
              role="tab"
              className="tab"
              aria-selected={t.id === tab}
              aria-controls={`panel-${t.id}`}
              tabIndex={t.id === tab ? 0 : -1}
              onClick={() => openDrawer(t.id)}
            >
              {t.label}
            </button>
          ))}
        </div>
        <button type="button" className="icon-button desktop-only" aria-label="Close panel" onClick={closeDrawer}>
          <Icon name="close" />
        </button>
      </div>
      <div className="drawer-panel" id={`panel-${tab}`} role="tabpanel" aria-labelledby={`tab-${tab}`}>
        {/* One boundary per tab: a tab that cannot be shown leaves the others working. */}
        <PanelBoundary key={tab} what={WHAT[tab]} resetKey={profile}>
          {tab === 'memories' && <MemoriesPanel />}
          {tab === 'profile' && <ProfilePanel />}
          {tab === 'conflicts' && <ConflictsPanel />}
        </PanelBoundary>
      </div>
    </div>
  )
}
