import { create } from 'zustand'
import { matches, PHONE_QUERY, WIDE_QUERY } from '../lib/media'

export type DrawerTab = 'memories' | 'profile' | 'conflicts'
/** On a phone the side panels are full-screen sheets; at most one is open. */
export type Sheet = 'sessions' | 'drawer' | null

interface UiState {
  drawerOpen: boolean
  drawerTab: DrawerTab
  sheet: Sheet
  createUserOpen: boolean
  settingsOpen: boolean
  openDrawer(tab?: DrawerTab): void
  toggleDrawer(): void
  closeDrawer(): void
  openSheet(sheet: Sheet): void
  setCreateUserOpen(open: boolean): void
  setSettingsOpen(open: boolean): void
}

const isPhone = () => matches(PHONE_QUERY)

export const useUiStore = create<UiState>()((set, get) => ({
  drawerOpen: matches(WIDE_QUERY),
  drawerTab: 'memories',
  sheet: null,
  createUserOpen: false,
  settingsOpen: false,
  openDrawer(tab) {
    set({ drawerOpen: true, drawerTab: tab ?? get().drawerTab, sheet: isPhone() ? 'drawer' : get().sheet })
  },
  toggleDrawer() {
    if (isPhone()) set({ sheet: get().sheet === 'drawer' ? null : 'drawer', drawerOpen: true })
    else set({ drawerOpen: !get().drawerOpen })
  },
  closeDrawer() {
    set({ drawerOpen: isPhone() ? get().drawerOpen : false, sheet: get().sheet === 'drawer' ? null : get().sheet })
  },
  openSheet(sheet) {
    set({ sheet })
  },
  setCreateUserOpen(open) {
    set({ createUserOpen: open })
  },
  setSettingsOpen(open) {
    set({ settingsOpen: open })
  },
}))
