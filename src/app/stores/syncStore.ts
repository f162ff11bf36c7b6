import { create } from 'zustand'
import type { SyncStatus } from '../../index'

interface SyncState {
  status: SyncStatus
  set(status: SyncStatus): void
}

/** The client's sync status, as MemoryClient.onSyncStatus reports it. */
export const useSyncStore = create<SyncState>()((set) => ({
  status: { state: 'disabled', pendingChanges: 0 },
  set(status) {
    set({ status })
  },
}))
