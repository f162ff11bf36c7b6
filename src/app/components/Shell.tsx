import { useLiveData } from '../hooks/useLiveData'
import { useUiStore } from '../stores/uiStore'
import { Conversation } from './Conversation'
import { CreateUserDialog } from './CreateUserDialog'
import { Drawer } from './Drawer'
import { SessionList } from './SessionList'
import { SettingsDialog } from './SettingsDialog'
import { SidePanel } from './SidePanel'
import { TopBar } from './TopBar'

/** The app for a user: top bar, chats on the left, the conversation, and the memory drawer. */
export function Shell() {
  useLiveData()
  const drawerOpen = useUiStore((s) => s.drawerOpen)
  return (
    <div className="app">
      <a className="skip-link" href="#composer-input">
        Skip to the message box
      </a>
      <TopBar />
      <div className="layout">
        <SidePanel side="left" sheet="sessions" label="Chats" shownOnDesktop>
          <SessionList />
        </SidePanel>
        <Conversation />
        <SidePanel side="right" sheet="drawer" label="Memory and profile" shownOnDesktop={drawerOpen}>
          <Drawer />
        </SidePanel>
      </div>
      <CreateUserDialog />
      <SettingsDialog />
    </div>
  )
}
