import { create } from 'zustand'
import { isOpenConflictStatus, type ConflictAnswer, type MergeConflict } from '../../index'
import { errorMessage } from '../lib/errors'
import { useMemoryStore } from './memoryStore'
import { useUserStore } from './userStore'

/** Conflicts that still wait for the user or for the engine. */
export function isOpen(c: MergeConflict): boolean {
  return isOpenConflictStatus(c.status)
}

interface ConflictState {
  status: 'loading' | 'ready' | 'error'
  error: string | null
  /** Open conflicts first (oldest first: they have waited longest), then settled ones, newest first. */
  conflicts: MergeConflict[]
  /** For settled conflicts: the content of the memories the answer produced. */
  outcomes: Record<string, string[]>
  load(): Promise<void>
  resolve(conflictId: string, answers: ConflictAnswer[]): Promise<void>
}

const LIMIT = 100

export const useConflictStore = create<ConflictState>()((set, get) => ({
  status: 'loading',
  error: null,
  conflicts: [],
  outcomes: {},

  async load() {
    const user = useUserStore.getState().current
    if (!user) return set({ status: 'ready', conflicts: [], outcomes: {} })
    try {
      const { conflicts } = await user.listMergeConflicts({ limit: LIMIT, sortOrder: 'desc' })
      const open = conflicts.filter(isOpen).reverse()
      const settled = conflicts.filter((c) => !isOpen(c))
      const outcomes: Record<string, string[]> = { ...get().outcomes }
      for (const c of settled) {
        if (outcomes[c.conflictId]) continue
        const texts = await Promise.all(c.newMemories.map((id) => user.getMemory(id, { includePreviousVersions: false, includeConnectedMemories: false }).then((m) => m.content, () => null)))
        outcomes[c.conflictId] = texts.filter((t): t is string => t !== null)
      }
      set({ status: 'ready', error: null, conflicts: [...open, ...settled], outcomes })
    } catch (e) {
      set({ status: 'error', error: errorMessage(e) })
    }
  },

  async resolve(conflictId, answers) {
    const conflict = get().conflicts.find((c) => c.conflictId === conflictId)
    if (!conflict) return
    await conflict.resolve(answers)
    await Promise.all([get().load(), useMemoryStore.getState().load()])
  },
}))

export function openConflictCount(conflicts: MergeConflict[]): number {
  return conflicts.filter(isOpen).length
}
