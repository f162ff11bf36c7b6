import { create } from 'zustand'
import type { DeletedMemory, MemoryInput, UserMemoryItem } from '../../index'
import { errorMessage } from '../lib/errors'
import { notify } from './noticeStore'
import { useUserStore } from './userStore'

interface MemoryState {
  status: 'loading' | 'ready' | 'error'
  error: string | null
  /** Live memories, newest first, each with its earlier versions and connected memories. */
  items: UserMemoryItem[]
  query: string
  categories: string[]
  /** Only the memories drawn from this chat ("Show these memories" after processing). */
  sessionFilter: string | null
  selected: string[]
  /** A memory to scroll to and flash (a connected-memory chip was followed). */
  focused: string | null
  load(): Promise<void>
  setQuery(query: string): void
  toggleCategory(name: string): void
  setSessionFilter(sessionId: string | null): void
  toggleSelected(memoryId: string): void
  clearSelection(): void
  focus(memoryId: string | null): void
  /** Deletes a version (or it with its history) and offers "Undo" in a notice. */
  remove(memoryId: string, withHistory: boolean, done: string): Promise<void>
  /** Deletes every selected memory with its history, with one "Undo" for all of them. */
  removeSelected(): Promise<void>
  /** Puts back what deletions removed (the notice's "Undo"), newest first. */
  undo(deleted: DeletedMemory[]): Promise<void>
  /** Corrects a memory: a new version written by the person. */
  edit(memoryId: string, changes: MemoryInput): Promise<UserMemoryItem>
  /** Adds a memory by hand. */
  add(memory: MemoryInput): Promise<UserMemoryItem>
}

const PAGE = 200

export const useMemoryStore = create<MemoryState>()((set, get) => ({
  status: 'loading',
  error: null,
  items: [],
  query: '',
  categories: [],
  sessionFilter: null,
  selected: [],
  focused: null,

  async load() {
    const user = useUserStore.getState().current
    if (!user) return set({ status: 'ready', items: [], selected: [] })
    try {
      const items: UserMemoryItem[] = []
      for (let offset = 0; ; offset += PAGE) {
        const page = await user.listMemories({ offset, limit: PAGE })
        items.push(...page.items)
        if (!page.hasMore) break
      }
      const live = new Set(items.map((m) => m.memoryId))
      set({ status: 'ready', error: null, items, selected: get().selected.filter((id) => live.has(id)) })
    } catch (e) {
      set({ status: 'error', error: errorMessage(e) })
    }
  },

  setQuery(query) {
    set({ query })
  },

  toggleCategory(name) {
    const on = get().categories.includes(name)
    set({ categories: on ? get().categories.filter((c) => c !== name) : [...get().categories, name] })
  },

  setSessionFilter(sessionId) {
    set({ sessionFilter: sessionId })
  },

  toggleSelected(memoryId) {
    const on = get().selected.includes(memoryId)
    set({ selected: on ? get().selected.filter((id) => id !== memoryId) : [...get().selected, memoryId] })
  },

  clearSelection() {
    set({ selected: [] })
  },

  focus(memoryId) {
    set({ focused: memoryId })
  },

  async remove(memoryId, withHistory, done) {
    const user = useUserStore.getState().current
    if (!user) return
    const deleted = await user.deleteMemory(memoryId, { deletePreviousVersions: withHistory })
    await get().load()
    notify(done, 'success', { label: 'Undo', run: () => void get().undo([deleted]) })
  },

  async removeSelected() {
    const user = useUserStore.getState().current
    if (!user) return
    const deleted: DeletedMemory[] = []
    try {
      for (const id of get().selected) {
        deleted.push(await user.deleteMemory(id, { deletePreviousVersions: true }))
        set({ selected: get().selected.filter((x) => x !== id) })
      }
    } finally {
      await get().load()
    }
    const n = deleted.length
    notify(`Deleted ${n} ${n === 1 ? 'memory' : 'memories'}`, 'success', { label: 'Undo', run: () => void get().undo(deleted) })
  },

  async undo(deleted) {
    try {
      for (const d of [...deleted].reverse()) await d.restore()
      notify(deleted.length > 1 ? 'Memories restored' : 'Restored', 'success')
    } catch (e) {
      notify(`Could not undo: ${errorMessage(e)}`, 'error')
    } finally {
      await get().load()
    }
  },

  async edit(memoryId, changes) {
    const user = useUserStore.getState().current
    if (!user) throw new Error('No profile is open')
    const item = await user.updateMemory(memoryId, changes)
    await get().load()
    return item
  },

  async add(memory) {
    const user = useUserStore.getState().current
    if (!user) throw new Error('No profile is open')
    const item = await user.addMemory(memory)
    await get().load()
    return item
  },
}))
