import { create } from 'zustand'

export interface StorageUsage {
  usage: number
  quota: number
  /** Chromium's split by storage kind; null elsewhere */
  details: { indexedDB: number; caches: number; other: number } | null
}

interface StorageState {
  /** navigator.storage is there (secure contexts of current browsers) */
  supported: boolean
  /** the browser promised not to evict Keepsake's data; null until known */
  persisted: boolean | null
  usage: StorageUsage | null
  /** the browser's answer to the last request made from this tab */
  answer: 'granted' | 'denied' | null
  requesting: boolean
  refresh(): Promise<void>
  /** Asks the browser to keep the data (navigator.storage.persist); resolves with its answer. */
  request(): Promise<boolean>
  /** On first real use: asks once per browser profile, quietly (the Storage settings show the outcome). */
  askOnce(): Promise<void>
}

const ASKED_KEY = 'keepsake:persistence-asked'

type EstimateWithDetails = StorageEstimate & { usageDetails?: Record<string, number> }

function storageManager(): StorageManager | null {
  return typeof navigator !== 'undefined' && navigator.storage && typeof navigator.storage.estimate === 'function' ? navigator.storage : null
}

function splitDetails(d: Record<string, number> | undefined): StorageUsage['details'] {
  if (!d) return null
  const indexedDB = d.indexedDB ?? 0
  const caches = d.caches ?? 0
  const total = Object.values(d).reduce((a, b) => a + b, 0)
  return { indexedDB, caches, other: Math.max(0, total - indexedDB - caches) }
}

function alreadyAsked(): boolean {
  try {
    return localStorage.getItem(ASKED_KEY) !== null
  } catch {
    return false
  }
}

function markAsked(): void {
  try {
    localStorage.setItem(ASKED_KEY, new Date().toISOString())
  } catch {
    /* blocked storage: the question may come again next time, which is harmless */
  }
}

/** Whether the browser keeps Keepsake's data, and how much room it takes. */
export const useStorageStore = create<StorageState>()((set, get) => ({
  supported: storageManager() !== null,
  persisted: null,
  usage: null,
  answer: null,
  requesting: false,

  async refresh() {
    const sm = storageManager()
    if (!sm) return
    const [persisted, estimate] = await Promise.all([
      typeof sm.persisted === 'function' ? sm.persisted().catch(() => false) : Promise.resolve(false),
      sm.estimate().catch(() => null) as Promise<EstimateWithDetails | null>,
    ])
    set({
      persisted,
      usage: estimate ? { usage: estimate.usage ?? 0, quota: estimate.quota ?? 0, details: splitDetails(estimate.usageDetails) } : null,
    })
  },

  async request() {
    const sm = storageManager()
    if (!sm || typeof sm.persist !== 'function') return false
    set({ requesting: true })
    try {
      const granted = await sm.persist().catch(() => false)
      markAsked()
      set({ answer: granted ? 'granted' : 'denied', persisted: granted || get().persisted === true })
      return granted
    } finally {
      set({ requesting: false })
      void get().refresh()
    }
  },

  async askOnce() {
    if (alreadyAsked() || !storageManager()) return
    markAsked()
    const sm = storageManager()!
    if (await sm.persisted?.().catch(() => false)) return
    await get().request()
  },
}))
