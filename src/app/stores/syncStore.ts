import { create } from 'zustand'
import { createSpaceCredentials, parsePairingLink, type MemoryClient, type PairingPayload, type SyncConfig, type SyncProblem, type SyncStatus, type User } from '../../index'
import { errorMessage } from '../lib/errors'
import { clearSyncConfig, loadSyncConfig, saveSyncConfig, serverUrlProblem } from '../lib/syncConfig'
import { followChanges } from './changeFeed'
import { refreshAll } from './actions'
import { client, useClientStore } from './clientStore'
import { notify } from './noticeStore'
import { useUserStore } from './userStore'

/** A pairing link opened on this device: what it offers, or why it cannot be used. */
export type PendingPairing = { payload: PairingPayload; localProfiles: number } | { error: string }

/** A record from another device that failed its schema: kept in its document, not shown, listed in Settings, Sync. */
export type UnreadableRecord = SyncProblem

export interface UserIdClash {
  userId: string
  users: User[]
}

interface SyncState {
  status: SyncStatus
  /** The space this device syncs with (remembered in localStorage); null: local only. */
  config: SyncConfig | null
  /** The socket failed while the device itself is online: the server cannot be reached. */
  unreachable: boolean
  /** Why the last attempt to connect did not even start (a bad address). */
  connectError: string | null
  /** Set when this device just created the space: the settings show the pairing link at once. */
  justStarted: boolean
  pairing: PendingPairing | null
  clashes: UserIdClash[]
  /** Records from another device that could not be read (quarantined by the library); empty when all is well. */
  unreadable: UnreadableRecord[]
  set(status: SyncStatus): void
  /** Creates a new space on the server at `url` and syncs this device with it. */
  start(url: string): Promise<void>
  /** Joins the space of a pairing link (after the person confirmed). */
  join(payload: PairingPayload): Promise<void>
  /** Same space, another server address. */
  changeServer(url: string): Promise<void>
  /** A fresh connection (after the server refused or could not be reached). */
  retry(): Promise<void>
  /** Stops syncing; everything stays on this device. */
  leave(): void
  /** Reads a pairing link (a full URL or its #pair= fragment) and asks the person about it. */
  openPairingLink(href: string): Promise<void>
  dismissPairing(): void
  refreshClashes(): Promise<void>
  /** Gives one of two profiles that share a userId another id. */
  renameClash(user: User, newUserId: string): Promise<void>
}

const LOCAL_ONLY: SyncStatus = { state: 'disabled', pendingChanges: 0 }
/** After a join, say so once the device is really in sync (a refusal shows as the sync error instead). */
let announceJoin = false

/** Removes a #pair= fragment from the address bar (and so from history) once it was answered. */
function clearPairingFragment(): void {
  if (!location.hash.includes('pair=')) return
  history.replaceState(history.state, '', location.pathname + location.search)
}

function remember(config: SyncConfig): void {
  try {
    saveSyncConfig(config)
  } catch {
    notify('This browser does not let Keepsake store settings: sync stops when the page is closed.', 'error')
  }
}

async function connect(config: SyncConfig): Promise<void> {
  useSyncStore.setState({ connectError: null, unreachable: false })
  try {
    await client().connectSync(config)
  } catch (e) {
    useSyncStore.setState({ connectError: errorMessage(e) })
    throw e
  }
}

export const useSyncStore = create<SyncState>()((set, get) => ({
  status: LOCAL_ONLY,
  config: null,
  unreachable: false,
  connectError: null,
  justStarted: false,
  pairing: null,
  clashes: [],
  unreadable: [],

  set(status) {
    const was = get().status.state
    const down = status.state === 'offline' || status.state === 'connecting'
    const unreachable = down ? (get().unreachable || (status.state === 'offline' && navigator.onLine)) : false
    set({ status, unreachable })
    if (status.state === 'error' || status.state === 'disabled') announceJoin = false
    if (status.state === 'synced' && announceJoin) {
      announceJoin = false
      notify('Joined: this device is in sync with your other devices.', 'success')
    }
    // Another device's changes are in the database now: show them (on the first-run card too).
    if (status.state === 'synced' && was !== 'synced') void refreshAll().then(() => get().refreshClashes())
  },

  async start(url) {
    const problem = serverUrlProblem(url)
    if (problem) {
      set({ connectError: problem })
      return
    }
    const { spaceId, secret } = await createSpaceCredentials()
    const config = { url: url.trim(), spaceId, secret }
    await connect(config)
    remember(config)
    set({ config, justStarted: true })
  },

  async join(payload) {
    const config = { url: payload.url, spaceId: payload.spaceId, secret: payload.secret }
    await connect(config)
    announceJoin = true
    remember(config)
    clearPairingFragment()
    set({ config, pairing: null, justStarted: false })
  },

  async changeServer(url) {
    const current = get().config
    const problem = serverUrlProblem(url)
    if (problem || !current) {
      set({ connectError: problem })
      return
    }
    const config = { ...current, url: url.trim() }
    await connect(config)
    remember(config)
    set({ config })
  },

  async retry() {
    const config = get().config
    if (config) await connect(config).catch(() => undefined)
  },

  leave() {
    client().disconnectSync()
    clearSyncConfig()
    set({ config: null, justStarted: false, connectError: null, unreachable: false })
    notify('This device stopped syncing. Everything stays here.', 'success')
  },

  async openPairingLink(href) {
    let payload: PairingPayload
    try {
      payload = parsePairingLink(href)
    } catch (e) {
      set({ pairing: { error: errorMessage(e) } })
      return
    }
    const current = get().config
    if (current && current.spaceId === payload.spaceId && current.url === payload.url) {
      clearPairingFragment()
      notify('This device already syncs with that space.', 'info')
      return
    }
    const { total } = await client().listUsers({ limit: 1 })
    set({ pairing: { payload, localProfiles: total } })
  },

  dismissPairing() {
    clearPairingFragment()
    set({ pairing: null })
  },

  async refreshClashes() {
    try {
      set({ clashes: await client().listUserIdClashes() })
    } catch {
      /* shown again on the next refresh */
    }
  },

  async renameClash(user, newUserId) {
    await user.update({ newUserId })
    await useUserStore.getState().load()
    await get().refreshClashes()
  },
}))

function readPairingFragment(): void {
  if (location.hash.includes('pair=')) void useSyncStore.getState().openPairingLink(location.href)
}

function attach(c: MemoryClient): void {
  c.onSyncStatus((s) => useSyncStore.getState().set(s))
  c.onSyncProblems((unreadable) => useSyncStore.setState({ unreadable }))
  const config = loadSyncConfig()
  if (config) {
    useSyncStore.setState({ config })
    void connect(config).catch(() => undefined)
  }
  readPairingFragment()
  window.addEventListener('hashchange', readPairingFragment)
  void useSyncStore.getState().refreshClashes()
  // every change (this tab's, other tabs', other devices') reaches the stores through one feed
  followChanges(c, { onUsersChanged: () => useSyncStore.getState().refreshClashes() })
}

/**
 * Once the local database is open: follow the sync status, reconnect to the space this device
 * synced with before, and pick up a pairing link the app was opened with.
 */
export function bootSync(): void {
  const ready = (c: MemoryClient | null) => {
    if (!c) return false
    attach(c)
    return true
  }
  if (ready(useClientStore.getState().client)) return
  const stop = useClientStore.subscribe((s) => {
    if (ready(s.client)) stop()
  })
}
