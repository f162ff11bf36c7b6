import { create } from 'zustand'
import type { Doc } from '../../index'
import { errorMessage } from '../lib/errors'
import { useUserStore } from './userStore'

interface DocState {
  status: 'loading' | 'ready' | 'error'
  error: string | null
  docs: Doc[]
  load(): Promise<void>
  add(title: string, content: string): Promise<void>
  remove(docId: string): Promise<void>
}

/** The current user's documents (Julep-style reference material the assistant may draw on). */
export const useDocStore = create<DocState>()((set, get) => ({
  status: 'loading',
  error: null,
  docs: [],

  async load() {
    const user = useUserStore.getState().current
    if (!user) return set({ status: 'ready', docs: [] })
    try {
      const { docs } = await user.listDocs({ limit: 1000 })
      set({ status: 'ready', error: null, docs })
    } catch (e) {
      set({ status: 'error', error: errorMessage(e) })
    }
  },

  async add(title, content) {
    const user = useUserStore.getState().current
    if (!user) return
    const doc = await user.addDoc({ title, content })
    set({ docs: [doc, ...get().docs] })
  },

  async remove(docId) {
    const user = useUserStore.getState().current
    if (!user) return
    await user.deleteDoc(docId)
    set({ docs: get().docs.filter((d) => d.docId !== docId) })
  },
}))
