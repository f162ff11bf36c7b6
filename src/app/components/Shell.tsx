import { useEffect } from 'react'
import { useLiveData } from '../hooks/useLiveData'
import { useModelStore } from '../stores/modelStore'
import { useSessionStore } from '../stores/sessionStore'
import { useUiStore } from '../stores/uiStore'
import { Conversation } from './Conversation'
import { ClashBanner } from './ClashBanner'
import { CreateUserDialog } from './CreateUserDialog'
import { Drawer } from './Drawer'
import { ModelDialog } from './ModelDialog'
import { PanelBoundary } from './PanelBoundary'
import { SessionList } from './SessionList'
import { SettingsDialog } from './SettingsDialog'
import { SidePanel } from './SidePanel'
import { TopBar } from './TopBar'
import { UpdatePrompt } from './UpdatePrompt'

/** The app for a user: top bar, chats on the left, the conversation, and the memory drawer. */
export function Shell() {
  useLiveData()
  // The model chosen earlier starts in the background when it is on this device.
  useEffect(() => void useModelStore.getState().boot(), [])
  const drawerOpen = useUiStore((s) => s.drawerOpen)
  // Another chat is another try at showing the conversation.
  const activeId = useSessionStore((s) => s.activeId)
  return (
    <div className="app">
      <a className="skip-link" href="#composer-input">
        Skip to the message box
      </a>
      <TopBar />
      <PanelBoundary what="The profile clash notice" variant="inline">
        <ClashBanner />
      </PanelBoundary>
      <UpdatePrompt inline />
      <div className="layout">
        <SidePanel side="left" sheet="sessions" label="Chats" shownOnDesktop>
          <PanelBoundary what="Your chats">
            <SessionList />
          </PanelBoundary>
        </SidePanel>
        <PanelBoundary what="The conversation" className="conversation" resetKey={activeId}>
          <Conversation />
        </PanelBoundary>
        <SidePanel side="right" sheet="drawer" label="Memory and profile" shownOnDesktop={drawerOpen}>
          <Drawer />
        </SidePanel>
      </div>
      <CreateUserDialog />
      <SettingsDialog />
      <ModelDialog />
    </div>
  )
}
