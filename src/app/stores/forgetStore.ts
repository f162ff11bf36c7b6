import { create } from 'zustand'
import type { DeletedMemory, ForgetMatch } from '../../index'
import { errorMessage } from '../lib/errors'
import { plural } from '../lib/format'
import { useMemoryStore } from './memoryStore'
import { notify } from './noticeStore'
import { useUserStore } from './userStore'

interface ForgetState {
  /** A "forget that …" said in a chat, waiting for the person's confirmation; null when none. */
  request: (ForgetMatch & { sessionId: string }) | null
  busy: boolean
  /** Looks at a sent message: a request to forget is shown for confirmation; deletes nothing. */
  check(sessionId: string, text: string): Promise<void>
  /** Deletes the matched memories with their history, with one "Undo". */
  confirm(): Promise<void>
  dismiss(): void
}

export const useForgetStore = create<ForgetState>()((set, get) => ({
  request: null,
  busy: false,

  async check(sessionId, text) {
    const user = useUserStore.getState().current
    if (!user) return
    try {
      const match = await user.matchForget(text)
      if (match) set({ request: { ...match, sessionId } })
    } catch {
      /* a message that cannot be checked is still sent: nothing to confirm */
    }
  },

  async confirm() {
    const user = useUserStore.getState().current
    const request = get().request
    if (!user || !request) return
    set({ busy: true })
    const deleted: DeletedMemory[] = []
    try {
      for (const m of request.memories) deleted.push(await user.deleteMemory(m.memoryId, { deletePreviousVersions: true }))
      set({ request: null })
      const memories = useMemoryStore.getState()
      notify(`Forgot ${plural(deleted.length, 'memory', 'memories')}`, 'success', { label: 'Undo', run: () => void memories.undo(deleted) })
    } catch (e) {
      notify(`Could not forget: ${errorMessage(e)}`, 'error')
    } finally {
      set({ busy: false })
      await useMemoryStore.getState().load()
    }
  },

  dismiss() {
    set({ request: null })
  },
}))
