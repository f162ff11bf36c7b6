import { create } from 'zustand'
import type { JsonObject, User } from '../../index'
import { errorMessage } from '../lib/errors'
import { client } from './clientStore'

/** A plain snapshot of a user for rendering (handles are mutable, snapshots are not). */
export interface UserView {
  userId: string
  name: string
  about: string
  metadata: JsonObject
  mergeConflictEnabled: boolean | null
  createdAt: Date
}

export function viewOf(u: User): UserView {
  return { userId: u.userId, name: u.name, about: u.about, metadata: u.metadata, mergeConflictEnabled: u.mergeConflictEnabled, createdAt: u.createdAt }
}

export interface ProfilePatch {
  newUserId?: string
  name?: string
  about?: string
  newMetadata?: JsonObject
  mergeConflictEnabled?: boolean | null
}

interface UserState {
  status: 'loading' | 'ready' | 'error'
  error: string | null
  users: UserView[]
  /** The handle of the user whose chats and memories are shown. */
  current: User | null
  currentView: UserView | null
  load(): Promise<void>
  select(userId: string): Promise<void>
  create(userId: string, options: { name?: string; about?: string }): Promise<void>
  update(patch: ProfilePatch): Promise<void>
  remove(): Promise<void>
}

const CURRENT_KEY = 'keepsake:current-user'
const MAX_USERS = 100

function rememberCurrent(userId: string | null): void {
  try {
    if (userId) localStorage.setItem(CURRENT_KEY, userId)
    else localStorage.removeItem(CURRENT_KEY)
  } catch {
    /* storage may be blocked; the choice is then only kept for this tab */
  }
}

function recalledCurrent(): string | null {
  try {
    return localStorage.getItem(CURRENT_KEY)
  } catch {
    return null
  }
}

export const useUserStore = create<UserState>()((set, get) => ({
  status: 'loading',
  error: null,
  users: [],
  current: null,
  currentView: null,

  async load() {
    try {
      const { users } = await client().listUsers({ limit: MAX_USERS })
      const keep = get().current
      // The same user stays selected even when another tab renamed them; users are kept by handle.
      const wanted = (keep && users.find((u) => u.uid === keep.uid)) || users.find((u) => u.userId === recalledCurrent()) || users[0] || null
      set({ status: 'ready', error: null, users: users.map(viewOf), current: wanted, currentView: wanted && viewOf(wanted) })
      rememberCurrent(wanted?.userId ?? null)
    } catch (e) {
      set({ status: 'error', error: errorMessage(e) })
    }
  },

  async select(userId) {
    const user = await client().getUser(userId)
    rememberCurrent(user.userId)
    set({ current: user, currentView: viewOf(user) })
  },

  async create(userId, options) {
    const user = await client().createUser(userId, options)
    rememberCurrent(user.userId)
    set({ current: user, currentView: viewOf(user), users: [viewOf(user), ...get().users] })
  },

  async update(patch) {
    const user = get().current
    if (!user) return
    const before = user.userId
    await user.update(patch)
    const view = viewOf(user)
    rememberCurrent(user.userId)
    set({ currentView: view, users: get().users.map((u) => (u.userId === before ? view : u)) })
  },

  async remove() {
    const user = get().current
    if (!user) return
    await user.delete()
    set({ current: null, currentView: null })
    rememberCurrent(null)
    await get().load()
  },
}))
